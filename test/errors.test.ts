// Bad input: every call must throw a JavaScript Error with a message that says
// what was wrong and what was expected, and never take the process down.
import { expect, test } from "@jest/globals";
import * as torch from "../runtime/index";

const f = (...s: number[]) => torch.zeros(s);
const i64 = (v: number[]) => torch.tensor(v, { dtype: torch.int64 });

const BAD: Array<[string, () => unknown, RegExp]> = [
  ["broadcast mismatch", () => f(2, 3).add(f(4)), /size of tensor a \(3\) must match the size of tensor b \(4\) at non-singleton dimension 1/],
  ["in-place broadcast to larger shape", () => f(3).add_(f(2, 3)), /output with shape \[3\] doesn't match the broadcast shape \[2, 3\]/],
  ["in-place float into int", () => i64([1]).add_(1.5), /result type float32 can't be cast to the desired output type int64/],
  ["out with wrong shape", () => torch.add(f(2), f(2), { out: f(3) }), /out has shape \[3\]/],
  ["non-tensor operand", () => f(2).add("x" as unknown as number), /must be a Tensor or a number/],
  ["bool subtraction", () => torch.tensor([true]).sub(torch.tensor([false])), /Subtraction.*bool tensors is not supported/],
  ["bool negation", () => torch.tensor([true]).neg(), /Negation.*bool tensor is not supported/],
  ["integer division by zero", () => i64([1, 2]).floorDivide(0), /ZeroDivisionError/],
  ["integer remainder by zero", () => i64([1]).remainder(i64([0])), /ZeroDivisionError/],
  ["negative integer power", () => i64([2]).pow(-1), /Integers to negative integer powers are not allowed/],
  ["bitwise on floats", () => f(2).bitwiseAnd(f(2)), /not implemented for 'Float'/],
  ["view with wrong numel", () => f(2, 3).view(4, 2), /shape '\[4, 2\]' is invalid for input of size 6/],
  ["view with two -1", () => f(2, 3).view(-1, -1), /only one dimension can be inferred/],
  ["view of non-contiguous", () => f(2, 3).t().view(6), /view size is not compatible/],
  ["reshape wrong numel", () => f(5).reshape(2, 2), /invalid for input of size 5/],
  ["dim out of range", () => f(2, 3).sum(2), /Dimension out of range \(expected to be in range of \[-2, 1\], but got 2\)/],
  ["negative dim out of range", () => f(2).unsqueeze(-3), /Dimension out of range/],
  ["transpose dim", () => f(2, 3).transpose(0, 5), /Dimension out of range/],
  ["permute wrong length", () => f(2, 3).permute(0), /number of dimensions/],
  ["permute duplicate", () => f(2, 3).permute(0, 0), /duplicate dims/],
  ["expand non-singleton", () => f(2, 3).expand(4, 3), /expanded size of the tensor \(4\) must match the existing size \(2\)/],
  ["expand fewer dims", () => f(2, 3).expand(3), /must be greater or equal to the number of dimensions/],
  ["narrow past end", () => f(5).narrow(0, 3, 4), /exceeds dimension size/],
  ["select out of range", () => f(3).select(0, 3), /index 3 out of range/],
  ["index out of range", () => f(3).index(5), /index 5 out of range/],
  ["too many indices", () => f(3).index(0, 0), /too many indices for tensor of dimension 1/],
  ["bad slice string", () => f(3).index("1:a"), /invalid index "1:a"/],
  ["zero slice step", () => f(3).index("::0"), /slice step cannot be zero/],
  ["advanced index out of bounds", () => f(3).index([0, 7]), /index 7 is out of bounds for dimension 0 with size 3/],
  ["mask shape mismatch", () => f(3).index(torch.tensor([true, false])), /shape of the mask \[2\] at index 0 does not match/],
  ["float index tensor", () => f(3).index(f(1)), /tensors used as indices must be long, int, byte or bool/],
  ["indexPut value shape", () => f(3, 2).indexPut_([[0, 1]], f(3)), /shape mismatch: value tensor of shape \[3\] cannot be broadcast/],
  ["cat empty list", () => torch.cat([]), /non-empty list/],
  ["cat rank mismatch", () => torch.cat([f(2, 3), f(3)]), /same number of dimensions/],
  ["cat size mismatch", () => torch.cat([f(2, 3), f(2, 4)], 0), /Sizes of tensors must match except in dimension 0/],
  ["cat 0-dim", () => torch.cat([torch.tensor(1), torch.tensor(2)]), /zero-dimensional tensor/],
  ["stack unequal", () => torch.stack([f(2), f(3)]), /stack expects each tensor to be equal size/],
  ["split bad sizes", () => f(5).split([2, 2]), /split_with_sizes expects split_sizes to sum exactly to 5/],
  ["chunk zero", () => f(5).chunk(0), /chunk expects `chunks` to be greater than 0/],
  ["mm shape mismatch", () => f(2, 3).mm(f(4, 5)), /mat1 and mat2 shapes cannot be multiplied \(2x3 and 4x5\)/],
  ["mm not matrix", () => f(3).mm(f(3, 3)), /self must be a matrix/],
  ["mm dtype mismatch", () => f(2, 2).mm(torch.zeros(2, 2, { dtype: torch.float64 })), /same dtype, but found Float and Double/],
  ["bmm mismatch", () => f(2, 2, 3).bmm(f(3, 3, 2)), /Expected size for first two dimensions of batch2 tensor/],
  ["mv mismatch", () => f(2, 3).mv(f(4)), /size mismatch, got input \(2\), mat \(2x3\), vec \(4\)/],
  ["dot size", () => f(3).dot(f(4)), /inconsistent tensor size/],
  ["dot 2-D", () => f(2, 2).dot(f(2, 2)), /1D tensors expected/],
  ["matmul 0-d", () => torch.matmul(torch.tensor(1.5), f(2)), /at least 1D/],
  ["matmul batch broadcast", () => torch.matmul(f(2, 2, 3), f(3, 3, 4)), /cannot be broadcast/],
  ["gather index dtype", () => f(3).gather(0, f(3)), /Expected dtype int64 for index/],
  ["gather out of bounds", () => f(3).gather(0, i64([3])), /index 3 is out of bounds for dimension 0 with size 3/],
  ["gather negative index", () => f(3).gather(0, i64([-1])), /out of bounds/],
  ["gather rank mismatch", () => f(3, 2).gather(0, i64([0])), /same number of dimensions/],
  ["scatter out of bounds", () => f(3).scatter(0, i64([5]), 1), /index 5 is out of bounds/],
  ["indexSelect 2-D index", () => f(3).indexSelect(0, torch.zeros(2, 2, { dtype: torch.int64 })), /Index is supposed to be a vector/],
  ["maskedFill non-bool mask", () => f(3).maskedFill(f(3), 1), /expected condition to be a boolean tensor/],
  ["where non-bool condition", () => torch.where(f(3), f(3), f(3)), /expected condition to be a boolean tensor/],
  ["clamp without bounds", () => f(3).clamp(), /At least one of 'min' or 'max' must not be None/],
  ["mean of integers", () => i64([1, 2]).mean(), /mean\(\): could not infer output dtype/],
  ["max of empty", () => f(0).max(), /Expected reduction dim.* to have non-zero size/],
  ["argmax of empty dim", () => f(2, 0).argmax(1), /non-zero size/],
  ["std of integers", () => i64([1, 2]).std(), /std and var only support floating point/],
  ["duplicate reduction dims", () => f(2, 2).sum([0, 0]), /dim 0 appears multiple times/],
  ["topk k too large", () => f(3).topk(4), /selected index k out of range/],
  ["sort dim", () => f(3).sort(1), /Dimension out of range/],
  ["cumsum without dim", () => (f(3) as unknown as { cumsum: () => unknown }).cumsum(), /dim/],
  ["negative size", () => torch.zeros(-1, 2), /negative dimension -1/],
  ["fractional size", () => torch.ones(2.5), /size must be a sequence of integers/],
  ["bad dtype", () => torch.zeros(2, { dtype: "complex64" as torch.DType }), /dtype must be one of/],
  ["ragged nested array", () => torch.tensor([[1, 2], [3]]), /expected sequence of length 2 at dim 1 \(got 1\)/],
  ["non-number in data", () => torch.tensor([1, "a" as unknown as number]), /expected numbers, booleans or bigints/],
  ["arange zero step", () => torch.arange(0, 5, 0), /step must be nonzero/],
  ["arange inconsistent bounds", () => torch.arange(5, 0, 1), /inconsistent with step sign/],
  ["linspace negative steps", () => torch.linspace(0, 1, -1), /number of steps must be non-negative/],
  ["randint low >= high", () => torch.randint(5, 5, [2]), /expects 'from' to be less than 'to'/],
  ["rand with int dtype", () => torch.rand(2, { dtype: torch.int64 }), /not implemented for 'int64'/],
  ["item of many", () => f(2).item(), /a Tensor with 2 elements cannot be converted to Scalar/],
  ["requiresGrad on int", () => torch.tensor([1, 2], { dtype: torch.int64, requiresGrad: true }), /only Tensors of floating point dtype can require gradients/],
  ["cuda without CUDA", () => torch.zeros(2, { device: "cuda" }), /not compiled with CUDA enabled|no CUDA-capable device|Found no NVIDIA driver|No CUDA GPUs are available/],
  ["to(cuda)", () => f(2).to("cuda:0"), /CUDA/],
  ["bad device string", () => torch.zeros(2, { device: "tpu" }), /Expected one of cpu, cuda device type/],
  ["use after dispose", () => { const t = f(2); t.dispose(); return t.mul(2); }, /disposed/],
  ["copy_ shape mismatch", () => f(2).copy_(f(3)), /size of tensor a \(2\) must match the size of tensor b \(3\)/],
  ["fromTypedArray of a plain array", () => torch.fromTypedArray([1, 2] as unknown as Float32Array), /expected a typed array/],
  ["setNumThreads 0", () => torch.setNumThreads(0), /positive integer/],
  ["manualSeed negative", () => torch.manualSeed(-1), /non-negative integer/],
  ["allocation larger than memory", () => torch.empty(2 ** 40), /out of memory: tried to allocate 4398046511104 bytes on the CPU/],
  ["allocation size beyond any machine", () => torch.zeros(2 ** 30, 2 ** 30), /out of memory: tried to allocate/],
  ["frombuffer overflow", () => torch.frombuffer(new ArrayBuffer(8), { dtype: torch.float32, count: 3 }), /only 2 fit/],
];

test("the list holds at least 50 bad calls", () => {
  expect(BAD.length).toBeGreaterThanOrEqual(50);
});

test.each(BAD)("%s throws a clear Error", (_name, call, message) => {
  let caught: unknown;
  try {
    call();
  } catch (e) {
    caught = e;
  }
  // Errors raised in native code come from the main realm, not jest's sandbox: check the tag.
  expect(Object.prototype.toString.call(caught)).toBe("[object Error]");
  expect((caught as Error).message).toMatch(message);
});

test("the process is still healthy after all bad calls", () => {
  expect(torch.ones(2, 2).add(1).sum().item()).toBe(8);
});

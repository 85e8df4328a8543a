// float16 / bfloat16 compute against PyTorch 1.13 (test/fixtures/half.json):
// elementwise ops (tensor, scalar and mixed-dtype operands, in place, out=),
// reductions and the other primitives, matmul, and gradients. Every case runs
// on the CPU, and again on cuda when a GPU is present (the CUDA elementwise
// and matmul impls take 16-bit dtypes natively; a GPU libm or cuBLAS's
// summation order may move a transcendental or random-valued result by one
// 16-bit ulp, hence at least 1 ulp there).
import { describe, expect, it } from "@jest/globals";
import * as torch from "../runtime/index";
import type { DType, Tensor } from "../runtime/index";
import { EncTensor, FIXTURE, build, buildEnc, compare, compareAbs, devices, noGpuReason } from "./half_helpers";

type Case = Record<string, unknown> & { op: string; dtype: DType; expected: EncTensor | { values: EncTensor; indices: EncTensor }; tol: number; how: string };

const UNARY: Record<string, string> = { logical_not: "logicalNot" };
const BINARY: Record<string, (a: Tensor, b: Tensor | number) => Tensor> = {
  add: (a, b) => a.add(b), sub: (a, b) => a.sub(b), mul: (a, b) => a.mul(b), div: (a, b) => a.div(b),
  floorDivide: (a, b) => a.div(b, { roundingMode: "floor" }), truncDivide: (a, b) => a.div(b, { roundingMode: "trunc" }),
  pow: (a, b) => a.pow(b), remainder: (a, b) => a.remainder(b), fmod: (a, b) => a.fmod(b),
  maximum: (a, b) => a.maximum(b as Tensor), minimum: (a, b) => a.minimum(b as Tensor), atan2: (a, b) => a.atan2(b),
  eq: (a, b) => a.eq(b), ne: (a, b) => a.ne(b), lt: (a, b) => a.lt(b), le: (a, b) => a.le(b), gt: (a, b) => a.gt(b),
  ge: (a, b) => a.ge(b), logicalAnd: (a, b) => a.logicalAnd(b), logicalOr: (a, b) => a.logicalOr(b),
  logicalXor: (a, b) => a.logicalXor(b),
};
const MIXED: Record<string, (a: Tensor, b: Tensor) => Tensor> = {
  "x+int": (a, b) => a.add(b), "int*x": (a, b) => a.mul(b), "x*f32_0dim": (a, b) => a.mul(b),
  "x+f64_0dim": (a, b) => a.add(b), "x/int_0dim": (a, b) => a.div(b), "int+x_0dim": (a, b) => a.add(b),
  "x+other16": (a, b) => a.add(b),
};

function elementwise(c: Case, dev: string): Tensor {
  const vec = (k: string) => build(c[k] as EncTensor["values"], c.dtype, undefined, dev);
  switch (c.kind) {
    case "unary": {
      const x = vec("x") as unknown as Record<string, () => Tensor>;
      return x[UNARY[c.op] ?? c.op]();
    }
    case "binary": return BINARY[c.op](vec("x"), vec("y"));
    case "scalar": return BINARY[c.op](vec("x"), c.scalar as number);
    case "mixed": {
      // A 0-dim operand stays on the CPU: it joins a GPU op as PyTorch's CPU scalars do.
      const a = c.a as EncTensor, b = c.b as EncTensor;
      return MIXED[c.op](buildEnc(a, a.shape.length === 0 ? "cpu" : dev), buildEnc(b, b.shape.length === 0 ? "cpu" : dev));
    }
    case "where": {
      const cond = torch.tensor(c.cond as boolean[]).to(dev);
      return c.op === "where" ? torch.where(cond, vec("x"), vec("y")) : torch.where(cond, vec("x"), c.scalar as number);
    }
    case "clamp": return vec("x").clamp(c.min as number, c.max as number);
    case "inplace": {
      const x = vec("x");
      const r = x.mul_(vec("y"));
      expect(r).toBe(x);
      return x;
    }
    case "out": {
      const o = torch.empty([(c.x as unknown[]).length], { device: dev });
      const r = torch.add(vec("x"), vec("y"), { out: o });
      expect(r).toBe(o);
      return o;
    }
    default: throw new Error(`unknown case kind ${String(c.kind)}`);
  }
}

const REDUCE: Record<string, (x: Tensor) => Tensor | { values: Tensor; indices: Tensor }> = {
  sum: (x) => x.sum(), sum0: (x) => x.sum(0), sum1keep: (x) => x.sum(1, { keepdim: true }), sumBig: (x) => x.sum(),
  sumFloat32: (x) => x.sum(null, { dtype: "float32" }), mean: (x) => x.mean(), mean1: (x) => x.mean(1),
  meanBig: (x) => x.mean(), prod1: (x) => x.prod(1), max: (x) => x.max(), max1: (x) => x.max(1), min0: (x) => x.min(0),
  argmax: (x) => x.argmax(), amin1: (x) => x.amin(1), cumsum1: (x) => x.cumsum(1), cumprod0: (x) => x.cumprod(0),
  var: (x) => x.var(), std1: (x) => x.std(1), norm: (x) => x.norm(), logsumexp1: (x) => x.logsumexp(1),
  sort1: (x) => x.sort(1, { descending: true }), topk: (x) => x.reshape(-1).topk(3),
  gather: (x) => x.gather(1, torch.tensor([[0, 4], [1, 1], [2, 3], [4, 0]]).to(x.device)),
  indexSelect: (x) => x.indexSelect(0, torch.tensor([3, 0]).to(x.device)),
  scatterAdd: (x) => x.scatterAdd(1, torch.tensor([[0, 0], [1, 2], [4, 4], [3, 3]]).to(x.device), x.narrow(1, 0, 2)),
  nonzero: (x) => x.gt(0.5).mul(x).nonzero(), cat: (x) => torch.cat([x, x.narrow(0, 0, 2)], 0),
  maskedFill: (x) => x.maskedFill(x.gt(1), 0.1),
};

const MATMUL: Record<string, (a: Tensor, b: Tensor) => Tensor> = {
  mm: (a, b) => a.matmul(b), mmT: (a, b) => a.matmul(b.t()), bmm: (a, b) => torch.bmm(a, b),
  matmulBroadcast: (a, b) => torch.matmul(a, b), mv: (a, b) => torch.mv(a, b), dot: (a, b) => torch.dot(a, b),
  addmm: (a, b) => torch.addmm(b.select(0, 0), a, b), mmRandom: (a, b) => a.matmul(b),
};

const GRADS: Record<string, (...xs: Tensor[]) => Tensor> = {
  poly: (x) => x.mul(x).add(x.mul(2)).div(3).pow(2).sum(),
  whereMean: (x, y) => torch.where(x.gt(0), x.mul(y), x.mul(0.5)).mean(),
  subDiv: (x, y) => x.sub(y).div(y.mul(y).add(1)).sum(),
  tanhExpMatmul: (x, w) => x.matmul(w).tanh().add(x.mul(0.1).exp().sum(1, { keepdim: true })).mean(),
  sigmoidLogsumexp: (x) => x.sigmoid().logsumexp(0).mul(2),
};

// On a GPU, transcendental math and cuBLAS's order of summation may differ from the CPU's by a float32 ulp.
const tolOn = (c: Case, dev: string, gpuTol = 1) => (dev === "cpu" ? c.tol : Math.max(c.tol, gpuTol));

function check(got: Tensor | { values: Tensor; indices: Tensor }, c: Case, tol: number): string[] {
  if (got instanceof torch.Tensor) return compare(got, c.expected as EncTensor, tol, c.op);
  const e = c.expected as { values: EncTensor; indices: EncTensor };
  return [...compare(got.values, e.values, tol, `${c.op}.values`), ...compare(got.indices, e.indices, 0, `${c.op}.indices`)];
}

function suite(dev: string): void {
  describe("elementwise", () => {
    const cases = FIXTURE.elementwise as Case[];
    it.each(cases.map((c) => [`${c.kind} ${c.op}${c.scalar !== undefined ? ` ${c.scalar}` : ""} ${c.dtype} (${c.how})`, c] as const))("%s", (_n, c) => {
      const exact = ["neg", "abs", "sign", "relu", "floor", "ceil", "round", "trunc", "frac", "square", "isnan", "isinf", "isfinite", "logical_not"];
      const arith = c.kind !== "unary" && !["pow", "atan2"].includes(c.op);
      expect(check(elementwise(c, dev), c, dev === "cpu" || exact.includes(c.op) || arith ? c.tol : tolOn(c, dev))).toEqual([]);
    });
  });
  describe("reductions and other primitives", () => {
    it.each((FIXTURE.reductions as Case[]).map((c) => [`${c.op} ${c.dtype} (${c.how})`, c] as const))("%s", (_n, c) => {
      const x = buildEnc(c.input as EncTensor, dev);
      const got = c.op === "sumDtype16" ? x.sum(null, { dtype: c.dtype }) : REDUCE[c.op](x);
      expect(check(got, c, tolOn(c, dev))).toEqual([]);
    });
  });
  describe("matmul", () => {
    it.each((FIXTURE.matmul as Case[]).map((c) => [`${c.op} ${c.dtype} (${c.how})`, c] as const))("%s", (_n, c) => {
      const got = MATMUL[c.op](buildEnc(c.a as EncTensor, dev), buildEnc(c.b as EncTensor, dev));
      expect(check(got, c, c.tol)).toEqual([]);
    });
    it("a batch-broadcast 16-bit operand is not materialized per batch", () => {
      const a = torch.ones([64, 8, 16], { dtype: "bfloat16", device: dev });
      const b = torch.ones([16, 4], { dtype: "bfloat16", device: dev });
      const r = torch.matmul(a, b);
      expect(r.shape).toEqual([64, 8, 4]);
      expect(r.float().mean().item()).toBe(16);
    });
  });
  describe("gradients", () => {
    it.each((FIXTURE.grads as Array<{ name: string; dtype: DType; inputs: EncTensor[]; loss: EncTensor["values"]; grads: EncTensor[]; atol: number }>).map((c) => [`${c.name} ${c.dtype}`, c] as const))("%s", (_n, c) => {
      const xs = c.inputs.map((e) => {
        const t = buildEnc(e, dev);
        t.requiresGrad = true;
        return t;
      });
      const loss = GRADS[c.name](...xs);
      expect(loss.dtype).toBe(c.dtype);
      expect(loss.gradFn).not.toBeNull();
      expect(compareAbs(loss, { dtype: c.dtype, shape: [], values: c.loss }, c.atol, "loss")).toEqual([]);
      loss.backward();
      const problems = xs.flatMap((x, i) => compareAbs(x.grad!, c.grads[i], c.atol, `grad ${i}`));
      expect(problems).toEqual([]);
    });
  });
}

for (const dev of devices()) describe(`on ${dev}`, () => suite(dev));
if (!devices().includes("cuda")) {
  describe.skip(`on cuda (skipped: ${noGpuReason()})`, () => {
    it("the same 16-bit elementwise, reduction, matmul and gradient cases", () => undefined);
  });
}

/**
 * Activation functions and softmax, written from public tensor ops (so
 * autograd differentiates them).
 */
import { noGrad } from "../../autograd/grad_mode";
import { DType, isFloatingPoint } from "../../dtype";
import { Tensor } from "../../tensor";
import { where } from "../../ops/where";
import "../../ops/unary";
import "../../ops/binary";
import "../../ops/reduce";
import { fused } from "../../autograd/function";
import { checkTensor, SCALAR_NAME, warnOnce } from "./util";

/**
 * max(x, 0) elementwise.
 * @example F.relu(torch.tensor([-1, 2])) // tensor([0, 2])
 */
export function relu(input: Tensor, options: { inplace?: boolean } = {}): Tensor {
  checkTensor(input, "relu", "input");
  return options.inplace ? input.relu_() : input.relu();
}

/**
 * x where x > 0, else negativeSlope * x.
 * @example F.leakyRelu(x, 0.2)
 */
export function leakyRelu(input: Tensor, negativeSlope = 0.01, options: { inplace?: boolean } = {}): Tensor {
  checkTensor(input, "leaky_relu", "input");
  const r = where(input.gt(0), input, input.mul(negativeSlope));
  return options.inplace ? input.copy_(r) : r;
}

const SQRT1_2 = Math.SQRT1_2;
const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/**
 * Gaussian error linear unit: x * Phi(x), or its tanh approximation with `{ approximate: "tanh" }`.
 * @example F.gelu(x); F.gelu(x, { approximate: "tanh" })
 */
export function gelu(input: Tensor, options: { approximate?: "none" | "tanh" } = {}): Tensor {
  checkTensor(input, "gelu", "input");
  const approximate = options.approximate ?? "none";
  if (approximate === "none") return input.mul(SQRT1_2).erf().add(1).mul(input).mul(0.5);
  if (approximate === "tanh") {
    const inner = input.mul(input).mul(input).mul(0.044715).add(input).mul(SQRT_2_OVER_PI);
    return inner.tanh().add(1).mul(input).mul(0.5);
  }
  throw new Error(`approximate argument must be either none or tanh.`);
}

/** 1 / (1 + exp(-x)). @example F.sigmoid(x) */
export function sigmoid(input: Tensor): Tensor {
  checkTensor(input, "sigmoid", "input");
  return input.sigmoid();
}

/** Hyperbolic tangent. @example F.tanh(x) */
export function tanh(input: Tensor): Tensor {
  checkTensor(input, "tanh", "input");
  return input.tanh();
}

/** @internal PyTorch's implicit softmax dim (deprecated there, with a warning) */
function softmaxDim(input: Tensor, dim: number | null | undefined, name: string): number {
  if (dim !== undefined && dim !== null) return dim;
  warnOnce(`Implicit dimension choice for ${name} has been deprecated. Change the call to include dim=X as an argument.`);
  const nd = input.dim();
  return nd === 0 || nd === 1 || nd === 3 ? 0 : 1;
}

/** @internal x - max(x, dim), the max taken without recording a gradient (softmax does not depend on it) */
function shifted(input: Tensor, dim: number, dtype: DType | undefined, name: string): Tensor {
  checkTensor(input, name, "input");
  let x = input;
  if (dtype !== undefined && dtype !== x.dtype) x = x.to(dtype);
  if (!isFloatingPoint(x.dtype)) throw new TypeError(`"${name}_lastdim_kernel_impl" not implemented for '${SCALAR_NAME[x.dtype]}'`);
  const m = noGrad(() => x.amax(dim, { keepdim: true }));
  const z = x.sub(m);
  m.dispose();
  return z;
}

/**
 * exp(x) / sum(exp(x)) along dim, computed stably (the max is subtracted first).
 * @example F.softmax(logits, 1)
 */
export function softmax(input: Tensor, dim?: number | null, options: { dtype?: DType } = {}): Tensor {
  const d = softmaxDim(input, dim, "softmax");
  // One node, as PyTorch's SoftmaxBackward0: dx = y * (g - sum(g * y)).
  return fused("SoftmaxBackward0", [input], () => {
    const e = shifted(input, d, options.dtype, "softmax").exp();
    return e.div_(e.sum(d, { keepdim: true }));
  }, ([g], [y]) => [y.mul(g.sub(g.mul(y).sum(d, { keepdim: true })))], (y) => [y]);
}

/**
 * log(softmax(x)) along dim, computed stably: (x - max) - log(sum(exp(x - max))).
 * @example F.logSoftmax(logits, 1)
 */
export function logSoftmax(input: Tensor, dim?: number | null, options: { dtype?: DType } = {}): Tensor {
  const d = softmaxDim(input, dim, "log_softmax");
  // One node, as PyTorch's LogSoftmaxBackward0: dx = g - exp(y) * sum(g).
  return fused("LogSoftmaxBackward0", [input], () => {
    const z = shifted(input, d, options.dtype, "log_softmax");
    return z.sub_(z.exp().sum(d, { keepdim: true }).log());
  }, ([g], [y]) => [g.sub(y.exp().mul(g.sum(d, { keepdim: true })))], (y) => [y]);
}

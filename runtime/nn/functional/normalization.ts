/**
 * Layer normalization.
 */
import { fmtShape } from "../../shape";
import { Tensor } from "../../tensor";
import "../../ops/reduce";
import "../../ops/binary";
import "../../ops/unary";
import { canInplace, checkTensor, untracked } from "./util";

/**
 * Normalizes over the last dims (normalizedShape) to zero mean and unit
 * (biased) variance, then applies weight and bias when given.
 * @example F.layerNorm(x, [4]); F.layerNorm(x, [4], ln.weight, ln.bias, 1e-5)
 */
export function layerNorm(input: Tensor, normalizedShape: number | readonly number[], weight?: Tensor | null, bias?: Tensor | null, eps = 1e-5): Tensor {
  checkTensor(input, "layer_norm", "input");
  const ns = typeof normalizedShape === "number" ? [normalizedShape] : normalizedShape.slice();
  const k = ns.length, nd = input.dim();
  if (k === 0 || nd < k || ns.some((s, i) => input.shape[nd - k + i] !== s))
    throw new Error(`Given normalized_shape=${fmtShape(ns)}, expected input with shape [*, ${ns.join(", ")}], but got input of size${fmtShape(input.shape)}`);
  for (const [t, what] of [[weight, "weight"], [bias, "bias"]] as const) {
    if (t !== undefined && t !== null && (t.dim() !== k || t.shape.some((s, i) => s !== ns[i])))
      throw new Error(`Expected ${what} to be of same shape as normalized_shape, but got ${what} of shape ${fmtShape(t.shape)} and normalized_shape = ${fmtShape(ns)}`);
  }
  const dims = ns.map((_, i) => nd - k + i);
  const mean = input.mean(dims, { keepdim: true });
  const xc = input.sub(mean);
  const variance = xc.mul(xc).mean(dims, { keepdim: true });
  const rstd = untracked(variance) ? variance.add_(eps).rsqrt_() : variance.add(eps).rsqrt();
  let y = untracked(xc) ? xc.mul_(rstd) : xc.mul(rstd);
  if (weight !== undefined && weight !== null) y = canInplace(y, weight) ? y.mul_(weight) : y.mul(weight);
  if (bias !== undefined && bias !== null) y = canInplace(y, bias) ? y.add_(bias) : y.add(bias);
  return y;
}

/**
 * Gradient formulas of selection by a condition (derivatives.yaml's where,
 * clamp, clamp_min, clamp_max, masked_fill). Gradients come back in the
 * broadcast shape; the engine sums them to each input's shape.
 */
import { Tensor } from "../tensor";
import type { Scalar, TensorLike } from "../ops/binary";
import { applyInplace, forbidOut, raw } from "./function";
import { record } from "./node";

/** @internal where(cond, a, b) when a or b requires grad */
export function whereGrad(cond: Tensor, a: TensorLike, b: TensorLike, compute: () => Tensor): Tensor {
  const r = raw(compute);
  const at = a instanceof Tensor ? a : null, bt = b instanceof Tensor ? b : null;
  record("WhereBackward0", [at, bt], r, ([g], [c], needs) => [
    needs[0] ? g.where(c, 0) : null,
    needs[1] ? g.where(c.logicalNot(), 0) : null,
  ], [cond]);
  return r;
}

/** Which clamp spelling made the node: its name depends on it. */
export type ClampKind = "clamp" | "min" | "max";

/**
 * @internal clamp / clamp_min / clamp_max when x or a tensor bound requires
 * grad. Scalar bounds: the gradient passes where min <= x <= max; tensor
 * bounds get the gradient where they were selected (min only while min < max).
 */
export function clampGrad(
  kind: ClampKind, x: Tensor, min: TensorLike | null | undefined, max: TensorLike | null | undefined,
  out: Tensor | undefined, inplace: boolean, compute: () => Tensor,
): Tensor {
  if (out !== undefined && !inplace) forbidOut(kind === "clamp" ? "clamp" : `clamp_${kind}`);
  if (inplace) return applyInplace(x, () => clampGrad(kind, x, min, max, undefined, false, compute));
  const r = raw(compute);
  const hasMin = min !== undefined && min !== null, hasMax = max !== undefined && max !== null;
  const minT = min instanceof Tensor ? min : null, maxT = max instanceof Tensor ? max : null;
  const tensorBounds = minT !== null || maxT !== null;
  const suffix = tensorBounds ? (kind === "clamp" ? "0" : "1") : kind === "clamp" ? "1" : "0";
  const name = (kind === "clamp" ? "ClampBackward" : kind === "min" ? "ClampMinBackward" : "ClampMaxBackward") + suffix;
  const saved: Tensor[] = [x];
  if (minT !== null) saved.push(minT);
  if (maxT !== null) saved.push(maxT);
  const minScalar = minT === null ? (min as Scalar) : 0, maxScalar = maxT === null ? (max as Scalar) : 0;
  record(name, [x, minT, maxT], r, ([g], s, needs) => {
    const xv = s[0];
    const lo: TensorLike = minT !== null ? s[1] : minScalar;
    const hi: TensorLike = maxT !== null ? s[minT !== null ? 2 : 1] : maxScalar;
    let gx: Tensor | null = null, gmin: Tensor | null = null, gmax: Tensor | null = null;
    if (needs[0]) {
      let keep: Tensor | null = hasMin ? xv.ge(lo) : null;
      if (hasMax) keep = keep === null ? xv.le(hi) : keep.logicalAnd(xv.le(hi));
      gx = g.where(keep!, 0);
    }
    if (needs[1] && minT !== null) {
      const sel = xv.lt(lo);
      gmin = g.where(hasMax ? sel.logicalAnd((lo as Tensor).lt(hi)) : sel, 0);
    }
    if (needs[2] && maxT !== null) {
      const sel = xv.gt(hi);
      gmax = g.where(hasMin ? sel.logicalOr((hi as Tensor).lt(lo)) : sel, 0);
    }
    return [gx, gmin, gmax];
  }, saved);
  return r;
}

/**
 * @internal maskedFill when the input or a 0-dim value tensor requires grad;
 * `inplace` writes into input (maskedFill_).
 */
export function maskedFillGrad(input: Tensor, mask: Tensor, value: TensorLike, inplace: boolean, compute: () => Tensor): Tensor {
  if (inplace) return applyInplace(input, () => maskedFillGrad(input, mask, value, false, compute));
  const r = raw(compute);
  const vt = value instanceof Tensor ? value : null;
  record(vt !== null ? "MaskedFillBackward1" : "MaskedFillBackward0", [input, vt], r, ([g], [m], needs) => [
    needs[0] ? g.maskedFill(m, 0) : null,
    needs[1] ? g.where(m, 0).sum() : null,
  ], [mask]);
  return r;
}

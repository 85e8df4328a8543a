/**
 * Gradient formulas of the view ops, and the two scatter-into-zeros
 * primitives (slice and select backward) they need. Those are recorded
 * themselves, so gradients of gradients work.
 */
import { Tensor } from "../tensor";
import { raw, zerosOf } from "./function";
import { isGradEnabled } from "./grad_mode";
import { record } from "./node";

/** @internal records a view op; fn maps the view's gradient to the input's */
export function viewGrad(x: Tensor, r: Tensor, name: string, fn: (g: Tensor) => Tensor): Tensor {
  record(name, [x], r, ([g]) => [fn(g)]);
  return r;
}

/** @internal true when a view of x must record */
export function viewNeedsGrad(x: Tensor): boolean {
  return x._requiresGrad && isGradEnabled();
}

/** @internal zeros of `shape` with g written at x.slice(dim, start, end, step) */
export function sliceBackward(g: Tensor, shape: readonly number[], dim: number, start: number, end: number, step: number): Tensor {
  const out = zerosOf(shape, g);
  raw(() => out.slice(dim, start, end, step).copy_(g));
  record("SliceBackwardBackward0", [g], out, ([gg]) => [gg.slice(dim, start, end, step)]);
  return out;
}

/** @internal zeros of `shape` with g written at x.select(dim, index) */
export function selectBackward(g: Tensor, shape: readonly number[], dim: number, index: number): Tensor {
  const out = zerosOf(shape, g);
  raw(() => out.select(dim, index).copy_(g));
  record("SelectBackwardBackward0", [g], out, ([gg]) => [gg.select(dim, index)]);
  return out;
}

/**
 * Writes operand layouts into the shared meta array for elementwise entry
 * points: [ndim, shape..., then per operand offset, strides...]. Operands that
 * are all contiguous with the output's shape collapse to one dimension, so the
 * common case costs a handful of stores.
 * @internal
 */
import { meta } from "./addon";
import { broadcastStrides, shapeEquals } from "./shape";
import type { Tensor } from "./tensor";

/** An operand slot: a tensor (broadcast to the shape) or null for a JS scalar. */
export type IterOperand = Tensor | null;

export function writeIter(shape: readonly number[], operands: readonly IterOperand[]): void {
  let flat = true;
  for (const t of operands) {
    if (t !== null && !(t.isContiguous() && shapeEquals(t._shape, shape))) {
      flat = false;
      break;
    }
  }
  let k = 0;
  if (flat) {
    let n = 1;
    for (let i = 0; i < shape.length; i++) n *= shape[i];
    meta[k++] = 1;
    meta[k++] = n;
    for (const t of operands) {
      meta[k++] = t === null ? 0 : t._elemOffset;
      meta[k++] = 1;
    }
    return;
  }
  meta[k++] = shape.length;
  for (let i = 0; i < shape.length; i++) meta[k++] = shape[i];
  for (const t of operands) {
    if (t === null) {
      meta[k++] = 0;
      for (let i = 0; i < shape.length; i++) meta[k++] = 0;
      continue;
    }
    meta[k++] = t._elemOffset;
    const st = shapeEquals(t._shape, shape) ? t._strides : broadcastStrides(t._shape, t._strides, shape);
    for (let i = 0; i < shape.length; i++) meta[k++] = st[i];
  }
}

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

/**
 * For ops along one dim (scan, sort, gather, scatter): writes
 * [ndim, shape..., dim] with a 0-dim shape read as [1]; returns the next slot.
 */
export function writeDimHeader(shape: readonly number[], dim: number): number {
  const nd = Math.max(shape.length, 1);
  let k = 0;
  meta[k++] = nd;
  for (let i = 0; i < nd; i++) meta[k++] = shape.length === 0 ? 1 : shape[i];
  meta[k++] = dim;
  return k;
}

/** Writes one operand as [offset, strides...] over nd dims (a 0-dim tensor has stride 0). */
export function writeLayout(k: number, t: Tensor, nd: number): number {
  meta[k++] = t._elemOffset;
  for (let i = 0; i < nd; i++) meta[k++] = t._shape.length === 0 ? 0 : t._strides[i];
  return k;
}

/**
 * Joining tensors: cat and stack (copies into slices of one output).
 */
import { meta } from "../addon";
import { DTYPE_CODES, resultTypeOf } from "../dtype";
import { backendFor, commonDevice } from "../dispatch";
import { fmtShape, wrapDim } from "../shape";
import { Tensor } from "../tensor";
import { toDtype } from "./copy";
import { unsqueeze } from "./views";

function checkList(tensors: readonly Tensor[], what: string): void {
  if (!Array.isArray(tensors)) throw new TypeError(`${what}(): argument 'tensors' must be an array of Tensors`);
  if (tensors.length === 0) throw new Error(`${what}(): expected a non-empty list of Tensors`);
  tensors.forEach((t, i) => {
    if (!(t instanceof Tensor)) throw new TypeError(`${what}(): expected Tensor as element ${i} in argument 0, but got ${typeof t}`);
  });
}

/**
 * Concatenates along an existing dim; all other sizes must match. 1-D empty
 * tensors are skipped, as in PyTorch.
 * @example torch.cat([x, y], 0)
 */
export function cat(tensors: readonly Tensor[], dim = 0, options: { out?: Tensor } = {}): Tensor {
  checkList(tensors, "cat");
  const dev = commonDevice(tensors);
  const parts = tensors.filter((t) => !(t.dim() === 1 && t._shape[0] === 0));
  const dtype = resultTypeOf(tensors);
  if (parts.length === 0) return Tensor._empty([0], dtype, dev);
  const ref = parts[0];
  if (ref.dim() === 0) throw new Error("zero-dimensional tensor (at position 0) cannot be concatenated");
  const d = wrapDim(dim, ref.dim());
  let total = 0;
  parts.forEach((t, i) => {
    if (t.dim() !== ref.dim())
      throw new Error(`Tensors must have same number of dimensions: got ${ref.dim()} and ${t.dim()}`);
    for (let k = 0; k < ref.dim(); k++) {
      if (k !== d && t._shape[k] !== ref._shape[k])
        throw new Error(`Sizes of tensors must match except in dimension ${d}. Expected size ${ref._shape[k]} but got size ${t._shape[k]} for tensor number ${i} in the list.`);
    }
    total += t._shape[d];
  });
  const shape = ref._shape.slice();
  shape[d] = total;
  let out = options.out;
  if (out !== undefined) {
    if (out._shape.length !== shape.length || out._shape.some((s, i) => s !== shape[i]))
      throw new Error(`cat(): out has shape ${fmtShape(out._shape)} but the result has shape ${fmtShape(shape)}`);
  } else {
    out = Tensor._empty(shape, dtype, dev);
  }
  // Each part is copied into its slice of out, described directly in meta
  // rather than through a view tensor (cat is often called on small tensors).
  const be = backendFor(dev);
  const outBuf = out._live();
  const nd = shape.length;
  let at = 0;
  for (const t of parts) {
    const n = t._shape[d];
    if (n > 0) {
      const src = t.dtype === dtype ? t : toDtype(t, dtype);
      const sbuf = src._live();
      let k = 0;
      meta[k++] = nd;
      for (let i = 0; i < nd; i++) meta[k++] = src._shape[i];
      meta[k++] = out._elemOffset + at * out._strides[d];
      for (let i = 0; i < nd; i++) meta[k++] = out._strides[i];
      meta[k++] = src._elemOffset;
      for (let i = 0; i < nd; i++) meta[k++] = src._strides[i];
      be.copy(DTYPE_CODES[dtype], DTYPE_CODES[dtype], outBuf, sbuf);
      if (src !== t) src.dispose();
    }
    at += n;
  }
  return out;
}

/** Same as cat (`torch.concat`). @example torch.concat([x, y], 1) */
export const concat = cat;

/**
 * Joins tensors of equal shape along a new dim.
 * @example torch.stack([x, y], 0)
 */
export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  checkList(tensors, "stack");
  const ref = tensors[0];
  tensors.forEach((t, i) => {
    if (t._shape.length !== ref._shape.length || t._shape.some((s, k) => s !== ref._shape[k]))
      throw new Error(`stack expects each tensor to be equal size, but got ${fmtShape(ref._shape)} at entry 0 and ${fmtShape(t._shape)} at entry ${i}`);
  });
  const d = wrapDim(dim, ref.dim() + 1);
  const views = tensors.map((t) => unsqueeze(t, d));
  const r = cat(views, d);
  for (const v of views) v.dispose();
  return r;
}

/** Stacks along dim 0 after making inputs at least 2-D. @example torch.vstack([a, b]) */
export function vstack(tensors: readonly Tensor[]): Tensor {
  checkList(tensors, "vstack");
  return cat(tensors.map((t) => (t.dim() < 2 ? t.reshape(1, -1) : t)), 0);
}

/** Stacks along dim 1 (dim 0 for 1-D inputs). @example torch.hstack([a, b]) */
export function hstack(tensors: readonly Tensor[]): Tensor {
  checkList(tensors, "hstack");
  return cat(tensors, tensors[0].dim() <= 1 ? 0 : 1);
}

/**
 * Joining tensors: cat and stack (copies into slices of one output).
 */
import { meta } from "../addon";
import { DTYPE_CODES, resultTypeOf } from "../dtype";
import { backendFor, commonDevice } from "../dispatch";
import { fmtShape, wrapDim } from "../shape";
import { Tensor } from "../tensor";
import type { StorageData } from "../storage";
import { toDtype } from "./copy";
import { unsqueeze } from "./views";
import { anyNeedsGrad } from "../autograd/node";
import { catGrad, stackGrad } from "../autograd/cat";

function checkList(tensors: readonly Tensor[], what: string): void {
  if (!Array.isArray(tensors)) throw new TypeError(`${what}(): argument 'tensors' must be an array of Tensors`);
  if (tensors.length === 0) throw new Error(`${what}(): expected a non-empty list of Tensors`);
  for (let i = 0; i < tensors.length; i++) {
    if (!(tensors[i] instanceof Tensor)) throw new TypeError(`${what}(): expected Tensor as element ${i} in argument 0, but got ${typeof tensors[i]}`);
  }
}

/**
 * Concatenates along an existing dim; all other sizes must match. 1-D empty
 * tensors are skipped, as in PyTorch.
 * @example torch.cat([x, y], 0)
 */
export function cat(tensors: readonly Tensor[], dim = 0, options: { out?: Tensor } = {}): Tensor {
  checkList(tensors, "cat");
  if (anyNeedsGrad(tensors)) return catGrad(tensors, dim, options.out, () => cat(tensors, dim));
  const dev = tensors.length === 1 ? tensors[0].device : commonDevice(tensors);
  // 1-D empty tensors are skipped, as in PyTorch (legacy behaviour).
  let parts: readonly Tensor[] = tensors;
  for (let i = 0; i < tensors.length; i++) {
    const t = tensors[i];
    if (t._shape.length === 1 && t._shape[0] === 0) { parts = tensors.filter((u) => !(u._shape.length === 1 && u._shape[0] === 0)); break; }
  }
  let dtype = tensors[0].dtype;
  for (let i = 1; i < tensors.length; i++) if (tensors[i].dtype !== dtype) { dtype = resultTypeOf(tensors); break; }
  if (parts.length === 0) return Tensor._empty([0], dtype, dev);
  const ref = parts[0];
  const nd = ref._shape.length;
  if (nd === 0) throw new Error("zero-dimensional tensor (at position 0) cannot be concatenated");
  const d = wrapDim(dim, nd);
  let total = 0;
  for (let i = 0; i < parts.length; i++) {
    const t = parts[i];
    if (t._shape.length !== nd) throw new Error(`Tensors must have same number of dimensions: got ${nd} and ${t._shape.length}`);
    for (let k = 0; k < nd; k++) {
      if (k !== d && t._shape[k] !== ref._shape[k])
        throw new Error(`Sizes of tensors must match except in dimension ${d}. Expected size ${ref._shape[k]} but got size ${t._shape[k]} for tensor number ${i} in the list.`);
    }
    total += t._shape[d];
  }
  const shape = ref._shape.slice();
  shape[d] = total;
  let out = options.out;
  if (out !== undefined) {
    if (out._shape.length !== nd || out._shape.some((s, i) => s !== shape[i]))
      throw new Error(`cat(): out has shape ${fmtShape(out._shape)} but the result has shape ${fmtShape(shape)}`);
    if (out.dtype !== dtype) throw new TypeError(`cat(): expected out to have dtype ${dtype}, got ${out.dtype}`);
  } else {
    out = Tensor._empty(shape, dtype, dev);
  }
  // One native call copies every part into its slice of out (in batches when
  // the layouts would not fit the meta array).
  const perPart = 2 + nd, batch = Math.floor((meta.length - 3 - 2 * nd - 1) / perPart);
  if (parts.length > batch) {
    for (let s = 0, at = 0; s < parts.length; s += batch) {
      const chunk = parts.slice(s, s + batch);
      const n = chunk.reduce((acc, t) => acc + t._shape[d], 0);
      const slot = out._view(shape.map((v, i) => (i === d ? n : v)), out._strides.slice(), out._offset + at * out._strides[d]);
      cat(chunk, d, { out: slot });
      slot.dispose();
      at += n;
    }
    return out;
  }
  let srcs = parts;
  for (let i = 0; i < parts.length; i++) if (parts[i].dtype !== dtype) { srcs = parts.map((t) => toDtype(t, dtype)); break; }
  const bufs: StorageData[] = new Array(srcs.length);
  let k = 0;
  meta[k++] = nd;
  meta[k++] = d;
  meta[k++] = srcs.length;
  for (let i = 0; i < nd; i++) meta[k++] = shape[i];
  meta[k++] = out._elemOffset;
  for (let i = 0; i < nd; i++) meta[k++] = out._strides[i];
  for (let p = 0; p < srcs.length; p++) {
    const t = srcs[p];
    bufs[p] = t._live();
    meta[k++] = t._shape[d];
    meta[k++] = t._elemOffset;
    for (let i = 0; i < nd; i++) meta[k++] = t._strides[i];
  }
  backendFor(dev).cat(DTYPE_CODES[dtype], out._live(), bufs);
  if (srcs !== parts) for (const t of srcs) if (!parts.includes(t)) t.dispose();
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
  if (anyNeedsGrad(tensors)) return stackGrad(tensors, d, () => stack(tensors, d));
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

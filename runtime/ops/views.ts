/**
 * Views: new shape/strides/offset over the same storage, no data moved.
 * view, reshape, unsqueeze, squeeze, flatten, transpose, t, permute, expand,
 * narrow, select, slice, unbind, chunk, split, movedim.
 */
import { checkSize, contiguousStrides, fmtShape, numelOf, wrapDim } from "../shape";
import { Tensor } from "../tensor";
import { sliceBackward, selectBackward, viewGrad, viewNeedsGrad } from "../autograd/views";
import { renameNode } from "../autograd/node";
import { sumToShape } from "../autograd/engine";

/** Fills in a -1 and checks the element count. */
function inferShape(shape: number[], numel: number): number[] {
  let neg = -1, known = 1;
  for (let i = 0; i < shape.length; i++) {
    const s = shape[i];
    if (s === -1) {
      if (neg >= 0) throw new Error("only one dimension can be inferred");
      neg = i;
    } else if (!Number.isInteger(s) || s < 0) {
      throw new Error(`invalid shape dimension ${s}`);
    } else known *= s;
  }
  const out = shape.slice();
  if (neg >= 0) {
    if (known === 0 || numel % known !== 0) throw new Error(`shape '${fmtShape(shape)}' is invalid for input of size ${numel}`);
    out[neg] = numel / known;
  } else if (known !== numel) {
    throw new Error(`shape '${fmtShape(shape)}' is invalid for input of size ${numel}`);
  }
  return out;
}

// ATen's computeStride: strides for viewing (oldShape, oldStrides) as newShape
// without a copy, or null when the memory layout does not allow it.
function viewStrides(oldShape: readonly number[], oldStrides: readonly number[], newShape: number[]): number[] | null {
  if (oldShape.length === 0) return newShape.map(() => 1);
  const numel = numelOf(oldShape);
  if (numel === 0) return contiguousStrides(newShape);
  const out = new Array<number>(newShape.length);
  let viewD = newShape.length - 1;
  let chunkBase = oldStrides[oldStrides.length - 1];
  let tensorNumel = 1, viewNumel = 1;
  for (let d = oldShape.length - 1; d >= 0; d--) {
    tensorNumel *= oldShape[d];
    if (d === 0 || (oldShape[d - 1] !== 1 && oldStrides[d - 1] !== tensorNumel * chunkBase)) {
      while (viewD >= 0 && (viewNumel < tensorNumel || newShape[viewD] === 1)) {
        out[viewD] = viewNumel * chunkBase;
        viewNumel *= newShape[viewD];
        viewD--;
      }
      if (viewNumel !== tensorNumel) return null;
      if (d > 0) {
        chunkBase = oldStrides[d - 1];
        tensorNumel = 1;
        viewNumel = 1;
      }
    }
  }
  if (viewD !== -1) return null;
  return out;
}

function reshapeTo(x: Tensor): (g: Tensor) => Tensor {
  const s = x._shape.slice();
  return (g) => g.reshape(s);
}

/** @internal */
export function view(x: Tensor, shape: number[]): Tensor {
  const s = inferShape(shape, x.numel());
  checkSize(s);
  const st = viewStrides(x._shape, x._strides, s);
  if (st === null)
    throw new Error("view size is not compatible with input tensor's size and stride (at least one dimension spans across two contiguous subspaces). Use .reshape(...) instead.");
  const r = x._view(s, st, x._offset);
  return viewNeedsGrad(x) ? viewGrad(x, r, "ViewBackward0", reshapeTo(x)) : r;
}

/** @internal */
export function reshape(x: Tensor, shape: number[]): Tensor {
  const s = inferShape(shape, x.numel());
  const st = viewStrides(x._shape, x._strides, s);
  if (st !== null) {
    const v = x._view(s, st, x._offset);
    return viewNeedsGrad(x) ? viewGrad(x, v, "ReshapeAliasBackward0", reshapeTo(x)) : v;
  }
  const c = x.clone();
  const r = c._view(s, contiguousStrides(s), 0);
  if (viewNeedsGrad(c)) viewGrad(c, r, "UnsafeViewBackward0", reshapeTo(c));
  c.dispose();  // the view keeps the storage alive
  return r;
}

/** @internal */
export function transpose(x: Tensor, d0: number, d1: number): Tensor {
  const n = x.dim();
  const a = wrapDim(d0, n), b = wrapDim(d1, n);
  if (n === 0) {
    const r = x._view([], [], x._offset);
    return viewNeedsGrad(x) ? viewGrad(x, r, "TransposeBackward0", (g) => g) : r;
  }
  const shape = x._shape.slice(), strides = x._strides.slice();
  [shape[a], shape[b]] = [shape[b], shape[a]];
  [strides[a], strides[b]] = [strides[b], strides[a]];
  const r = x._view(shape, strides, x._offset);
  return viewNeedsGrad(x) ? viewGrad(x, r, "TransposeBackward0", (g) => g.transpose(a, b)) : r;
}

/** @internal */
export function permute(x: Tensor, dims: number[]): Tensor {
  const n = x.dim();
  if (dims.length !== n)
    throw new Error(`permute(sparse_coo): number of dimensions in the tensor input does not match the length of the desired ordering of dimensions i.e. input.dim() = ${n} is not equal to len(dims) = ${dims.length}`);
  const seen = new Set<number>();
  const w = dims.map((d) => {
    const k = wrapDim(d, n);
    if (seen.has(k)) throw new Error("permute(): duplicate dims are not allowed.");
    seen.add(k);
    return k;
  });
  const r = x._view(w.map((d) => x._shape[d]), w.map((d) => x._strides[d]), x._offset);
  if (!viewNeedsGrad(x)) return r;
  const inv = new Array<number>(n);
  w.forEach((d, i) => { inv[d] = i; });
  return viewGrad(x, r, "PermuteBackward0", (g) => g.permute(inv));
}

/** @internal */
export function expand(x: Tensor, sizes: number[]): Tensor {
  const n = sizes.length, off = n - x.dim();
  if (off < 0)
    throw new Error(`expand(torch.FloatTensor{${fmtShape(x._shape)}}, size=${fmtShape(sizes)}): the number of sizes provided (${n}) must be greater or equal to the number of dimensions in the tensor (${x.dim()})`);
  const shape = new Array<number>(n), strides = new Array<number>(n);
  for (let i = n - 1; i >= 0; i--) {
    const j = i - off;
    const want = sizes[i];
    if (j < 0) {
      if (want < 0) throw new Error(`The expanded size of the tensor (${want}) isn't allowed in a leading, non-existing dimension ${i}`);
      shape[i] = want;
      strides[i] = 0;
      continue;
    }
    const have = x._shape[j];
    if (want === -1 || want === have) {
      shape[i] = have;
      strides[i] = x._strides[j];
    } else if (have === 1) {
      if (want < 0) throw new Error(`invalid expanded size ${want}`);
      shape[i] = want;
      strides[i] = 0;
    } else {
      throw new Error(`The expanded size of the tensor (${want}) must match the existing size (${have}) at non-singleton dimension ${i}.  Target sizes: ${fmtShape(sizes)}.  Tensor sizes: ${fmtShape(x._shape)}`);
    }
  }
  const r = x._view(shape, strides, x._offset);
  if (!viewNeedsGrad(x)) return r;
  const xs = x._shape.slice();
  return viewGrad(x, r, "ExpandBackward0", (g) => sumToShape(g, xs));
}

/** @internal */
export function narrow(x: Tensor, dim: number, start: number, length: number): Tensor {
  if (x.dim() === 0) throw new Error("narrow() cannot be applied to a 0-dim tensor.");
  const d = wrapDim(dim, x.dim());
  const size = x._shape[d];
  if (!Number.isInteger(start) || !Number.isInteger(length)) throw new TypeError("narrow(): start and length must be integers");
  if (start < -size || start > size) throw new RangeError(`start out of range (expected to be in range of [${-size}, ${size}], but got ${start})`);
  if (start < 0) start += size;
  if (length < 0 || start + length > size) throw new RangeError(`start (${start}) + length (${length}) exceeds dimension size (${size}).`);
  const shape = x._shape.slice();
  shape[d] = length;
  const r = x._view(shape, x._strides.slice(), x._offset + start * x._strides[d]);
  if (!viewNeedsGrad(x)) return r;
  const xs = x._shape.slice(), s0 = start;
  return viewGrad(x, r, "SliceBackward0", (g) => sliceBackward(g, xs, d, s0, s0 + length, 1));
}

/** @internal */
export function select(x: Tensor, dim: number, index: number): Tensor {
  if (x.dim() === 0) throw new Error("select() cannot be applied to a 0-dim tensor.");
  const d = wrapDim(dim, x.dim());
  const size = x._shape[d];
  if (!Number.isInteger(index)) throw new TypeError(`select(): index must be an integer, got ${index}`);
  if (index < -size || index >= size) throw new RangeError(`select(): index ${index} out of range for tensor of size ${fmtShape(x._shape)} at dimension ${d}`);
  if (index < 0) index += size;
  const shape = x._shape.slice(), strides = x._strides.slice();
  shape.splice(d, 1);
  strides.splice(d, 1);
  const r = x._view(shape, strides, x._offset + index * x._strides[d]);
  if (!viewNeedsGrad(x)) return r;
  const xs = x._shape.slice(), i0 = index;
  return viewGrad(x, r, "SelectBackward0", (g) => selectBackward(g, xs, d, i0));
}

/** @internal Python slice semantics along one dim (step > 0). */
export function slice(x: Tensor, dim: number, start: number | null, end: number | null, step = 1): Tensor {
  const d = wrapDim(dim, x.dim());
  if (!Number.isInteger(step) || step <= 0) throw new Error("slice step must be positive");
  const size = x._shape[d];
  const clampIdx = (v: number | null, dflt: number): number => {
    if (v === null) return dflt;
    if (v < 0) v += size;
    return Math.min(Math.max(v, 0), size);
  };
  const s = clampIdx(start, 0);
  const e = Math.max(clampIdx(end, size), s);
  const len = Math.ceil((e - s) / step);
  const shape = x._shape.slice(), strides = x._strides.slice();
  shape[d] = len;
  strides[d] = x._strides[d] * step;
  const r = x._view(shape, strides, x._offset + (len > 0 ? s * x._strides[d] : 0));
  if (!viewNeedsGrad(x)) return r;
  const xs = x._shape.slice();
  return viewGrad(x, r, "SliceBackward0", (g) => sliceBackward(g, xs, d, s, e, step));
}

/** @internal */
export function unsqueeze(x: Tensor, dim: number): Tensor {
  const d = wrapDim(dim, x.dim() + 1);
  const shape = x._shape.slice(), strides = x._strides.slice();
  const st = d < x.dim() ? x._shape[d] * x._strides[d] : 1;
  shape.splice(d, 0, 1);
  strides.splice(d, 0, st);
  const r = x._view(shape, strides, x._offset);
  return viewNeedsGrad(x) ? viewGrad(x, r, "UnsqueezeBackward0", (g) => g.squeeze(d)) : r;
}

/** @internal */
export function squeeze(x: Tensor, dim?: number | number[]): Tensor {
  const dims = dim === undefined ? null : new Set((Array.isArray(dim) ? dim : [dim]).map((d) => wrapDim(d, x.dim())));
  const shape: number[] = [], strides: number[] = [];
  for (let i = 0; i < x.dim(); i++) {
    if (x._shape[i] === 1 && (dims === null || dims.has(i))) continue;
    shape.push(x._shape[i]);
    strides.push(x._strides[i]);
  }
  const r = x._view(shape, strides, x._offset);
  return viewNeedsGrad(x) ? viewGrad(x, r, dim === undefined ? "SqueezeBackward0" : "SqueezeBackward1", reshapeTo(x)) : r;
}

/** @internal */
export function flatten(x: Tensor, startDim = 0, endDim = -1): Tensor {
  if (x.dim() === 0) return reshape(x, [1]);
  const s = wrapDim(startDim, x.dim()), e = wrapDim(endDim, x.dim());
  if (s > e) throw new Error("flatten() has invalid args: start_dim cannot come after end_dim");
  const shape = [...x._shape.slice(0, s), numelOf(x._shape.slice(s, e + 1)), ...x._shape.slice(e + 1)];
  return reshape(x, shape);
}

/** @internal (one node per piece where PyTorch has one multi-output node: same gradients, PyTorch's name) */
export function split(x: Tensor, sizeOrSections: number | number[], dim = 0): Tensor[] {
  const d = wrapDim(dim, x.dim());
  const size = x._shape[d];
  const parts: Tensor[] = [];
  if (typeof sizeOrSections === "number") {
    if (!Number.isInteger(sizeOrSections) || sizeOrSections <= 0) {
      if (sizeOrSections === 0 && size === 0) return [x._view(x._shape.slice(), x._strides.slice(), x._offset)];
      throw new Error(`split_size can only be 0 if dimension size is 0, but got dimension size of ${size}`);
    }
    for (let s = 0; s < size || (s === 0 && size === 0); s += sizeOrSections) {
      parts.push(renameNode(narrow(x, d, s, Math.min(sizeOrSections, size - s)), "SplitBackward0"));
      if (size === 0) break;
    }
    return parts;
  }
  const total = sizeOrSections.reduce((a, b) => a + b, 0);
  if (total !== size)
    throw new Error(`split_with_sizes expects split_sizes to sum exactly to ${size} (input tensor's size at dimension ${d}), but got split_sizes=${fmtShape(sizeOrSections)}`);
  let s = 0;
  for (const len of sizeOrSections) {
    if (len < 0) throw new Error(`split_with_sizes expects split_sizes have only non-negative entries, but got split_sizes=${fmtShape(sizeOrSections)}`);
    parts.push(renameNode(narrow(x, d, s, len), "SplitWithSizesBackward0"));
    s += len;
  }
  return parts;
}

/** @internal */
export function chunk(x: Tensor, chunks: number, dim = 0): Tensor[] {
  if (!Number.isInteger(chunks) || chunks <= 0) throw new Error(`chunk expects \`chunks\` to be greater than 0, got: ${chunks}`);
  const d = wrapDim(dim, x.dim());
  const each = Math.ceil(x._shape[d] / chunks);
  if (each === 0) return [x._view(x._shape.slice(), x._strides.slice(), x._offset)];
  return split(x, each, d);
}

/** @internal */
export function unbind(x: Tensor, dim = 0): Tensor[] {
  const d = wrapDim(dim, x.dim());
  const out: Tensor[] = [];
  for (let i = 0; i < x._shape[d]; i++) out.push(renameNode(select(x, d, i), "UnbindBackward0"));
  return out;
}

/** @internal */
export function movedim(x: Tensor, source: number, destination: number): Tensor {
  const n = x.dim();
  const s = wrapDim(source, n), t = wrapDim(destination, n);
  const order = [...Array(n).keys()].filter((i) => i !== s);
  order.splice(t, 0, s);
  return permute(x, order);
}

declare module "../tensor" {
  interface Tensor {
    /** Same data with a new shape (one dim may be -1); never copies. @example x.view(2, -1) */
    view(...shape: number[] | [readonly number[]]): Tensor;
    /** Like view but copies when the layout requires it. @example x.reshape([-1]) */
    reshape(...shape: number[] | [readonly number[]]): Tensor;
    /** View with this tensor's shape. @example x.viewAs(y) */
    viewAs(other: Tensor): Tensor;
    /** Reshape to other's shape. @example x.reshapeAs(y) */
    reshapeAs(other: Tensor): Tensor;
    /** Inserts a size-1 dimension. @example x.unsqueeze(0) */
    unsqueeze(dim: number): Tensor;
    /** Removes size-1 dimensions (all, or the given ones). @example x.squeeze(1) */
    squeeze(dim?: number | number[]): Tensor;
    /** Merges dims startDim..endDim. @example x.flatten(1) */
    flatten(startDim?: number, endDim?: number): Tensor;
    /** Swaps two dims. @example x.transpose(0, 1) */
    transpose(dim0: number, dim1: number): Tensor;
    /** Same as transpose. @example x.swapaxes(0, 1) */
    swapaxes(dim0: number, dim1: number): Tensor;
    /** Transpose of a matrix (<= 2 dims). @example x.t() */
    t(): Tensor;
    /** Reverses all dims (PyTorch's `.T`). */
    readonly T: Tensor;
    /** The last two dims swapped (`.mT`). */
    readonly mT: Tensor;
    /** Reorders dims. @example x.permute(2, 0, 1) */
    permute(...dims: number[] | [readonly number[]]): Tensor;
    /** Moves one dim to a new position. @example x.movedim(0, -1) */
    movedim(source: number, destination: number): Tensor;
    /** Broadcast view to a larger size (-1 keeps a dim). @example x.expand(3, -1) */
    expand(...sizes: number[] | [readonly number[]]): Tensor;
    /** Expand to other's shape. @example x.expandAs(y) */
    expandAs(other: Tensor): Tensor;
    /** View of `length` entries from `start` along dim. @example x.narrow(0, 1, 2) */
    narrow(dim: number, start: number, length: number): Tensor;
    /** View at one index along dim (that dim removed). @example x.select(1, 0) */
    select(dim: number, index: number): Tensor;
    /** Python slicing `start:end:step` along dim. @example x.slice(0, 1, null, 2) */
    slice(dim: number, start?: number | null, end?: number | null, step?: number): Tensor;
    /** Pieces of size `splitSize` (or the given sizes) along dim. @example x.split(2); x.split([1, 3], 1) */
    split(splitSizeOrSections: number | number[], dim?: number): Tensor[];
    /** `chunks` nearly equal pieces along dim. @example x.chunk(3) */
    chunk(chunks: number, dim?: number): Tensor[];
    /** Views at every index along dim. @example x.unbind(0) */
    unbind(dim?: number): Tensor[];
  }
}

function dimsArg(args: number[] | [readonly number[]]): number[] {
  return args.length === 1 && Array.isArray(args[0]) ? (args[0] as number[]).slice() : (args as number[]);
}

const P = Tensor.prototype;
P.view = function (this: Tensor, ...s: number[] | [readonly number[]]) { return view(this, dimsArg(s)); };
P.reshape = function (this: Tensor, ...s: number[] | [readonly number[]]) { return reshape(this, dimsArg(s)); };
P.viewAs = function (this: Tensor, o: Tensor) { return view(this, o._shape.slice()); };
P.reshapeAs = function (this: Tensor, o: Tensor) { return reshape(this, o._shape.slice()); };
P.unsqueeze = function (this: Tensor, d: number) { return unsqueeze(this, d); };
P.squeeze = function (this: Tensor, d?: number | number[]) { return squeeze(this, d); };
P.flatten = function (this: Tensor, s?: number, e?: number) { return flatten(this, s, e); };
P.transpose = function (this: Tensor, a: number, b: number) { return transpose(this, a, b); };
P.swapaxes = P.transpose;
P.t = function (this: Tensor) {
  if (this.dim() > 2) throw new Error(`t() expects a tensor with <= 2 dimensions, but self is ${this.dim()}D`);
  if (this.dim() >= 2) {
    return renameNode(transpose(this, 0, 1), "TBackward0");
  }
  const r = this._view(this._shape.slice(), this._strides.slice(), this._offset);
  return viewNeedsGrad(this) ? viewGrad(this, r, "TBackward0", (g) => g) : r;
};
Object.defineProperty(P, "T", { get(this: Tensor) { return permute(this, [...Array(this.dim()).keys()].reverse()); } });
Object.defineProperty(P, "mT", {
  get(this: Tensor) {
    if (this.dim() < 2) throw new Error("tensor.mT is only supported on matrices or batches of matrices. Got 1-D tensor.");
    return transpose(this, -2, -1);
  },
});
P.permute = function (this: Tensor, ...d: number[] | [readonly number[]]) { return permute(this, dimsArg(d)); };
P.movedim = function (this: Tensor, s: number, d: number) { return movedim(this, s, d); };
P.expand = function (this: Tensor, ...s: number[] | [readonly number[]]) { return expand(this, dimsArg(s)); };
P.expandAs = function (this: Tensor, o: Tensor) { return expand(this, o._shape.slice()); };
P.narrow = function (this: Tensor, d: number, s: number, l: number) { return narrow(this, d, s, l); };
P.select = function (this: Tensor, d: number, i: number) { return select(this, d, i); };
P.slice = function (this: Tensor, d: number, s: number | null = null, e: number | null = null, st = 1) { return slice(this, d, s, e, st); };
P.split = function (this: Tensor, s: number | number[], d?: number) { return split(this, s, d); };
P.chunk = function (this: Tensor, c: number, d?: number) { return chunk(this, c, d); };
P.unbind = function (this: Tensor, d?: number) { return unbind(this, d); };


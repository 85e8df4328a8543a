/**
 * Sorting along a dim: sort, argsort, topk, msort.
 */
import { DTYPE_CODES, isReducedFloat } from "../dtype";
import { toDtype } from "./copy";
import { backendFor } from "../dispatch";
import { writeDimHeader, writeLayout } from "../iter";
import { wrapDim } from "../shape";
import { Tensor } from "../tensor";
import { ValuesIndices } from "./reduce";
import { narrow } from "./views";
import { isGradEnabled } from "../autograd/grad_mode";
import { selectValuesGrad } from "../autograd/sort";

/** Options of {@link sort}. */
export interface SortOptions {
  descending?: boolean;
  /** keep equal elements in their original order (always true here) */
  stable?: boolean;
}

/**
 * Sorted values and their original positions along dim (default last). NaN sorts as largest.
 * @example const { values, indices } = torch.sort(x, 1, { descending: true });
 */
export function sort(x: Tensor, dim = -1, options: SortOptions = {}): ValuesIndices {
  if (!(x instanceof Tensor)) throw new TypeError("sort(): argument 'input' must be a Tensor");
  if (x._requiresGrad && isGradEnabled()) return selectValuesGrad("SortBackward0", x, dim, true, () => sortRaw(x, dim, options));
  return sortRaw(x, dim, options);
}

// sort without autograd (argsort needs no node: indices have no gradient)
function sortRaw(x: Tensor, dim: number, options: SortOptions): ValuesIndices {
  if (isReducedFloat(x.dtype)) {
    // Note [16-bit floats] (ops/half.ts): sorted as float32, which orders them the same; values cast back exactly.
    const wide = toDtype(x, "float32");
    const r = sortRaw(wide, dim, options);
    wide.dispose();
    const values = toDtype(r.values, x.dtype);
    r.values.dispose();
    return { values, indices: r.indices };
  }
  const d = wrapDim(dim, x.dim());
  const values = Tensor._empty(x._shape.slice(), x.dtype, x.device);
  const indices = Tensor._empty(x._shape.slice(), "int64", x.device);
  if (x.numel() === 0) return { values, indices };
  const nd = Math.max(x.dim(), 1);
  writeLayout(writeLayout(writeLayout(writeDimHeader(x._shape, d), values, nd), indices, nd), x, nd);
  backendFor(x.device).sort(DTYPE_CODES[x.dtype], values._live(), indices._live(), x._live(), options.descending ?? false, true);
  return { values, indices };
}

/** Positions that would sort x along dim. @example torch.argsort(x, 0) */
export function argsort(x: Tensor, dim = -1, options: SortOptions = {}): Tensor {
  if (!(x instanceof Tensor)) throw new TypeError("sort(): argument 'input' must be a Tensor");
  const r = sortRaw(x, dim, options);
  r.values.dispose();
  return r.indices;
}

/** Options of {@link topk}. */
export interface TopkOptions {
  /** largest (default) or smallest k */
  largest?: boolean;
  /** results in sorted order (always true here) */
  sorted?: boolean;
}

/**
 * The k largest (or smallest) elements along dim and their positions.
 * @example torch.topk(x, 3).values
 */
export function topk(x: Tensor, k: number, dim = -1, options: TopkOptions = {}): ValuesIndices {
  if (x._requiresGrad && isGradEnabled()) return selectValuesGrad("TopkBackward0", x, dim, true, () => topk(x, k, dim, options));
  const d = wrapDim(dim, x.dim());
  const size = x.dim() === 0 ? 1 : x._shape[d];
  if (!Number.isInteger(k) || k < 0 || k > size) throw new RangeError(`selected index k out of range (k = ${k}, size along dim ${d} = ${size})`);
  const s = sort(x, d, { descending: options.largest ?? true });
  if (x.dim() === 0) return s;
  const values = narrow(s.values, d, 0, k).contiguous();
  const indices = narrow(s.indices, d, 0, k).contiguous();
  s.values.dispose();
  s.indices.dispose();
  return { values, indices };
}

/**
 * The k-th smallest element along dim (1-based k) and its position.
 * @example torch.kthvalue(x, 2, 0)
 */
export function kthvalue(x: Tensor, k: number, dim = -1, options: { keepdim?: boolean } = {}): ValuesIndices {
  if (x._requiresGrad && isGradEnabled()) return selectValuesGrad("KthvalueBackward0", x, dim, options.keepdim ?? false, () => kthvalue(x, k, dim, options));
  const d = wrapDim(dim, x.dim());
  const size = x.dim() === 0 ? 1 : x._shape[d];
  if (!Number.isInteger(k) || k < 1 || k > size) throw new RangeError(`kthvalue(): selected number k out of range for dimension ${d}`);
  const s = sort(x, d);
  if (x.dim() === 0) return s;
  const pick = (t: Tensor): Tensor => {
    const n = narrow(t, d, k - 1, 1);
    const r = options.keepdim ? n.contiguous() : n.squeeze(d).contiguous();
    return r;
  };
  return { values: pick(s.values), indices: pick(s.indices) };
}

declare module "../tensor" {
  interface Tensor {
    /** @example x.sort(0, { descending: true }) */
    sort(dim?: number, options?: SortOptions): ValuesIndices;
    /** @example x.argsort() */
    argsort(dim?: number, options?: SortOptions): Tensor;
    /** @example x.topk(2) */
    topk(k: number, dim?: number, options?: TopkOptions): ValuesIndices;
    /** @example x.kthvalue(1) */
    kthvalue(k: number, dim?: number, options?: { keepdim?: boolean }): ValuesIndices;
  }
}

Tensor.prototype.sort = function (this: Tensor, d?: number, o?: SortOptions) { return sort(this, d, o); };
Tensor.prototype.argsort = function (this: Tensor, d?: number, o?: SortOptions) { return argsort(this, d, o); };
Tensor.prototype.topk = function (this: Tensor, k: number, d?: number, o?: TopkOptions) { return topk(this, k, d, o); };
Tensor.prototype.kthvalue = function (this: Tensor, k: number, d?: number, o?: { keepdim?: boolean }) { return kthvalue(this, k, d, o); };

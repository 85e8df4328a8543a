/**
 * Reductions over all or some dims: sum, mean, prod, max, min, argmax, argmin,
 * amax, amin, std, var, norm, logsumexp, all, any, countNonzero. The native
 * primitive reduces the innermost dims of a permuted view; composites (mean,
 * var, norm, logsumexp...) are built from primitives.
 */
import { meta } from "../addon";
import { DType, DTYPE_CODES, checkDtype, getDefaultDtype, isFloatingPoint, isReducedFloat } from "../dtype";
import { backendFor } from "../dispatch";
import { numelOf, wrapDim } from "../shape";
import { Tensor } from "../tensor";
import { isGradEnabled } from "../autograd/grad_mode";
import { extremaGrad, indexedExtremaGrad, logsumexpGrad, normGrad, prodGrad, sumGrad, varGrad } from "../autograd/reduce";
import { toDtype } from "./copy";

/** Options of reductions. */
export interface ReduceOptions {
  keepdim?: boolean;
  dtype?: DType;
}

/** Named-tuple result of max/min/sort/topk/... with a dim. */
export interface ValuesIndices {
  values: Tensor;
  indices: Tensor;
}

const OPS = { sum: 0, prod: 1, max: 2, min: 3, argmax: 4, argmin: 5 } as const;
type OpName = keyof typeof OPS;

/** @internal dims argument: undefined/null for all */
export type Dims = number | readonly number[] | null | undefined;

/** @internal sorted, wrapped dims (all dims when absent); duplicates throw */
export function normDims(dims: Dims, ndim: number): number[] {
  if (dims === undefined || dims === null) return [...Array(ndim).keys()];
  const list = typeof dims === "number" ? [dims] : dims.slice();
  if (list.length === 0) return [...Array(ndim).keys()];
  const out = list.map((d) => wrapDim(d, ndim));
  if (new Set(out).size !== out.length) throw new Error(`dim ${out.find((d, i) => out.indexOf(d) !== i)} appears multiple times in the list of dims`);
  return ndim === 0 ? [] : out.sort((a, b) => a - b);
}

function outShape(shape: readonly number[], dims: number[], keepdim: boolean): number[] {
  const out: number[] = [];
  for (let i = 0; i < shape.length; i++) {
    if (dims.includes(i)) { if (keepdim) out.push(1); } else out.push(shape[i]);
  }
  return out;
}

// Note [16-bit floats] (ops/half.ts): no reduce impl takes the 16-bit dtypes,
// so they reduce in float32 and the result is rounded once. As in PyTorch, a
// 16-bit dtype= first rounds the input to it.
function reduceViaFloat32(op: OpName, x: Tensor, dims: Dims, keepdim: boolean, outDtype?: DType): Tensor {
  const src = (op === "sum" || op === "prod") && outDtype !== undefined ? toDtype(x, outDtype) : x;
  const wide = isReducedFloat(src.dtype) ? toDtype(src, "float32") : src;
  if (src !== x && src !== wide) src.dispose();
  const r = reducePrim(op, wide, dims, keepdim);
  if (wide !== x) wide.dispose();
  if (!isReducedFloat(src.dtype) || r.dtype !== "float32") return r;  // a wider dtype=, or argmax's int64
  const back = toDtype(r, src.dtype);
  r.dispose();
  return back;
}

// A composite reduction of a 16-bit tensor computed in float32 and rounded once (PyTorch accumulates these in float).
function widened(x: Tensor, f: (wide: Tensor) => Tensor): Tensor {
  const wide = toDtype(x, "float32");
  const r = f(wide);
  wide.dispose();
  const back = toDtype(r, x.dtype);
  r.dispose();
  return back;
}

/** @internal one native reduction over `dims` */
export function reducePrim(op: OpName, x: Tensor, dims: Dims, keepdim: boolean, outDtype?: DType): Tensor {
  if (isReducedFloat(x.dtype) || (outDtype !== undefined && isReducedFloat(outDtype) && (op === "sum" || op === "prod")))
    return reduceViaFloat32(op, x, dims, keepdim, outDtype);
  // Fast path: everything of a contiguous tensor into a 0-dim result.
  if ((dims === undefined || dims === null) && !keepdim && outDtype === undefined && x.isContiguous() && x.numel() > 0) {
    const od: DType = op === "argmax" || op === "argmin" ? "int64"
      : (op === "sum" || op === "prod") && !isFloatingPoint(x.dtype) ? "int64" : x.dtype;
    const buf = x._live();
    const out = Tensor._empty([], od, x.device);
    meta[0] = 0;
    meta[1] = out._elemOffset;
    meta[2] = x._elemOffset;
    meta[3] = 1;
    meta[4] = x.numel();
    meta[5] = 1;
    backendFor(x.device).reduce(OPS[op], DTYPE_CODES[x.dtype], DTYPE_CODES[od], out._live(), buf);
    return out;
  }
  const nd = x.dim();
  const rd = normDims(dims, nd);
  const inDtype = x.dtype;
  let od: DType;
  if (op === "argmax" || op === "argmin") od = "int64";
  else if (op === "sum" || op === "prod") od = outDtype ?? (isFloatingPoint(inDtype) ? inDtype : "int64");
  else od = inDtype;
  let src = x;
  if ((op === "sum" || op === "prod") && outDtype !== undefined && outDtype !== inDtype) src = toDtype(x, outDtype);
  const reducedCount = numelOf(rd.map((d) => x._shape[d]));
  if (reducedCount === 0 && op !== "sum" && op !== "prod") {
    const what = op === "argmax" || op === "argmin" ? op : op === "max" ? "max" : "min";
    throw new Error(`${what}(): Expected reduction dim${rd.length === 1 ? ` ${rd[0]}` : ""} to have non-zero size.`);
  }
  const shape = outShape(x._shape, rd, keepdim);
  const out = Tensor._empty(shape, od, x.device);
  const outer = [...Array(nd).keys()].filter((d) => !rd.includes(d));
  // out's strides for the outer dims (keepdim only inserts size-1 dims).
  const outStridesFull = out._strides;
  const outOuterStrides: number[] = [];
  {
    let j = 0;
    for (let i = 0; i < nd; i++) {
      if (rd.includes(i)) { if (keepdim) j++; continue; }
      outOuterStrides.push(outStridesFull[j++]);
    }
  }
  let k = 0;
  meta[k++] = outer.length;
  for (const d of outer) meta[k++] = x._shape[d];
  meta[k++] = out._elemOffset;
  for (const s of outOuterStrides) meta[k++] = s;
  meta[k++] = src._elemOffset;
  for (const d of outer) meta[k++] = src._strides[d];
  meta[k++] = rd.length;
  for (const d of rd) meta[k++] = x._shape[d];
  for (const d of rd) meta[k++] = src._strides[d];
  const compute = src.dtype;
  backendFor(x.device).reduce(OPS[op], DTYPE_CODES[compute], DTYPE_CODES[od], out._live(), src._live());
  if (src !== x) src.dispose();
  return out;
}

function dtypeOpt(o?: ReduceOptions): DType | undefined {
  return o?.dtype === undefined ? undefined : checkDtype(o.dtype);
}

/**
 * Sum over all elements, or over dim(s).
 * @example x.sum(); torch.sum(x, 1, { keepdim: true })
 */
export function sum(x: Tensor, dim?: Dims, options: ReduceOptions = {}): Tensor {
  if (x._requiresGrad && isGradEnabled()) return sumGrad(x, dim, options.keepdim ?? false, () => sum(x, dim, options), false);
  return reducePrim("sum", x, dim, options.keepdim ?? false, dtypeOpt(options));
}

/** Product of elements. @example x.prod(0) */
export function prod(x: Tensor, dim?: number | null, options: ReduceOptions = {}): Tensor {
  if (x._requiresGrad && isGradEnabled()) return prodGrad(x, dim, options.keepdim ?? false, () => prod(x, dim, options));
  return reducePrim("prod", x, dim, options.keepdim ?? false, dtypeOpt(options));
}

/** Mean (floating dtypes only, as in PyTorch). @example x.mean(); x.mean([0, 1]) */
export function mean(x: Tensor, dim?: Dims, options: ReduceOptions = {}): Tensor {
  if (x._requiresGrad && isGradEnabled()) return sumGrad(x, dim, options.keepdim ?? false, () => mean(x, dim, options), true);
  const dtype = dtypeOpt(options) ?? x.dtype;
  if (!isFloatingPoint(dtype))
    throw new Error(`mean(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. Got: ${x.dtype === "int64" ? "Long" : x.dtype}`);
  const s = reducePrim("sum", x, dim, options.keepdim ?? false, dtype);
  const n = numelOf(normDims(dim, x.dim()).map((d) => x._shape[d]));
  const r = s.div(n);
  s.dispose();
  return r;
}

/** Largest values and their positions along a dim. */
export function max(x: Tensor): Tensor;
export function max(x: Tensor, dim: number, options?: { keepdim?: boolean }): ValuesIndices;
export function max(x: Tensor, other: Tensor): Tensor;
/**
 * max() of everything, `{values, indices}` along a dim, or elementwise with a tensor.
 * @example x.max(); const { values, indices } = x.max(1);
 */
export function max(x: Tensor, dim?: number | Tensor, options: { keepdim?: boolean } = {}): Tensor | ValuesIndices {
  if (dim instanceof Tensor) return x.maximum(dim);
  if (x._requiresGrad && isGradEnabled()) {
    if (dim === undefined) return extremaGrad("MaxBackward1", x, null, false, () => max(x));
    return indexedExtremaGrad("MaxBackward0", x, dim, options.keepdim ?? false, () => max(x, dim, options));
  }
  if (dim === undefined) return reducePrim("max", x, null, false);
  return { values: reducePrim("max", x, dim, options.keepdim ?? false), indices: reducePrim("argmax", x, dim, options.keepdim ?? false) };
}

/** Smallest values and their positions along a dim. */
export function min(x: Tensor): Tensor;
export function min(x: Tensor, dim: number, options?: { keepdim?: boolean }): ValuesIndices;
export function min(x: Tensor, other: Tensor): Tensor;
/**
 * min() of everything, `{values, indices}` along a dim, or elementwise with a tensor.
 * @example x.min(); x.min(0).indices
 */
export function min(x: Tensor, dim?: number | Tensor, options: { keepdim?: boolean } = {}): Tensor | ValuesIndices {
  if (dim instanceof Tensor) return x.minimum(dim);
  if (x._requiresGrad && isGradEnabled()) {
    if (dim === undefined) return extremaGrad("MinBackward1", x, null, false, () => min(x));
    return indexedExtremaGrad("MinBackward0", x, dim, options.keepdim ?? false, () => min(x, dim, options));
  }
  if (dim === undefined) return reducePrim("min", x, null, false);
  return { values: reducePrim("min", x, dim, options.keepdim ?? false), indices: reducePrim("argmin", x, dim, options.keepdim ?? false) };
}

/** Max over dims (values only). @example x.amax([0, 1]) */
export function amax(x: Tensor, dim?: Dims, options: { keepdim?: boolean } = {}): Tensor {
  if (x._requiresGrad && isGradEnabled()) return extremaGrad("AmaxBackward0", x, dim, options.keepdim ?? false, () => amax(x, dim, options));
  return reducePrim("max", x, dim, options.keepdim ?? false);
}
/** Min over dims (values only). @example x.amin(1) */
export function amin(x: Tensor, dim?: Dims, options: { keepdim?: boolean } = {}): Tensor {
  if (x._requiresGrad && isGradEnabled()) return extremaGrad("AminBackward0", x, dim, options.keepdim ?? false, () => amin(x, dim, options));
  return reducePrim("min", x, dim, options.keepdim ?? false);
}

/** Index of the largest value (flattened when dim is absent). @example x.argmax(1) */
export function argmax(x: Tensor, dim?: number | null, options: { keepdim?: boolean } = {}): Tensor {
  if (x.dtype === "bool") throw new TypeError(`"argmax_cpu" not implemented for 'Bool'`);
  if (dim === undefined || dim === null) {
    const flat = x.reshape(-1);
    const r = reducePrim("argmax", flat, 0, false);
    return options.keepdim ? r.reshape(x._shape.map(() => 1)) : r;
  }
  return reducePrim("argmax", x, dim, options.keepdim ?? false);
}
/** Index of the smallest value. @example x.argmin() */
export function argmin(x: Tensor, dim?: number | null, options: { keepdim?: boolean } = {}): Tensor {
  if (x.dtype === "bool") throw new TypeError(`"argmin_cpu" not implemented for 'Bool'`);
  if (dim === undefined || dim === null) {
    const flat = x.reshape(-1);
    const r = reducePrim("argmin", flat, 0, false);
    return options.keepdim ? r.reshape(x._shape.map(() => 1)) : r;
  }
  return reducePrim("argmin", x, dim, options.keepdim ?? false);
}

/** Options of var/std. */
export interface VarOptions {
  keepdim?: boolean;
  /** Bessel correction: 1 (default, unbiased) or 0 */
  correction?: number;
  /** legacy spelling: unbiased=false is correction 0 */
  unbiased?: boolean;
}

/**
 * Variance (unbiased by default).
 * @example x.var(); x.var(1, { correction: 0 })
 */
export function variance(x: Tensor, dim?: Dims, options: VarOptions = {}): Tensor {
  if (!isFloatingPoint(x.dtype)) throw new Error(`std and var only support floating point and complex dtypes`);
  const correction = options.correction ?? (options.unbiased === false ? 0 : 1);
  if (x._requiresGrad && isGradEnabled()) return varGrad(x, dim, options.keepdim ?? false, correction, false, () => variance(x, dim, options));
  if (isReducedFloat(x.dtype)) return widened(x, (w) => variance(w, dim, options));
  const rd = normDims(dim, x.dim());
  const n = numelOf(rd.map((d) => x._shape[d]));
  const m = mean(x, rd, { keepdim: true });
  const diff = x.sub(m);
  const sq = diff.mul(diff);
  const s = reducePrim("sum", sq, rd, options.keepdim ?? false);
  const r = s.div(Math.max(n - correction, 0));
  for (const t of [m, diff, sq, s]) t.dispose();
  return r;
}

/** Standard deviation (unbiased by default). @example x.std() */
export function std(x: Tensor, dim?: Dims, options: VarOptions = {}): Tensor {
  if (x._requiresGrad && isGradEnabled() && isFloatingPoint(x.dtype))
    return varGrad(x, dim, options.keepdim ?? false, options.correction ?? (options.unbiased === false ? 0 : 1), true, () => std(x, dim, options));
  if (isReducedFloat(x.dtype)) return widened(x, (w) => std(w, dim, options));
  const v = variance(x, dim, options);
  const r = v.sqrt();
  v.dispose();
  return r;
}

/**
 * p-norm over all elements or dims (p = 2 default; "fro", Infinity, -Infinity, 0, 1 supported).
 * @example x.norm(); x.norm(1, 0)
 */
export function norm(x: Tensor, p: number | "fro" = 2, dim?: Dims, options: { keepdim?: boolean } = {}): Tensor {
  const keepdim = options.keepdim ?? false;
  if (!isFloatingPoint(x.dtype))
    throw new TypeError(`linalg.vector_norm: Expected a floating point or complex tensor as input. Got ${x.dtype}`);
  if (x._requiresGrad && isGradEnabled()) return normGrad(x, p === "fro" ? 2 : p, dim, keepdim, () => norm(x, p, dim, options));
  if (isReducedFloat(x.dtype)) return widened(x, (w) => norm(w, p, dim, options));
  const xf = x;
  const a = xf.abs();
  let r: Tensor;
  if (p === "fro" || p === 2) {
    const sq = a.mul(a);
    const s = reducePrim("sum", sq, dim, keepdim);
    r = s.sqrt();
    sq.dispose(); s.dispose();
  } else if (p === Infinity) r = reducePrim("max", a, dim, keepdim);
  else if (p === -Infinity) r = reducePrim("min", a, dim, keepdim);
  else if (p === 0) {
    const nz = a.ne(0);
    const s = reducePrim("sum", nz, dim, keepdim, xf.dtype);
    r = s; nz.dispose();
  } else if (p === 1) r = reducePrim("sum", a, dim, keepdim);
  else {
    const pw = a.pow(p);
    const s = reducePrim("sum", pw, dim, keepdim);
    r = s.pow(1 / p);
    pw.dispose(); s.dispose();
  }
  a.dispose();
  return r;
}

/**
 * log(sum(exp(x))) over dims, computed stably (the max is subtracted first).
 * @example x.logsumexp(1)
 */
export function logsumexp(x: Tensor, dim: Dims, options: { keepdim?: boolean } = {}): Tensor {
  if (x._requiresGrad && isGradEnabled()) return logsumexpGrad(x, dim, options.keepdim ?? false, () => logsumexp(x, dim, options));
  if (isReducedFloat(x.dtype)) return widened(x, (w) => logsumexp(w, dim, options));
  const xf = isFloatingPoint(x.dtype) ? x : toDtype(x, getDefaultDtype());
  const rd = normDims(dim, x.dim());
  if (xf.numel() === 0) {
    const s = reducePrim("sum", xf.exp(), rd, options.keepdim ?? false);
    return s.log();
  }
  const m = reducePrim("max", xf, rd, true);
  // Infinite maxima would make x - m NaN; use 0 there as PyTorch does.
  const mSafe = m.maskedFill(m.isinf(), 0);
  const e = xf.sub(mSafe).exp();
  const s = reducePrim("sum", e, rd, true);
  const l = s.log().add(mSafe);
  const r = options.keepdim ? l : l.squeeze(rd);
  for (const t of [m, mSafe, e, s]) t.dispose();
  return r;
}

/** True if every element is nonzero (over dims); uint8 input gives uint8, as PyTorch. @example x.gt(0).all() */
export function all(x: Tensor, dim?: number | null, options: { keepdim?: boolean } = {}): Tensor {
  const r = allBool(x, dim, options);
  return x.dtype === "uint8" ? r.to("uint8") : r;
}

function allBool(x: Tensor, dim?: number | null, options: { keepdim?: boolean } = {}): Tensor {
  const b = x.dtype === "bool" ? x : x.ne(0);
  const rd = normDims(dim, x.dim());
  if (numelOf(rd.map((d) => x._shape[d])) === 0) {
    // all() of nothing is true: count the false entries instead.
    const f = b.logicalNot();
    const r = reducePrim("sum", f, rd, options.keepdim ?? false).eq(0);
    f.dispose();
    return r;
  }
  return reducePrim("min", b, dim, options.keepdim ?? false);
}

/** True if any element is nonzero (over dims); uint8 input gives uint8. @example x.isnan().any() */
export function any(x: Tensor, dim?: number | null, options: { keepdim?: boolean } = {}): Tensor {
  const r = anyBool(x, dim, options);
  return x.dtype === "uint8" ? r.to("uint8") : r;
}

function anyBool(x: Tensor, dim?: number | null, options: { keepdim?: boolean } = {}): Tensor {
  const b = x.dtype === "bool" ? x : x.ne(0);
  const rd = normDims(dim, x.dim());
  if (numelOf(rd.map((d) => x._shape[d])) === 0) return reducePrim("sum", b, rd, options.keepdim ?? false).ne(0);
  return reducePrim("max", b, dim, options.keepdim ?? false);
}

/** Number of nonzero elements (over dims). @example x.countNonzero() */
export function countNonzero(x: Tensor, dim?: Dims): Tensor {
  const b = x.ne(0);
  const r = reducePrim("sum", b, dim, false);
  b.dispose();
  return r;
}

declare module "../tensor" {
  interface Tensor {
    /** @example x.sum(); x.sum(1, { keepdim: true }) */
    sum(dim?: Dims, options?: ReduceOptions): Tensor;
    /** @example x.prod(0) */
    prod(dim?: number | null, options?: ReduceOptions): Tensor;
    /** @example x.mean(0) */
    mean(dim?: Dims, options?: ReduceOptions): Tensor;
    /** @example x.max(); x.max(1).values; x.max(y) */
    max(): Tensor;
    max(dim: number, options?: { keepdim?: boolean }): ValuesIndices;
    max(other: Tensor): Tensor;
    /** @example x.min(); x.min(1).indices */
    min(): Tensor;
    min(dim: number, options?: { keepdim?: boolean }): ValuesIndices;
    min(other: Tensor): Tensor;
    /** @example x.amax(0) */
    amax(dim?: Dims, options?: { keepdim?: boolean }): Tensor;
    /** @example x.amin(0) */
    amin(dim?: Dims, options?: { keepdim?: boolean }): Tensor;
    /** @example x.argmax(1) */
    argmax(dim?: number | null, options?: { keepdim?: boolean }): Tensor;
    /** @example x.argmin(1) */
    argmin(dim?: number | null, options?: { keepdim?: boolean }): Tensor;
    /** @example x.var(0, { correction: 0 }) */
    var(dim?: Dims, options?: VarOptions): Tensor;
    /** @example x.std() */
    std(dim?: Dims, options?: VarOptions): Tensor;
    /** @example x.norm(); x.norm(1) */
    norm(p?: number | "fro", dim?: Dims, options?: { keepdim?: boolean }): Tensor;
    /** @example x.logsumexp(1) */
    logsumexp(dim: Dims, options?: { keepdim?: boolean }): Tensor;
    /** @example mask.all() */
    all(dim?: number | null, options?: { keepdim?: boolean }): Tensor;
    /** @example mask.any(0) */
    any(dim?: number | null, options?: { keepdim?: boolean }): Tensor;
    /** @example x.countNonzero() */
    countNonzero(dim?: Dims): Tensor;
  }
}

const P = Tensor.prototype as unknown as Record<string, unknown>;
P.sum = function (this: Tensor, d?: Dims, o?: ReduceOptions) { return sum(this, d, o); };
P.prod = function (this: Tensor, d?: number | null, o?: ReduceOptions) { return prod(this, d, o); };
P.mean = function (this: Tensor, d?: Dims, o?: ReduceOptions) { return mean(this, d, o); };
P.max = function (this: Tensor, d?: number | Tensor, o?: { keepdim?: boolean }) { return max(this, d as number, o); };
P.min = function (this: Tensor, d?: number | Tensor, o?: { keepdim?: boolean }) { return min(this, d as number, o); };
P.amax = function (this: Tensor, d?: Dims, o?: { keepdim?: boolean }) { return amax(this, d, o); };
P.amin = function (this: Tensor, d?: Dims, o?: { keepdim?: boolean }) { return amin(this, d, o); };
P.argmax = function (this: Tensor, d?: number | null, o?: { keepdim?: boolean }) { return argmax(this, d, o); };
P.argmin = function (this: Tensor, d?: number | null, o?: { keepdim?: boolean }) { return argmin(this, d, o); };
P.var = function (this: Tensor, d?: Dims, o?: VarOptions) { return variance(this, d, o); };
P.std = function (this: Tensor, d?: Dims, o?: VarOptions) { return std(this, d, o); };
P.norm = function (this: Tensor, p?: number | "fro", d?: Dims, o?: { keepdim?: boolean }) { return norm(this, p, d, o); };
P.logsumexp = function (this: Tensor, d: Dims, o?: { keepdim?: boolean }) { return logsumexp(this, d, o); };
P.all = function (this: Tensor, d?: number | null, o?: { keepdim?: boolean }) { return all(this, d, o); };
P.any = function (this: Tensor, d?: number | null, o?: { keepdim?: boolean }) { return any(this, d, o); };
P.countNonzero = function (this: Tensor, d?: Dims) { return countNonzero(this, d); };


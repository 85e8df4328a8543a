/**
 * scatter: writes values into self at positions given by an index along dim.
 */
import { meta } from "../addon";
import { DTYPE_CODES, isReducedFloat } from "../dtype";
import { backendFor, commonDevice } from "../dispatch";
import { writeDimHeader, writeLayout } from "../iter";
import { fmtShape, wrapDim } from "../shape";
import { Tensor } from "../tensor";
import { bumpVersion, checkNoInternalOverlap, copyInto, toDtype } from "./copy";
import { roundScalar } from "./half";
import { isGradEnabled } from "../autograd/grad_mode";
import { scatterGrad } from "../autograd/scatter";

/** Options of {@link scatter}. */
export interface ScatterOptions {
  /** combine instead of overwrite */
  reduce?: "add" | "multiply";
}

const REDUCE = { none: 0, add: 1, multiply: 2 } as const;

/** @internal in-place scatter into self */
export function scatterInto(self: Tensor, dim: number, index: Tensor, src: Tensor | number, reduce: number): Tensor {
  if (!(index instanceof Tensor)) throw new TypeError("scatter(): argument 'index' must be a Tensor");
  if (index.dtype !== "int64") throw new TypeError("scatter(): Expected dtype int64 for index");
  if (src instanceof Tensor && src.dtype !== self.dtype)
    throw new TypeError(`scatter(): Expected self.dtype to be equal to src.dtype, got ${self.dtype} and ${src.dtype}`);
  commonDevice(src instanceof Tensor ? [self, index, src] : [self, index]);
  if (index.dim() !== self.dim() && !(index.dim() <= 1 && self.dim() <= 1))
    throw new Error("Index tensor must have the same number of dimensions as self tensor");
  const d = wrapDim(dim, self.dim());
  if (src instanceof Tensor) {
    if (src.dim() !== index.dim() && !(src.dim() <= 1 && index.dim() <= 1))
      throw new Error("Index tensor must have the same number of dimensions as src tensor");
    for (let i = 0; i < index.dim(); i++) {
      if (index._shape[i] > src._shape[i])
        throw new Error(`Expected index ${fmtShape(index._shape)} to be smaller than self ${fmtShape(self._shape)} apart from dimension ${d} and to be smaller size than src ${fmtShape(src._shape)}`);
    }
  }
  for (let i = 0; i < index.dim(); i++) {
    if (i !== d && index._shape[i] > self._shape[i])
      throw new Error(`Expected index ${fmtShape(index._shape)} to be smaller than self ${fmtShape(self._shape)} apart from dimension ${d}`);
  }
  checkNoInternalOverlap(self);
  if (index.numel() === 0) return self;
  if (isReducedFloat(self.dtype)) {
    // Note [16-bit floats] (ops/half.ts): scattered in a float32 copy (add and
    // multiply accumulate there), then rounded back into self.
    const wide = toDtype(self, "float32");
    const s = src instanceof Tensor ? toDtype(src, "float32") : roundScalar(src, self.dtype);
    scatterInto(wide, dim, index, s, reduce);
    if (s instanceof Tensor) s.dispose();
    copyInto(self, wide);
    wide.dispose();
    bumpVersion(self);
    return self;
  }
  const idx = toDtype(index, "int64");
  const s = src instanceof Tensor ? toDtype(src, self.dtype) : src;
  const nd = Math.max(self.dim(), 1);
  let k = writeDimHeader(index._shape, d);
  k = writeLayout(k, self, nd);
  meta[k++] = self.dim() === 0 ? 1 : self._shape[d];
  k = writeLayout(k, idx, nd);
  if (s instanceof Tensor) writeLayout(k, s, nd);
  else { meta[k++] = 0; for (let i = 0; i < nd; i++) meta[k++] = 0; }
  backendFor(self.device).scatter(DTYPE_CODES[self.dtype], self._live(), idx._live(), s instanceof Tensor ? s._live() : Number(s), reduce);
  bumpVersion(self);
  return self;
}

/**
 * A copy of input with src written at index along dim (self[index[i][j]][j] = src[i][j] for dim 0).
 * @example torch.scatter(torch.zeros(3, 5), 0, idx, src)
 */
export function scatter(input: Tensor, dim: number, index: Tensor, src: Tensor | number, options: ScatterOptions = {}): Tensor {
  if (isGradEnabled() && (input._requiresGrad || (src instanceof Tensor && src._requiresGrad)))
    return scatterGrad(options.reduce !== undefined ? "reduce" : "scatter", input, dim, index, src, false, () => scatter(input, dim, index, src, options));
  return scatterInto(input.clone(), dim, index, src, REDUCE[options.reduce ?? "none"]);
}

/**
 * Like scatter but adds into the existing values.
 * @example torch.scatterAdd(torch.zeros(3), 0, idx, src)
 */
export function scatterAdd(input: Tensor, dim: number, index: Tensor, src: Tensor): Tensor {
  if (isGradEnabled() && (input._requiresGrad || (src instanceof Tensor && src._requiresGrad)))
    return scatterGrad("scatterAdd", input, dim, index, src, false, () => scatterAdd(input, dim, index, src));
  return scatterInto(input.clone(), dim, index, src, REDUCE.add);
}

declare module "../tensor" {
  interface Tensor {
    /** Out-of-place scatter. @example x.scatter(0, idx, src) */
    scatter(dim: number, index: Tensor, src: Tensor | number, options?: ScatterOptions): Tensor;
    /** In-place scatter. @example x.scatter_(0, idx, 1.5) */
    scatter_(dim: number, index: Tensor, src: Tensor | number, options?: ScatterOptions): this;
    /** Out-of-place scatter with addition. @example x.scatterAdd(0, idx, src) */
    scatterAdd(dim: number, index: Tensor, src: Tensor): Tensor;
    /** In-place scatter with addition. @example x.scatterAdd_(0, idx, src) */
    scatterAdd_(dim: number, index: Tensor, src: Tensor): this;
  }
}

const P = Tensor.prototype;
P.scatter = function (this: Tensor, d: number, i: Tensor, s: Tensor | number, o?: ScatterOptions) { return scatter(this, d, i, s, o); };
P.scatter_ = function (this: Tensor, d: number, i: Tensor, s: Tensor | number, o: ScatterOptions = {}) {
  if (isGradEnabled() && (this._requiresGrad || (s instanceof Tensor && s._requiresGrad)))
    return scatterGrad(o.reduce !== undefined ? "reduce" : "scatter", this, d, i, s, true, () => scatter(this, d, i, s, o));
  scatterInto(this, d, i, s, REDUCE[o.reduce ?? "none"]);
  return this;
};
P.scatterAdd = function (this: Tensor, d: number, i: Tensor, s: Tensor) { return scatterAdd(this, d, i, s); };
P.scatterAdd_ = function (this: Tensor, d: number, i: Tensor, s: Tensor) {
  if (isGradEnabled() && (this._requiresGrad || (s instanceof Tensor && s._requiresGrad)))
    return scatterGrad("scatterAdd", this, d, i, s, true, () => scatterAdd(this, d, i, s));
  scatterInto(this, d, i, s, REDUCE.add);
  return this;
};

/**
 * Selection by a condition: where, clamp, maskedFill.
 */
import { DTYPE_CODES, resultTypeOf } from "../dtype";
import { backendFor, commonDevice, onDevice } from "../dispatch";
import { writeIter } from "../iter";
import { broadcastShapes, fmtShape, shapeEquals } from "../shape";
import { Tensor } from "../tensor";
import { binaryOp, canCast, OutOptions, Scalar, TensorLike } from "./binary";
import { bumpVersion, checkNoInternalOverlap, copyInto, toDtype } from "./copy";
import { isGradEnabled } from "../autograd/grad_mode";
import { ClampKind, clampGrad, maskedFillGrad, whereGrad } from "../autograd/where";

function checkCond(cond: Tensor, what: string): void {
  if (!(cond instanceof Tensor)) throw new TypeError(`${what}: condition must be a bool Tensor`);
  if (cond.dtype !== "bool" && cond.dtype !== "uint8")
    throw new TypeError(`${what} expected condition to be a boolean tensor, but got a tensor with dtype ${cond.dtype}`);
}

/** @internal out = cond ? a : b, writing into `out` when given */
export function whereInto(cond: Tensor, a: TensorLike, b: TensorLike, out?: Tensor): Tensor {
  const tensors = [cond, a, b].filter((t): t is Tensor => t instanceof Tensor);
  const dev = commonDevice(tensors);
  const operands = [a, b].filter((t) => t instanceof Tensor) as Tensor[];
  const dtype = resultTypeOf([a, b].map((v) => (v instanceof Tensor ? v : (v as Scalar))));
  let shape = cond._shape as number[];
  for (const t of operands) shape = broadcastShapes(shape, t._shape);
  // 0-dim CPU tensors join a GPU op as scalars would (commonDevice allowed them): move them there.
  const c = onDevice(cond.dtype === "bool" ? cond : cond.bool(), dev);
  const target = out ?? Tensor._empty(shape.slice(), dtype, dev);
  if (out !== undefined && !shapeEquals(out._shape, shape))
    throw new Error(`output with shape ${fmtShape(out._shape)} doesn't match the broadcast shape ${fmtShape(shape)}`);
  const compute = out !== undefined ? out.dtype : dtype;
  const ac = a instanceof Tensor ? toDtype(onDevice(a, dev), compute) : a;
  const bc = b instanceof Tensor ? toDtype(onDevice(b, dev), compute) : b;
  const ob = target._live();
  writeIter(shape, [target, c, ac instanceof Tensor ? ac : null, bc instanceof Tensor ? bc : null]);
  backendFor(dev).where(
    DTYPE_CODES[compute], ob, c._live(),
    ac instanceof Tensor ? ac._live() : Number(ac),
    bc instanceof Tensor ? bc._live() : Number(bc),
  );
  return target;
}

/**
 * Elementwise `condition ? input : other`, broadcasting all three.
 * @example torch.where(x.gt(0), x, 0)
 */
export function where(condition: Tensor, input: TensorLike, other: TensorLike): Tensor {
  checkCond(condition, "where");
  if (isGradEnabled() && ((input instanceof Tensor && input._requiresGrad) || (other instanceof Tensor && other._requiresGrad)))
    return whereGrad(condition, input, other, () => whereInto(condition, input, other));
  return whereInto(condition, input, other);
}

/** Options of {@link clamp}. */
export interface ClampOptions extends OutOptions {
  min?: TensorLike | null;
  max?: TensorLike | null;
}

function clampImpl(x: Tensor, min: TensorLike | null | undefined, max: TensorLike | null | undefined, out?: Tensor, inplace = false, kind: ClampKind = "clamp"): Tensor {
  if (isGradEnabled() && (x._requiresGrad || (min instanceof Tensor && min._requiresGrad) || (max instanceof Tensor && max._requiresGrad)))
    return clampGrad(kind, x, min, max, out, inplace, () => clampImpl(x, min, max, undefined, false, kind));
  const hasMin = min !== undefined && min !== null, hasMax = max !== undefined && max !== null;
  if (!hasMin && !hasMax) throw new Error("torch.clamp: At least one of 'min' or 'max' must not be None");
  // PyTorch: clamp(x, lo, hi) = min(max(x, lo), hi), NaN in x propagates.
  let r: Tensor = x;
  // A scalar bound goes to the native op as a scalar (promoting as a 0-dim tensor would).
  if (hasMin) r = binaryOp("maximum", r, min as TensorLike);
  if (hasMax) {
    const prev = r;
    r = binaryOp("minimum", r, max as TensorLike);
    if (prev !== x) prev.dispose();
  }
  if (inplace) out = x;
  if (out !== undefined) {
    if (!shapeEquals(out._shape, r._shape)) throw new Error(`output with shape ${fmtShape(out._shape)} doesn't match the broadcast shape ${fmtShape(r._shape)}`);
    if (!canCast(r.dtype, out.dtype)) throw new TypeError(`result type ${r.dtype} can't be cast to the desired output type ${out.dtype}`);
    checkNoInternalOverlap(out);
    copyInto(out, r);
    r.dispose();
    bumpVersion(out);
    return out;
  }
  return r;
}

/**
 * Limits values to [min, max]; either bound may be null.
 * @example torch.clamp(x, -1, 1); torch.clamp(x, { min: 0 })
 */
export function clamp(input: Tensor, min?: TensorLike | null | ClampOptions, max?: TensorLike | null, options?: OutOptions): Tensor {
  if (min !== null && typeof min === "object" && !(min instanceof Tensor)) return clampImpl(input, min.min, min.max, min.out);
  return clampImpl(input, min as TensorLike | null | undefined, max, options?.out);
}

/** Same as clamp. @example torch.clip(x, 0, 1) */
export const clip = clamp;

/**
 * Copy of input with `value` where mask is true.
 * @example x.maskedFill(x.lt(0), 0)
 */
export function maskedFill(input: Tensor, mask: Tensor, value: TensorLike): Tensor {
  checkCond(mask, "masked_fill_");
  if (value instanceof Tensor && value.dim() !== 0)
    throw new Error(`masked_fill_ only supports a 0-dimensional value tensor, but got tensor with ${value.dim()} dimension(s).`);
  if (isGradEnabled() && (input._requiresGrad || (value instanceof Tensor && value._requiresGrad)))
    return maskedFillGrad(input, mask, value, false, () => maskedFill(input, mask, value));
  const shape = broadcastShapes(input._shape, mask._shape);
  const r = whereInto(mask, value instanceof Tensor ? toDtype(value, input.dtype) : value, input, Tensor._empty(shape, input.dtype, input.device));
  return r;
}

declare module "../tensor" {
  interface Tensor {
    /** `condition ? this : other`. @example x.where(x.gt(0), 0) */
    where(condition: Tensor, other: TensorLike): Tensor;
    /** Limits values to [min, max]. @example x.clamp(0, 1); x.clamp({ max: 6 }) */
    clamp(min?: TensorLike | null | ClampOptions, max?: TensorLike | null): Tensor;
    /** In-place clamp. @example x.clamp_(0, 1) */
    clamp_(min?: TensorLike | null | ClampOptions, max?: TensorLike | null): this;
    /** Same as clamp. @example x.clip(0, 1) */
    clip(min?: TensorLike | null | ClampOptions, max?: TensorLike | null): Tensor;
    /** Lower bound only. @example x.clampMin(0) */
    clampMin(min: TensorLike): Tensor;
    /** Upper bound only. @example x.clampMax(1) */
    clampMax(max: TensorLike): Tensor;
    /** Copy with value where mask is true. @example x.maskedFill(mask, 0) */
    maskedFill(mask: Tensor, value: TensorLike): Tensor;
    /** In place: value where mask is true (mask broadcasts to this). @example x.maskedFill_(mask, 0) */
    maskedFill_(mask: Tensor, value: TensorLike): this;
  }
}

const P = Tensor.prototype;
P.where = function (this: Tensor, c: Tensor, o: TensorLike) { return where(c, this, o); };
P.clamp = function (this: Tensor, a?: TensorLike | null | ClampOptions, b?: TensorLike | null) { return clamp(this, a, b); };
P.clip = P.clamp;
P.clamp_ = function (this: Tensor, a?: TensorLike | null | ClampOptions, b?: TensorLike | null) {
  if (a !== null && typeof a === "object" && !(a instanceof Tensor)) clampImpl(this, a.min, a.max, undefined, true);
  else clampImpl(this, a as TensorLike | null | undefined, b, undefined, true);
  return this;
};
P.clampMin = function (this: Tensor, m: TensorLike) { return clampImpl(this, m, null, undefined, false, "min"); };
P.clampMax = function (this: Tensor, m: TensorLike) { return clampImpl(this, null, m, undefined, false, "max"); };
P.maskedFill = function (this: Tensor, m: Tensor, v: TensorLike) { return maskedFill(this, m, v); };
P.maskedFill_ = function (this: Tensor, m: Tensor, v: TensorLike) {
  checkCond(m, "masked_fill_");
  if (value0dimCheck(v)) throw new Error(`masked_fill_ only supports a 0-dimensional value tensor, but got tensor with ${(v as Tensor).dim()} dimension(s).`);
  const shape = broadcastShapes(this._shape, m._shape);
  if (!shapeEquals(shape, this._shape))
    throw new Error(`output with shape ${fmtShape(this._shape)} doesn't match the broadcast shape ${fmtShape(shape)}`);
  if (isGradEnabled() && (this._requiresGrad || (v instanceof Tensor && v._requiresGrad)))
    return maskedFillGrad(this, m, v, true, () => maskedFill(this, m, v));
  checkNoInternalOverlap(this);
  whereInto(m, v instanceof Tensor ? toDtype(v, this.dtype) : v, this, this);
  bumpVersion(this);
  return this;
};

function value0dimCheck(v: TensorLike): boolean {
  return v instanceof Tensor && v.dim() !== 0;
}

/**
 * Binary elementwise ops with broadcasting and PyTorch's type promotion:
 * arithmetic, comparisons, logical and bitwise ops. One native entry point
 * (`binary`) serves them all; JS numbers travel as scalars without a tensor.
 */
import { addon } from "../addon";
import { DType, DTYPE_CODES, category, isFloatingPoint, isReducedFloat, getDefaultDtype, resultTypeOf, scalarTypeName } from "../dtype";
import { Backend, backendFor, commonDevice, onDevice } from "../dispatch";
import { writeIter } from "../iter";
import { broadcastShapes, fmtShape, shapeEquals } from "../shape";
import { Tensor } from "../tensor";
import { isGradEnabled } from "../autograd/grad_mode";
import { binaryGrad } from "../autograd/binary";
import { bumpVersion, checkNoInternalOverlap, copyInto } from "./copy";
import { castForImpl, implDtype, roundScalar } from "./half";

// The CPU backend, for the fast paths below (their operands are CPU tensors).
const cpu: Backend = addon;

/** A JavaScript scalar operand. */
export type Scalar = number | boolean;
/** A tensor or a JavaScript scalar. */
export type TensorLike = Tensor | Scalar;

/** Options with an `out` tensor, as PyTorch's `out=`. */
export interface OutOptions {
  out?: Tensor;
}

/** @internal codes of native/src/cpu/binary.h */
export const BINARY_OPS = {
  add: 0, sub: 1, mul: 2, div: 3, floorDivide: 4, pow: 5, remainder: 6, maximum: 7, minimum: 8, atan2: 9,
  eq: 10, ne: 11, lt: 12, le: 13, gt: 14, ge: 15, logicalAnd: 16, logicalOr: 17, logicalXor: 18, bitwiseAnd: 19,
  bitwiseOr: 20, bitwiseXor: 21, truncDivide: 22, fmod: 23,
} as const;
type BinaryName = keyof typeof BINARY_OPS;

// How an op picks its compute dtype and result dtype.
const enum Kind { Arith, TrueDiv, FloatOnly, Compare, Logical, Bitwise }

const KIND: Record<BinaryName, Kind> = {
  add: Kind.Arith, sub: Kind.Arith, mul: Kind.Arith, div: Kind.TrueDiv, floorDivide: Kind.Arith, pow: Kind.Arith,
  remainder: Kind.Arith, maximum: Kind.Arith, minimum: Kind.Arith, atan2: Kind.FloatOnly, eq: Kind.Compare,
  ne: Kind.Compare, lt: Kind.Compare, le: Kind.Compare, gt: Kind.Compare, ge: Kind.Compare,
  logicalAnd: Kind.Logical, logicalOr: Kind.Logical, logicalXor: Kind.Logical, bitwiseAnd: Kind.Bitwise,
  bitwiseOr: Kind.Bitwise, bitwiseXor: Kind.Bitwise, truncDivide: Kind.Arith, fmod: Kind.Arith,
};

/** @internal PyTorch's can_cast: no float to integer, no number to bool. */
export function canCast(from: DType, to: DType): boolean {
  return category(from) <= category(to);
}

function checkOperand(name: string, v: unknown, argName: string): void {
  if (v instanceof Tensor) return;
  if (typeof v === "number" || typeof v === "boolean") return;
  throw new TypeError(`${name}(): argument '${argName}' must be a Tensor or a number, but got ${v === null ? "null" : typeof v}`);
}

/** @internal shared by every binary op: promotion, broadcasting, out/in-place */
export function binaryOp(name: BinaryName, a: Tensor, b: TensorLike, out?: Tensor, inplace = false): Tensor {
  if (isGradEnabled() && ((a instanceof Tensor && a._requiresGrad) || (b instanceof Tensor && b._requiresGrad)))
    return binaryGrad(name, a, b, out, inplace);
  // Fast path for the common case: two CPU tensors of one arithmetic dtype and
  // one shape, fresh result. Same checks, fewer allocations.
  if (out === undefined && !inplace && b instanceof Tensor && a.dtype === b.dtype && KIND[name] === Kind.Arith &&
      a._storage.device.type === "cpu" && b._storage.device.type === "cpu" && a.dtype !== "bool" &&
      !isReducedFloat(a.dtype) && shapeEquals(a._shape, b._shape)) {
    const aBuf = a._live(), bBuf = b._live();
    const r = Tensor._empty(a._shape.slice(), a.dtype, a._storage.device);
    writeIter(a._shape, [r, a, b]);
    cpu.binary(BINARY_OPS[name], DTYPE_CODES[a.dtype], r._live(), aBuf, bBuf);
    return r;
  }
  // Same for a float tensor and a JS number (x.mul(0.5), x.pow(2)): a number
  // never promotes a float tensor, so the result keeps a's dtype.
  if (out === undefined && !inplace && typeof b === "number" && KIND[name] === Kind.Arith &&
      (a.dtype === "float32" || a.dtype === "float64") && a._storage.device.type === "cpu") {
    const aBuf = a._live();
    const r = Tensor._empty(a._shape.slice(), a.dtype, a._storage.device);
    writeIter(a._shape, [r, a, null]);
    cpu.binary(BINARY_OPS[name], DTYPE_CODES[a.dtype], r._live(), aBuf, b);
    return r;
  }
  checkOperand(name, b, "other");
  const bt = b instanceof Tensor ? b : null;
  const devTensors = bt === null ? [a] : [a, bt];
  const dev = devTensors.length === 1 ? a.device : commonDevice(devTensors);
  const kind = KIND[name];
  let compute = bt === null ? resultTypeOf([a, b as Scalar]) : resultTypeOf([a, bt]);
  if ((kind === Kind.TrueDiv || kind === Kind.FloatOnly) && !isFloatingPoint(compute)) compute = getDefaultDtype();
  if (kind === Kind.Bitwise && isFloatingPoint(compute))
    throw new TypeError(`"bitwise_${name.slice(7).toLowerCase()}_cpu" not implemented for '${scalarTypeName(compute)}'`);
  if (name === "sub" && (a.dtype === "bool" || (bt !== null ? bt.dtype === "bool" : typeof b === "boolean")))
    throw new TypeError(compute === "bool"
      ? "Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or `logical_xor()` operator instead."
      : "Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.");
  if (compute === "bool" && (name === "floorDivide" || name === "truncDivide" || name === "pow" || name === "remainder" || name === "fmod"))
    throw new TypeError(`"${name === "pow" ? "pow" : name === "remainder" ? "remainder" : name === "fmod" ? "fmod" : "div_floor"}_cpu" not implemented for 'Bool'`);
  const resultDtype: DType = kind === Kind.Compare || kind === Kind.Logical ? "bool" : compute;
  // Note [16-bit floats] (ops/half.ts): the impl may run in float32 for a 16-bit compute dtype.
  const impl = implDtype(compute, dev, "elementwise");
  const implResult: DType = resultDtype === "bool" ? "bool" : impl;
  const shape = bt === null ? a._shape : broadcastShapes(a._shape, bt._shape);
  if (inplace) out = a;
  let target: Tensor;
  if (out !== undefined) {
    if (!(out instanceof Tensor)) throw new TypeError(`${name}(): argument 'out' must be a Tensor`);
    if (!shapeEquals(out._shape, shape)) {
      if (inplace) throw new Error(`output with shape ${fmtShape(out._shape)} doesn't match the broadcast shape ${fmtShape(shape)}`);
      throw new Error(`${name}(): out has shape ${fmtShape(out._shape)} but the result has shape ${fmtShape(shape)}`);
    }
    if (!canCast(resultDtype, out.dtype))
      throw new TypeError(`result type ${resultDtype} can't be cast to the desired output type ${out.dtype}`);
    commonDevice([out, a]);
    checkNoInternalOverlap(out);
    // A float32 out of a 16-bit op still gets the 16-bit result: write out directly only when no rounding is due.
    target = out.dtype === resultDtype && implResult === resultDtype ? out : Tensor._empty(shape.slice(), implResult, dev);
  } else {
    target = Tensor._empty(shape === a._shape ? shape.slice() : shape, implResult, dev);
  }
  // A 0-dim CPU tensor joins a GPU op as a scalar would (commonDevice allowed it): move its element there.
  const ac = castForImpl(onDevice(a, dev), compute, impl);
  const bc = bt === null ? roundScalar(b as Scalar, compute) : castForImpl(onDevice(bt, dev), compute, impl);
  const outBuf = target._live();
  const aBuf = ac._live();
  writeIter(shape, [target, ac, bt === null ? null : (bc as Tensor)]);
  const be = dev.type === "cpu" ? cpu : backendFor(dev);
  be.binary(BINARY_OPS[name], DTYPE_CODES[impl], outBuf, aBuf, bt === null ? (bc as Scalar) : (bc as Tensor)._live());
  if (impl !== compute) {
    if (ac !== a) ac.dispose();
    if (bt !== null && bc !== bt) (bc as Tensor).dispose();
  }
  let result = target;
  // Rounded to the 16-bit dtype here unless copying into out rounds it the same way.
  if (implResult !== resultDtype && (out === undefined || out.dtype !== resultDtype)) {
    result = Tensor._empty(target._shape.slice(), resultDtype, dev);
    copyInto(result, target);
    target.dispose();
  }
  if (out !== undefined) {
    if (result !== out) {
      copyInto(out, result);
      result.dispose();
    }
    bumpVersion(out);
    return out;
  }
  return result;
}

/** Options of {@link Tensor.div}. */
export interface DivOptions extends OutOptions {
  /** "trunc" or "floor" rounding; true division when absent. */
  roundingMode?: "trunc" | "floor" | null;
}

/** Options of {@link Tensor.add} / {@link Tensor.sub}. */
export interface AlphaOptions extends OutOptions {
  /** multiplier of `other` */
  alpha?: number;
}

function scaled(other: TensorLike, alpha: number | undefined, input?: Tensor): TensorLike {
  if (alpha === undefined || alpha === 1) return other;
  if (!Number.isInteger(alpha) && input !== undefined && !isFloatingPoint(resultTypeOf(other instanceof Tensor ? [input, other] : [input, other])))
    throw new TypeError("For integral input tensors, argument alpha must not be a floating point number.");
  if (other instanceof Tensor) return binaryOp("mul", other, alpha);
  return Number(other) * alpha;
}

function divName(mode: DivOptions["roundingMode"]): BinaryName {
  if (mode === undefined || mode === null) return "div";
  if (mode === "floor") return "floorDivide";
  if (mode === "trunc") return "truncDivide";
  throw new Error(`div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '${String(mode)}'`);
}

/**
 * Elementwise `input + alpha * other`, broadcasting.
 * @example torch.add(x, y, { out: result })
 */
export function add(input: Tensor, other: TensorLike, options?: AlphaOptions): Tensor {
  return binaryOp("add", input, scaled(other, options?.alpha, input), options?.out);
}
/** Elementwise `input - alpha * other`. @example torch.sub(x, 1) */
export function sub(input: Tensor, other: TensorLike, options?: AlphaOptions): Tensor {
  return binaryOp("sub", input, scaled(other, options?.alpha, input), options?.out);
}
/** Elementwise product. @example torch.mul(x, 2) */
export function mul(input: Tensor, other: TensorLike, options?: OutOptions): Tensor {
  return binaryOp("mul", input, other, options?.out);
}
/** True division (integers give float), or rounded with `roundingMode`. @example torch.div(x, 2, { roundingMode: "floor" }) */
export function div(input: Tensor, other: TensorLike, options?: DivOptions): Tensor {
  return binaryOp(divName(options?.roundingMode), input, other, options?.out);
}
/** Division rounded toward minus infinity. @example torch.floorDivide(x, 3) */
export function floorDivide(input: Tensor, other: TensorLike, options?: OutOptions): Tensor {
  return binaryOp("floorDivide", input, other, options?.out);
}
/** Power, elementwise; the exponent may be a tensor. @example torch.pow(x, 2) */
export function pow(input: Tensor | Scalar, exponent: TensorLike, options?: OutOptions): Tensor {
  if (!(input instanceof Tensor)) {
    if (!(exponent instanceof Tensor)) throw new TypeError("pow(): at least one argument must be a Tensor");
    const base = Tensor._empty([], resultTypeOf([exponent, input]), exponent.device);
    base.copy_(input);
    return binaryOp("pow", base, exponent, options?.out);
  }
  return binaryOp("pow", input, exponent, options?.out);
}
/** Python's modulus (sign of the divisor). @example torch.remainder(x, 3) */
export function remainder(input: Tensor, other: TensorLike, options?: OutOptions): Tensor {
  return binaryOp("remainder", input, other, options?.out);
}
/** C's fmod (sign of the dividend). @example torch.fmod(x, 3) */
export function fmod(input: Tensor, other: TensorLike, options?: OutOptions): Tensor {
  return binaryOp("fmod", input, other, options?.out);
}
/** Elementwise maximum (NaN propagates). @example torch.maximum(x, y) */
export function maximum(input: Tensor, other: Tensor, options?: OutOptions): Tensor {
  if (!(other instanceof Tensor)) throw new TypeError("maximum(): argument 'other' must be a Tensor");
  return binaryOp("maximum", input, other, options?.out);
}
/** Elementwise minimum (NaN propagates). @example torch.minimum(x, y) */
export function minimum(input: Tensor, other: Tensor, options?: OutOptions): Tensor {
  if (!(other instanceof Tensor)) throw new TypeError("minimum(): argument 'other' must be a Tensor");
  return binaryOp("minimum", input, other, options?.out);
}
/** Quadrant-aware arctangent of input/other. @example torch.atan2(y, x) */
export function atan2(input: Tensor, other: TensorLike, options?: OutOptions): Tensor {
  return binaryOp("atan2", input, other, options?.out);
}
/** Elementwise `==` as a bool tensor. @example torch.eq(x, 0) */
export function eq(input: Tensor, other: TensorLike, options?: OutOptions): Tensor { return binaryOp("eq", input, other, options?.out); }
/** Elementwise `!=`. @example torch.ne(x, 0) */
export function ne(input: Tensor, other: TensorLike, options?: OutOptions): Tensor { return binaryOp("ne", input, other, options?.out); }
/** Elementwise `<`. @example torch.lt(x, 0) */
export function lt(input: Tensor, other: TensorLike, options?: OutOptions): Tensor { return binaryOp("lt", input, other, options?.out); }
/** Elementwise `<=`. @example torch.le(x, 0) */
export function le(input: Tensor, other: TensorLike, options?: OutOptions): Tensor { return binaryOp("le", input, other, options?.out); }
/** Elementwise `>`. @example torch.gt(x, 0) */
export function gt(input: Tensor, other: TensorLike, options?: OutOptions): Tensor { return binaryOp("gt", input, other, options?.out); }
/** Elementwise `>=`. @example torch.ge(x, 0) */
export function ge(input: Tensor, other: TensorLike, options?: OutOptions): Tensor { return binaryOp("ge", input, other, options?.out); }
/** Elementwise logical and (nonzero is true). @example torch.logicalAnd(a, b) */
export function logicalAnd(input: Tensor, other: TensorLike, options?: OutOptions): Tensor { return binaryOp("logicalAnd", input, other, options?.out); }
/** Elementwise logical or. @example torch.logicalOr(a, b) */
export function logicalOr(input: Tensor, other: TensorLike, options?: OutOptions): Tensor { return binaryOp("logicalOr", input, other, options?.out); }
/** Elementwise logical xor. @example torch.logicalXor(a, b) */
export function logicalXor(input: Tensor, other: TensorLike, options?: OutOptions): Tensor { return binaryOp("logicalXor", input, other, options?.out); }
/** Bitwise and of integer or bool tensors. @example torch.bitwiseAnd(a, b) */
export function bitwiseAnd(input: Tensor, other: TensorLike, options?: OutOptions): Tensor { return binaryOp("bitwiseAnd", input, other, options?.out); }
/** Bitwise or. @example torch.bitwiseOr(a, b) */
export function bitwiseOr(input: Tensor, other: TensorLike, options?: OutOptions): Tensor { return binaryOp("bitwiseOr", input, other, options?.out); }
/** Bitwise xor. @example torch.bitwiseXor(a, b) */
export function bitwiseXor(input: Tensor, other: TensorLike, options?: OutOptions): Tensor { return binaryOp("bitwiseXor", input, other, options?.out); }

/** True when both tensors have the same shape and elements. @example torch.equal(a, b) */
export function equal(input: Tensor, other: Tensor): boolean {
  if (!shapeEquals(input._shape, other._shape)) return false;
  const e = binaryOp("ne", input, other);
  const v = e._flatValues();
  e.dispose();
  return !v.some((x) => x === true);
}

declare module "../tensor" {
  interface Tensor {
    /** `this + alpha * other`. @example x.add(y); x.add(1, { alpha: 2 }) */
    add(other: TensorLike, options?: AlphaOptions): Tensor;
    /** In-place add. @example y.add_(x) */
    add_(other: TensorLike, options?: { alpha?: number }): this;
    /** `this - alpha * other`. @example x.sub(1) */
    sub(other: TensorLike, options?: AlphaOptions): Tensor;
    /** In-place sub. @example x.sub_(1) */
    sub_(other: TensorLike, options?: { alpha?: number }): this;
    /** Elementwise product. @example x.mul(2) */
    mul(other: TensorLike, options?: OutOptions): Tensor;
    /** In-place mul. @example x.mul_(2) */
    mul_(other: TensorLike): this;
    /** True division or rounded division. @example x.div(2, { roundingMode: "trunc" }) */
    div(other: TensorLike, options?: DivOptions): Tensor;
    /** In-place div. @example x.div_(2) */
    div_(other: TensorLike, options?: { roundingMode?: "trunc" | "floor" | null }): this;
    /** Floor division. @example x.floorDivide(2) */
    floorDivide(other: TensorLike, options?: OutOptions): Tensor;
    /** In-place floor division. @example x.floorDivide_(2) */
    floorDivide_(other: TensorLike): this;
    /** Power. @example x.pow(2) */
    pow(exponent: TensorLike, options?: OutOptions): Tensor;
    /** In-place power. @example x.pow_(2) */
    pow_(exponent: TensorLike): this;
    /** Python-style modulus. @example x.remainder(2) */
    remainder(other: TensorLike, options?: OutOptions): Tensor;
    /** In-place remainder. @example x.remainder_(2) */
    remainder_(other: TensorLike): this;
    /** C-style fmod. @example x.fmod(2) */
    fmod(other: TensorLike, options?: OutOptions): Tensor;
    /** Elementwise maximum. @example x.maximum(y) */
    maximum(other: Tensor, options?: OutOptions): Tensor;
    /** Elementwise minimum. @example x.minimum(y) */
    minimum(other: Tensor, options?: OutOptions): Tensor;
    /** atan2(this, other). @example y.atan2(x) */
    atan2(other: TensorLike, options?: OutOptions): Tensor;
    /** In-place atan2. @example y.atan2_(x) */
    atan2_(other: TensorLike): this;
    /** `==`. @example x.eq(0) */
    eq(other: TensorLike): Tensor;
    /** `!=`. @example x.ne(0) */
    ne(other: TensorLike): Tensor;
    /** `<`. @example x.lt(0) */
    lt(other: TensorLike): Tensor;
    /** `<=`. @example x.le(0) */
    le(other: TensorLike): Tensor;
    /** `>`. @example x.gt(0) */
    gt(other: TensorLike): Tensor;
    /** `>=`. @example x.ge(0) */
    ge(other: TensorLike): Tensor;
    /** Logical and. @example m.logicalAnd(n) */
    logicalAnd(other: TensorLike): Tensor;
    /** Logical or. @example m.logicalOr(n) */
    logicalOr(other: TensorLike): Tensor;
    /** Logical xor. @example m.logicalXor(n) */
    logicalXor(other: TensorLike): Tensor;
    /** Bitwise and. @example a.bitwiseAnd(b) */
    bitwiseAnd(other: TensorLike): Tensor;
    /** Bitwise or. @example a.bitwiseOr(b) */
    bitwiseOr(other: TensorLike): Tensor;
    /** Bitwise xor. @example a.bitwiseXor(b) */
    bitwiseXor(other: TensorLike): Tensor;
    /** Same shape and same elements. @example x.equal(y) */
    equal(other: Tensor): boolean;
  }
}

const P = Tensor.prototype;
P.add = function (this: Tensor, o: TensorLike, opt?: AlphaOptions) { return add(this, o, opt); };
P.add_ = function (this: Tensor, o: TensorLike, opt?: { alpha?: number }) { binaryOp("add", this, scaled(o, opt?.alpha, this), undefined, true); return this; };
P.sub = function (this: Tensor, o: TensorLike, opt?: AlphaOptions) { return sub(this, o, opt); };
P.sub_ = function (this: Tensor, o: TensorLike, opt?: { alpha?: number }) { binaryOp("sub", this, scaled(o, opt?.alpha, this), undefined, true); return this; };
P.mul = function (this: Tensor, o: TensorLike, opt?: OutOptions) { return mul(this, o, opt); };
P.mul_ = function (this: Tensor, o: TensorLike) { binaryOp("mul", this, o, undefined, true); return this; };
P.div = function (this: Tensor, o: TensorLike, opt?: DivOptions) { return div(this, o, opt); };
P.div_ = function (this: Tensor, o: TensorLike, opt?: { roundingMode?: "trunc" | "floor" | null }) { binaryOp(divName(opt?.roundingMode), this, o, undefined, true); return this; };
P.floorDivide = function (this: Tensor, o: TensorLike, opt?: OutOptions) { return floorDivide(this, o, opt); };
P.floorDivide_ = function (this: Tensor, o: TensorLike) { binaryOp("floorDivide", this, o, undefined, true); return this; };
P.pow = function (this: Tensor, o: TensorLike, opt?: OutOptions) { return pow(this, o, opt); };
P.pow_ = function (this: Tensor, o: TensorLike) { binaryOp("pow", this, o, undefined, true); return this; };
P.remainder = function (this: Tensor, o: TensorLike, opt?: OutOptions) { return remainder(this, o, opt); };
P.remainder_ = function (this: Tensor, o: TensorLike) { binaryOp("remainder", this, o, undefined, true); return this; };
P.fmod = function (this: Tensor, o: TensorLike, opt?: OutOptions) { return fmod(this, o, opt); };
P.maximum = function (this: Tensor, o: Tensor, opt?: OutOptions) { return maximum(this, o, opt); };
P.minimum = function (this: Tensor, o: Tensor, opt?: OutOptions) { return minimum(this, o, opt); };
P.atan2 = function (this: Tensor, o: TensorLike, opt?: OutOptions) { return atan2(this, o, opt); };
P.atan2_ = function (this: Tensor, o: TensorLike) { binaryOp("atan2", this, o, undefined, true); return this; };
P.eq = function (this: Tensor, o: TensorLike) { return binaryOp("eq", this, o); };
P.ne = function (this: Tensor, o: TensorLike) { return binaryOp("ne", this, o); };
P.lt = function (this: Tensor, o: TensorLike) { return binaryOp("lt", this, o); };
P.le = function (this: Tensor, o: TensorLike) { return binaryOp("le", this, o); };
P.gt = function (this: Tensor, o: TensorLike) { return binaryOp("gt", this, o); };
P.ge = function (this: Tensor, o: TensorLike) { return binaryOp("ge", this, o); };
P.logicalAnd = function (this: Tensor, o: TensorLike) { return binaryOp("logicalAnd", this, o); };
P.logicalOr = function (this: Tensor, o: TensorLike) { return binaryOp("logicalOr", this, o); };
P.logicalXor = function (this: Tensor, o: TensorLike) { return binaryOp("logicalXor", this, o); };
P.bitwiseAnd = function (this: Tensor, o: TensorLike) { return binaryOp("bitwiseAnd", this, o); };
P.bitwiseOr = function (this: Tensor, o: TensorLike) { return binaryOp("bitwiseOr", this, o); };
P.bitwiseXor = function (this: Tensor, o: TensorLike) { return binaryOp("bitwiseXor", this, o); };
P.equal = function (this: Tensor, o: Tensor) { return equal(this, o); };

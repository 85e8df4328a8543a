/**
 * Unary elementwise ops. Float-only math on integer tensors computes in the
 * default float dtype, as PyTorch does (`torch.exp(intTensor)` is float32).
 */
import { DTYPE_CODES, DType, getDefaultDtype, isFloatingPoint, scalarTypeName } from "../dtype";
import { backendFor } from "../dispatch";
import { writeIter } from "../iter";
import { fmtShape, shapeEquals } from "../shape";
import { Tensor } from "../tensor";
import { canCast, OutOptions } from "./binary";
import { isGradEnabled } from "../autograd/grad_mode";
import { unaryGrad } from "../autograd/unary";
import { bumpVersion, checkNoInternalOverlap, copyInto } from "./copy";
import { castForImpl, implDtype } from "./half";

/** @internal codes of native/src/cpu/unary.h */
export const UNARY_OPS = {
  neg: 0, abs: 1, sign: 2, exp: 3, expm1: 4, log: 5, log1p: 6, log2: 7, sqrt: 8, rsqrt: 9,
  sin: 10, cos: 11, tan: 12, tanh: 13, sigmoid: 14, relu: 15, floor: 16, ceil: 17, round: 18, reciprocal: 19,
  erf: 20, logicalNot: 21, isnan: 22, isinf: 23, square: 24, bitwiseNot: 25, trunc: 26, asin: 27, acos: 28, atan: 29,
  sinh: 30, cosh: 31, log10: 32, exp2: 33, isfinite: 34, frac: 35,
} as const;
type UnaryName = keyof typeof UNARY_OPS;

// Ops that keep integer dtypes; the rest promote integers to float.
const INTEGRAL_OK = new Set<UnaryName>(["neg", "abs", "sign", "relu", "floor", "ceil", "round", "trunc", "square", "bitwiseNot", "logicalNot", "isnan", "isinf", "isfinite"]);
const PREDICATES = new Set<UnaryName>(["logicalNot", "isnan", "isinf", "isfinite"]);

/** @internal */
export function unaryOp(name: UnaryName, x: Tensor, out?: Tensor, inplace = false): Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`${name}(): argument 'input' must be a Tensor, but got ${typeof x}`);
  if (x._requiresGrad && isGradEnabled()) return unaryGrad(name, x, out, inplace);
  let compute: DType = x.dtype;
  if (!INTEGRAL_OK.has(name) && !isFloatingPoint(compute)) compute = getDefaultDtype();
  if (name === "bitwiseNot" && isFloatingPoint(compute)) throw new TypeError(`"bitwise_not_cpu" not implemented for '${scalarTypeName(compute)}'`);
  if (name === "neg" && compute === "bool")
    throw new TypeError("Negation, the `-` operator, on a bool tensor is not supported. If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.");
  if (compute === "bool" && (name === "abs" || name === "relu" || name === "floor" || name === "ceil" || name === "round" || name === "trunc" || name === "square" || name === "frac"))
    throw new TypeError(`"${name}_cpu" not implemented for 'Bool'`);
  const resultDtype: DType = PREDICATES.has(name) ? "bool" : compute;
  // Note [16-bit floats] (ops/half.ts): the impl may run in float32 for a 16-bit compute dtype.
  const impl = implDtype(compute, x.device, "elementwise");
  const implResult: DType = resultDtype === "bool" ? "bool" : impl;
  if (out !== undefined && !inplace && INTEGRAL_OK.has(name) && !PREDICATES.has(name) && out.dtype !== resultDtype)
    throw new TypeError(`Found dtype ${out.dtype} but expected ${resultDtype}`);
  if (inplace) out = x;
  let target: Tensor;
  if (out !== undefined) {
    if (!shapeEquals(out._shape, x._shape)) throw new Error(`${name}(): out has shape ${fmtShape(out._shape)} but the result has shape ${fmtShape(x._shape)}`);
    if (!canCast(resultDtype, out.dtype)) throw new TypeError(`result type ${resultDtype} can't be cast to the desired output type ${out.dtype}`);
    checkNoInternalOverlap(out);
    target = out.dtype === resultDtype && implResult === resultDtype ? out : Tensor._empty(x._shape.slice(), implResult, x.device);
  } else {
    target = Tensor._empty(x._shape.slice(), implResult, x.device);
  }
  const xc = castForImpl(x, compute, impl);
  const ob = target._live(), ib = xc._live();
  writeIter(x._shape, [target, xc]);
  backendFor(x.device).unary(UNARY_OPS[name], DTYPE_CODES[impl], ob, ib);
  if (impl !== compute && xc !== x) xc.dispose();
  let result = target;
  // Rounded to the 16-bit dtype here unless copying into out rounds it the same way.
  if (implResult !== resultDtype && (out === undefined || out.dtype !== resultDtype)) {
    result = Tensor._empty(x._shape.slice(), resultDtype, x.device);
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

/** @example torch.neg(x) */ export function neg(x: Tensor, o?: OutOptions): Tensor { return unaryOp("neg", x, o?.out); }
/** @example torch.abs(x) */ export function abs(x: Tensor, o?: OutOptions): Tensor { return unaryOp("abs", x, o?.out); }
/** -1, 0 or 1 by sign. @example torch.sign(x) */ export function sign(x: Tensor, o?: OutOptions): Tensor { return unaryOp("sign", x, o?.out); }
/** @example torch.exp(x) */ export function exp(x: Tensor, o?: OutOptions): Tensor { return unaryOp("exp", x, o?.out); }
/** exp(x) - 1, accurate near 0. @example torch.expm1(x) */ export function expm1(x: Tensor, o?: OutOptions): Tensor { return unaryOp("expm1", x, o?.out); }
/** Natural log. @example torch.log(x) */ export function log(x: Tensor, o?: OutOptions): Tensor { return unaryOp("log", x, o?.out); }
/** log(1 + x), accurate near 0. @example torch.log1p(x) */ export function log1p(x: Tensor, o?: OutOptions): Tensor { return unaryOp("log1p", x, o?.out); }
/** @example torch.log2(x) */ export function log2(x: Tensor, o?: OutOptions): Tensor { return unaryOp("log2", x, o?.out); }
/** @example torch.log10(x) */ export function log10(x: Tensor, o?: OutOptions): Tensor { return unaryOp("log10", x, o?.out); }
/** @example torch.sqrt(x) */ export function sqrt(x: Tensor, o?: OutOptions): Tensor { return unaryOp("sqrt", x, o?.out); }
/** 1 / sqrt(x). @example torch.rsqrt(x) */ export function rsqrt(x: Tensor, o?: OutOptions): Tensor { return unaryOp("rsqrt", x, o?.out); }
/** @example torch.sin(x) */ export function sin(x: Tensor, o?: OutOptions): Tensor { return unaryOp("sin", x, o?.out); }
/** @example torch.cos(x) */ export function cos(x: Tensor, o?: OutOptions): Tensor { return unaryOp("cos", x, o?.out); }
/** @example torch.tan(x) */ export function tan(x: Tensor, o?: OutOptions): Tensor { return unaryOp("tan", x, o?.out); }
/** @example torch.asin(x) */ export function asin(x: Tensor, o?: OutOptions): Tensor { return unaryOp("asin", x, o?.out); }
/** @example torch.acos(x) */ export function acos(x: Tensor, o?: OutOptions): Tensor { return unaryOp("acos", x, o?.out); }
/** @example torch.atan(x) */ export function atan(x: Tensor, o?: OutOptions): Tensor { return unaryOp("atan", x, o?.out); }
/** @example torch.sinh(x) */ export function sinh(x: Tensor, o?: OutOptions): Tensor { return unaryOp("sinh", x, o?.out); }
/** @example torch.cosh(x) */ export function cosh(x: Tensor, o?: OutOptions): Tensor { return unaryOp("cosh", x, o?.out); }
/** @example torch.tanh(x) */ export function tanh(x: Tensor, o?: OutOptions): Tensor { return unaryOp("tanh", x, o?.out); }
/** 1 / (1 + exp(-x)). @example torch.sigmoid(x) */ export function sigmoid(x: Tensor, o?: OutOptions): Tensor { return unaryOp("sigmoid", x, o?.out); }
/** max(x, 0). @example torch.relu(x) */ export function relu(x: Tensor, o?: OutOptions): Tensor { return unaryOp("relu", x, o?.out); }
/** @example torch.floor(x) */ export function floor(x: Tensor, o?: OutOptions): Tensor { return unaryOp("floor", x, o?.out); }
/** @example torch.ceil(x) */ export function ceil(x: Tensor, o?: OutOptions): Tensor { return unaryOp("ceil", x, o?.out); }
/** Round half to even. @example torch.round(x) */ export function round(x: Tensor, o?: OutOptions): Tensor { return unaryOp("round", x, o?.out); }
/** Round toward zero. @example torch.trunc(x) */ export function trunc(x: Tensor, o?: OutOptions): Tensor { return unaryOp("trunc", x, o?.out); }
/** x - trunc(x). @example torch.frac(x) */ export function frac(x: Tensor, o?: OutOptions): Tensor { return unaryOp("frac", x, o?.out); }
/** 1 / x. @example torch.reciprocal(x) */ export function reciprocal(x: Tensor, o?: OutOptions): Tensor { return unaryOp("reciprocal", x, o?.out); }
/** Gauss error function. @example torch.erf(x) */ export function erf(x: Tensor, o?: OutOptions): Tensor { return unaryOp("erf", x, o?.out); }
/** x * x. @example torch.square(x) */ export function square(x: Tensor, o?: OutOptions): Tensor { return unaryOp("square", x, o?.out); }
/** @example torch.exp2(x) */ export function exp2(x: Tensor, o?: OutOptions): Tensor { return unaryOp("exp2", x, o?.out); }
/** Elementwise not (zero is false). @example torch.logicalNot(mask) */ export function logicalNot(x: Tensor, o?: OutOptions): Tensor { return unaryOp("logicalNot", x, o?.out); }
/** Bitwise not (`~`). @example torch.bitwiseNot(mask) */ export function bitwiseNot(x: Tensor, o?: OutOptions): Tensor { return unaryOp("bitwiseNot", x, o?.out); }
/** @example torch.isnan(x) */ export function isnan(x: Tensor): Tensor { return unaryOp("isnan", x); }
/** @example torch.isinf(x) */ export function isinf(x: Tensor): Tensor { return unaryOp("isinf", x); }
/** @example torch.isfinite(x) */ export function isfinite(x: Tensor): Tensor { return unaryOp("isfinite", x); }

type InplaceUnary = "neg" | "abs" | "sign" | "exp" | "expm1" | "log" | "log1p" | "log2" | "log10" | "sqrt" | "rsqrt" | "sin" | "cos" | "tan" | "asin" | "acos" | "atan" | "sinh" | "cosh" | "tanh" | "sigmoid" | "relu" | "floor" | "ceil" | "round" | "trunc" | "frac" | "reciprocal" | "erf" | "square" | "exp2" | "logicalNot" | "bitwiseNot";

/** Methods `x.exp()`, and in-place `x.exp_()`, for every unary op above. */
type UnaryMethods = { [K in InplaceUnary]: () => Tensor } & { [K in InplaceUnary as `${K}_`]: () => Tensor };

declare module "../tensor" {
  // eslint-disable-next-line @typescript-eslint/no-empty-interface
  interface Tensor extends UnaryMethods {
    /** Elementwise NaN test. @example x.isnan() */
    isnan(): Tensor;
    /** Elementwise infinity test. @example x.isinf() */
    isinf(): Tensor;
    /** Elementwise finiteness test. @example x.isfinite() */
    isfinite(): Tensor;
    /** Same as abs. @example x.absolute() */
    absolute(): Tensor;
    /** Same as neg. @example x.negative() */
    negative(): Tensor;
  }
}

const INPLACE: InplaceUnary[] = ["neg", "abs", "sign", "exp", "expm1", "log", "log1p", "log2", "log10", "sqrt", "rsqrt", "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "sigmoid", "relu", "floor", "ceil", "round", "trunc", "frac", "reciprocal", "erf", "square", "exp2", "logicalNot", "bitwiseNot"];
const proto = Tensor.prototype as unknown as Record<string, (this: Tensor) => Tensor>;
for (const name of INPLACE) {
  proto[name] = function (this: Tensor) { return unaryOp(name, this); };
  proto[`${name}_`] = function (this: Tensor) {
    unaryOp(name, this, undefined, true);
    return this;
  };
}
proto.isnan = function (this: Tensor) { return unaryOp("isnan", this); };
proto.isinf = function (this: Tensor) { return unaryOp("isinf", this); };
proto.isfinite = function (this: Tensor) { return unaryOp("isfinite", this); };
proto.absolute = function (this: Tensor) { return unaryOp("abs", this); };
proto.negative = function (this: Tensor) { return unaryOp("neg", this); };

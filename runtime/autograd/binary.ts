/**
 * Gradient formulas of the binary elementwise ops (derivatives.yaml's
 * entries for add, sub, mul, div, pow, maximum, ...). Gradients come back in
 * the broadcast shape; the engine sums them to each input's shape.
 */
import { isFloatingPoint } from "../dtype";
import { Tensor } from "../tensor";
import type { TensorLike } from "../ops/binary";
import { binaryOp } from "../ops/binary";
import { applyInplace, forbidOut, raw } from "./function";
import { BackwardFn, record } from "./node";

type Name = Parameters<typeof binaryOp>[0];

const NAMES: Partial<Record<Name, string>> = {
  add: "AddBackward", sub: "SubBackward", mul: "MulBackward", div: "DivBackward", pow: "PowBackward",
  maximum: "MaximumBackward", minimum: "MinimumBackward", atan2: "Atan2Backward", remainder: "RemainderBackward",
  fmod: "FmodBackward", floorDivide: "DivBackward", truncDivide: "DivBackward",
};

function formula(name: Name, bIsTensor: boolean, b: TensorLike): BackwardFn | null {
  switch (name) {
    case "add": return ([g]) => [g, bIsTensor ? g : null];
    case "sub": return ([g], _s, needs) => [g, bIsTensor && needs[1] ? g.neg() : null];
    case "mul":
      if (!bIsTensor) return ([g]) => [g.mul(b)];
      return ([g], [x, y], needs) => [needs[0] ? g.mul(y) : null, needs[1] ? g.mul(x) : null];
    case "div":
      if (!bIsTensor) return ([g]) => [g.div(b)];
      return ([g], [x, y], needs) => [needs[0] ? g.div(y) : null, needs[1] ? g.neg().mul(x).div(y.mul(y)) : null];
    case "pow":
      if (!bIsTensor) {
        const e = Number(b);
        return ([g], [x]) => [e === 0 ? g.mul(0) : g.mul(x.pow(e - 1).mul(e))];
      }
      return ([g], [x, y, r], needs) => [
        needs[0] ? g.mul(y.mul(x.pow(y.sub(1))).maskedFill(y.eq(0), 0)) : null,
        needs[1] ? g.mul(r.mul(x.log()).maskedFill(x.eq(0).logicalAnd(y.ge(0)), 0)) : null,
      ];
    case "maximum":
    case "minimum": {
      const lose = name === "maximum" ? "lt" : "gt";
      const win = name === "maximum" ? "gt" : "lt";
      return ([g], [x, y], needs) => {
        const half = g.where(x.ne(y), g.div(2));
        return [needs[0] ? half.maskedFill(x[lose](y), 0) : null, needs[1] ? half.maskedFill(x[win](y), 0) : null];
      };
    }
    case "atan2":
      if (!bIsTensor) {
        const c = Number(b);
        return ([g], [x]) => [g.mul(c).div(x.mul(x).add(c * c))];
      }
      return ([g], [x, y], needs) => {
        const d = x.mul(x).add(y.mul(y));
        return [needs[0] ? g.mul(y).div(d) : null, needs[1] ? g.neg().mul(x).div(d) : null];
      };
    case "remainder":
    case "fmod":
      if (!bIsTensor) return ([g]) => [g];
      return ([g], [x, y], needs) => [g, needs[1] ? g.neg().mul(x.div(y, { roundingMode: name === "fmod" ? "trunc" : "floor" })) : null];
    case "floorDivide":
    case "truncDivide":
      return ([g]) => [g.mul(0), bIsTensor ? g.mul(0) : null];
    default:
      return null;
  }
}

/** @internal binaryOp when an operand requires grad */
export function binaryGrad(name: Name, a: Tensor, b: TensorLike, out: Tensor | undefined, inplace: boolean): Tensor {
  if (out !== undefined && !inplace) forbidOut(name);
  if (inplace) return applyInplace(a, () => binaryGrad(name, a, b, undefined, false));
  const r = raw(() => binaryOp(name, a, b));
  if (!isFloatingPoint(r.dtype)) return r;
  const bt = b instanceof Tensor;
  const fn = formula(name, bt, b);
  if (fn === null) return r;
  // Python wraps scalar operands as tensors, so PyTorch names most ops' nodes
  // by the tensor overload; remainder/fmod/pow keep a scalar overload.
  let nodeName = `${NAMES[name]}0`;
  if (name === "remainder" || name === "fmod" || name === "pow") nodeName = `${NAMES[name]}${bt ? "1" : "0"}`;
  else if (name === "floorDivide" || name === "truncDivide") nodeName = "DivBackward2";  // div with a rounding mode
  let saved: Tensor[] | undefined;
  if (name === "mul" || name === "div" || name === "maximum" || name === "minimum" || name === "atan2" || name === "remainder" || name === "fmod") {
    saved = bt ? [a, b as Tensor] : name === "mul" || name === "div" || name === "remainder" || name === "fmod" ? undefined : [a];
  } else if (name === "pow") {
    saved = bt ? [a, b as Tensor, r] : [a];
  }
  record(nodeName, bt ? [a, b as Tensor] : [a], r, fn, saved);
  return r;
}

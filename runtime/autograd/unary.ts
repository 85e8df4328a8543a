/** Gradient formulas of the unary elementwise ops. */
import { isFloatingPoint } from "../dtype";
import { Tensor } from "../tensor";
import { unaryOp } from "../ops/unary";
import { applyInplace, forbidOut, raw } from "./function";
import { BackwardFn, record } from "./node";

type Name = Parameters<typeof unaryOp>[0];

// [node name, formula, saves: "x" input, "r" result]
type Entry = [string, BackwardFn, "x" | "r" | ""];
const LN2 = Math.LN2, LN10 = Math.LN10, TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);
const zero: BackwardFn = ([g]) => [g.mul(0)];

const F: Partial<Record<Name, Entry>> = {
  neg: ["NegBackward0", ([g]) => [g.neg()], ""],
  abs: ["AbsBackward0", ([g], [x]) => [g.mul(x.sign())], "x"],
  sign: ["SignBackward0", zero, ""],
  exp: ["ExpBackward0", ([g], [r]) => [g.mul(r)], "r"],
  expm1: ["Expm1Backward0", ([g], [r]) => [g.mul(r.add(1))], "r"],
  log: ["LogBackward0", ([g], [x]) => [g.div(x)], "x"],
  log1p: ["Log1PBackward0", ([g], [x]) => [g.div(x.add(1))], "x"],
  log2: ["Log2Backward0", ([g], [x]) => [g.div(x.mul(LN2))], "x"],
  log10: ["Log10Backward0", ([g], [x]) => [g.div(x.mul(LN10))], "x"],
  sqrt: ["SqrtBackward0", ([g], [r]) => [g.div(r.mul(2))], "r"],
  rsqrt: ["RsqrtBackward0", ([g], [r]) => [g.mul(r.pow(3)).mul(-0.5)], "r"],
  sin: ["SinBackward0", ([g], [x]) => [g.mul(x.cos())], "x"],
  cos: ["CosBackward0", ([g], [x]) => [g.mul(x.sin().neg())], "x"],
  tan: ["TanBackward0", ([g], [r]) => [g.mul(r.mul(r).add(1))], "r"],
  asin: ["AsinBackward0", ([g], [x]) => [g.div(x.mul(x).neg().add(1).sqrt())], "x"],
  acos: ["AcosBackward0", ([g], [x]) => [g.neg().div(x.mul(x).neg().add(1).sqrt())], "x"],
  atan: ["AtanBackward0", ([g], [x]) => [g.div(x.mul(x).add(1))], "x"],
  sinh: ["SinhBackward0", ([g], [x]) => [g.mul(x.cosh())], "x"],
  cosh: ["CoshBackward0", ([g], [x]) => [g.mul(x.sinh())], "x"],
  tanh: ["TanhBackward0", ([g], [r]) => [g.mul(r.mul(r).neg().add(1))], "r"],
  sigmoid: ["SigmoidBackward0", ([g], [r]) => [g.mul(r.mul(r.neg().add(1)))], "r"],
  relu: ["ReluBackward0", ([g], [r]) => [g.mul(r.gt(0))], "r"],
  floor: ["FloorBackward0", zero, ""],
  ceil: ["CeilBackward0", zero, ""],
  round: ["RoundBackward0", zero, ""],
  trunc: ["TruncBackward0", zero, ""],
  frac: ["FracBackward0", ([g]) => [g], ""],
  reciprocal: ["ReciprocalBackward0", ([g], [r]) => [g.mul(r.mul(r)).neg()], "r"],
  erf: ["ErfBackward0", ([g], [x]) => [g.mul(x.mul(x).neg().exp().mul(TWO_OVER_SQRT_PI))], "x"],
  square: ["PowBackward0", ([g], [x]) => [g.mul(x.mul(2))], "x"],
  exp2: ["Exp2Backward0", ([g], [r]) => [g.mul(r.mul(LN2))], "r"],
};

/** @internal unaryOp when the input requires grad */
export function unaryGrad(name: Name, x: Tensor, out: Tensor | undefined, inplace: boolean): Tensor {
  if (out !== undefined && !inplace) forbidOut(name);
  if (inplace) return applyInplace(x, () => unaryGrad(name, x, undefined, false));
  const r = raw(() => unaryOp(name, x));
  const e = F[name];
  if (e === undefined || !isFloatingPoint(r.dtype)) return r;
  record(e[0], [x], r, e[1], e[2] === "x" ? [x] : e[2] === "r" ? [r] : undefined);
  return r;
}

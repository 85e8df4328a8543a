// Autograd against PyTorch (values, gradients, node names from
// fixtures/autograd.json) and against central finite differences.
import { readFileSync } from "fs";
import { join } from "path";
import { describe, expect, test } from "@jest/globals";
import * as torch from "../runtime/index";
import type { Tensor } from "../runtime/index";

const fixture = JSON.parse(readFileSync(join(__dirname, "fixtures", "autograd.json"), "utf8")) as { cases: Case[] };

interface Enc { shape: number[]; dtype: string; values: number[] }
interface Case {
  name: string; op: string; args: Record<string, unknown>; positive: boolean;
  inputs: Enc[]; out: Enc; w: Enc; grads: Array<Enc | null>; gradFn: string | null;
}

const dec = (e: Enc, requiresGrad = false): Tensor =>
  torch.tensor(e.values, { dtype: "float64" }).reshape(e.shape).requiresGrad_(requiresGrad);

type OpFn = (xs: Tensor[], a: Record<string, any>) => Tensor; // eslint-disable-line @typescript-eslint/no-explicit-any
const u = (name: string): OpFn => ([x]) => (x as unknown as Record<string, () => Tensor>)[name]();
const OPS: Record<string, OpFn> = {
  add: ([a, b]) => a.add(b), sub: ([a, b]) => a.sub(b), mul: ([a, b]) => a.mul(b), div: ([a, b]) => a.div(b),
  maximum: ([a, b]) => a.maximum(b), minimum: ([a, b]) => a.minimum(b), atan2: ([a, b]) => a.atan2(b),
  add_alpha: ([a, b], o) => a.add(b, { alpha: o.alpha }), pow: ([a, b]) => a.pow(b), pow_scalar: ([a], o) => a.pow(o.e),
  mul_scalar: ([a], o) => a.mul(o.s), div_scalar: ([a], o) => a.div(o.s), sub_scalar: ([a], o) => a.sub(o.s),
  atan2_scalar: ([a], o) => a.atan2(o.s),
  remainder: ([a, b]) => a.remainder(b), fmod: ([a, b]) => a.fmod(b),
  asin: ([a]) => a.div(2).asin(), acos: ([a]) => a.div(2).acos(),
  view: ([a], o) => a.view(o.shape).mul(1), reshape_t: ([a]) => a.t().reshape(-1).mul(1),
  transpose: ([a]) => a.transpose(0, 2).mul(1), permute: ([a]) => a.permute(2, 0, 1).mul(1),
  expand: ([a]) => a.expand(2, 3, 4).mul(1), narrow: ([a]) => a.narrow(1, 1, 3).mul(1), select: ([a]) => a.select(0, -2).mul(1),
  slice: ([a]) => a.slice(0, 1, null, 2).mul(1), unsqueeze: ([a]) => a.unsqueeze(1).mul(1), squeeze: ([a]) => a.squeeze().mul(1),
  flatten: ([a]) => a.flatten(1).mul(1),
  split: ([a]) => torch.cat(a.split(2).map((p, i) => p.mul(i + 1))),
  unbind: ([a]) => torch.stack(a.unbind(0).map((p, i) => p.mul(i + 1))),
  sum: ([a]) => a.sum(), sum_dim: ([a], o) => a.sum(o.dim, { keepdim: o.keepdim }), mean: ([a]) => a.mean(),
  mean_dim: ([a], o) => a.mean(o.dim, { keepdim: o.keepdim }), prod: ([a]) => a.prod(), prod_dim: ([a], o) => a.prod(o.dim),
  amax: ([a], o) => a.amax(o.dim), max_all: ([a]) => a.max(), max_dim: ([a], o) => a.max(o.dim).values,
  min_dim_keep: ([a], o) => a.min(o.dim, { keepdim: true }).values, var: ([a]) => a.var(),
  var_dim: ([a], o) => a.var(o.dim, { unbiased: false }), std: ([a]) => a.std(0), logsumexp: ([a], o) => a.logsumexp(o.dim),
  norm: ([a]) => a.norm(), norm_p: ([a], o) => a.norm(o.p, o.dim),
  mm: ([a, b]) => a.mm(b), bmm: ([a, b]) => a.bmm(b), mv: ([a, b]) => a.mv(b), dot: ([a, b]) => a.dot(b),
  matmul: ([a, b]) => a.matmul(b), outer: ([a, b]) => a.outer(b),
  addmm: ([b, m1, m2]) => torch.addmm(b, m1, m2), addmm_ba: ([b, m1, m2], o) => torch.addmm(b, m1, m2, { beta: o.beta, alpha: o.alpha }),
  clone: ([a]) => a.clone(), to_float32: ([a]) => a.to("float32").mul(2), contiguous: ([a]) => a.t().contiguous(),
};
for (const name of ["neg", "abs", "exp", "expm1", "sin", "cos", "tan", "atan", "sinh", "cosh", "tanh", "sigmoid", "relu", "erf",
  "square", "exp2", "frac", "floor", "log", "log1p", "log2", "log10", "sqrt", "rsqrt", "reciprocal"]) OPS[name] = u(name);

function close(got: Tensor, want: Enc, what: string, rtol = 1e-7, atol = 1e-9): void {
  expect([what, got.shape]).toEqual([what, want.shape]);
  const g = got.double().reshape(-1).tolist() as number[];
  g.forEach((v, i) => {
    const w = want.values[i];
    if (!(Math.abs(v - w) <= atol + rtol * Math.abs(w))) throw new Error(`${what}[${i}]: got ${v}, PyTorch ${w}`);
  });
}

const cases = fixture.cases;

describe("gradients match PyTorch", () => {
  test.each(cases.map((c) => [c.name, c] as const))("%s", (_n, c) => {
    const xs = c.inputs.map((e) => dec(e, true));
    const out = OPS[c.op](xs, c.args);
    const tol = c.op === "to_float32" ? 1e-6 : 1e-7;
    close(out, c.out, "out", tol);
    expect(out.gradFn?.name() ?? null).toBe(c.gradFn);
    out.mul(dec(c.w).to(out.dtype)).sum().backward();
    c.grads.forEach((g, i) => {
      if (g === null) expect(xs[i].grad).toBeNull();
      else close(xs[i].grad!, g, `grad ${i}`, tol);
    });
  });
});

describe("gradients match finite differences", () => {
  const skip = new Set(["floor", "frac", "max_all", "amax", "max_dim", "min_dim_keep", "to_float32", "maximum", "minimum", "remainder", "fmod"]);
  test.each(cases.filter((c) => !skip.has(c.op)).map((c) => [c.name, c] as const))("%s", (_n, c) => {
    const xs = c.inputs.map((e) => dec(e, true));
    expect(torch.autograd.gradcheck((...ts: Tensor[]) => OPS[c.op](ts, c.args), xs)).toBe(true);
  });
});

describe("second derivatives match finite differences", () => {
  const ops = ["mul", "div", "pow", "exp", "log", "tanh", "sigmoid", "sqrt", "mm", "sum_dim", "mean", "logsumexp", "narrow", "select", "expand", "var", "norm"];
  test.each(cases.filter((c) => ops.includes(c.op)).map((c) => [c.name, c] as const))("%s", (_n, c) => {
    const xs = c.inputs.map((e) => dec(e, true));
    expect(torch.autograd.gradgradcheck((...ts: Tensor[]) => OPS[c.op](ts, c.args), xs)).toBe(true);
  });
});

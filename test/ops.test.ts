// Checks torchlab's ops against results recorded from PyTorch 1.13 by
// test/fixtures/gen_ops.py (see its docstring for the fixture format).
// Every case rebuilds its inputs with the recorded layout (transposed, sliced,
// offset, expanded views of a base) so non-contiguous paths run, calls the op
// through the OPS table below (keys match PY_OPS in gen_ops.py), and compares
// dtype (exactly), shape and values; error cases must throw a JS Error.
import { readFileSync } from "fs";
import { join } from "path";
import { types } from "util";
import { describe, expect, it } from "@jest/globals";
import * as torch from "../runtime/index";
import type { Tensor } from "../runtime/index";
import {
  EncodedInput, EncodedTensor, Tolerance, buildInput, compareTensor, decodeScalar,
} from "./helpers";

type Expected =
  | { error: true; message: string }
  | ({ kind: "tensor" } & EncodedTensor & Extras)
  | ({ kind: "vi"; values: EncodedTensor; indices: EncodedTensor } & Extras)
  | ({ kind: "list"; items: EncodedTensor[] } & Extras);

interface Extras {
  error?: undefined;
  /** the base of input `input` after the op (in-place writes through views) */
  bases?: Array<{ input: number } & EncodedTensor>;
  /** the op returns input `sameAs` itself */
  sameAs?: number;
}

interface OpCase {
  name: string;
  op: string;
  inputs: EncodedInput[];
  args: Args;
  expected: Expected;
  tol?: Tolerance;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Args = Record<string, any>;
type Result = Tensor | { values: Tensor; indices: Tensor } | Tensor[];
type OpFn = (ins: Tensor[], a: Args) => Result;

/**
 * Cases that currently fail because of a known bug in runtime/ or native/.
 * Each one is still run and must STILL fail; when a fix lands the test says
 * so and the entry must be removed. Prefer reporting over adding here.
 */
const KNOWN_FAILURES: ReadonlySet<string> = new Set<string>([]);

const cases: OpCase[] = JSON.parse(readFileSync(join(__dirname, "fixtures", "ops.json"), "utf8"));

// ---------------------------------------------------------------------------
// op table
// ---------------------------------------------------------------------------

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const T = torch as any;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const M = (t: Tensor): any => t;

/** With args.out the last input is the out tensor. */
function splitOut(ins: Tensor[], a: Args): [Tensor[], { out?: Tensor }] {
  return a.out ? [ins.slice(0, -1), { out: ins[ins.length - 1] }] : [ins, {}];
}

function other(ins: Tensor[], a: Args): Tensor | number | boolean {
  return "other" in a ? decodeScalar(a.other) : ins[1];
}

function binOpts(a: Args): Args {
  const o: Args = {};
  if ("alpha" in a) o.alpha = a.alpha;
  if ("roundingMode" in a) o.roundingMode = a.roundingMode;
  return o;
}

const BINARY = [
  "add", "sub", "mul", "div", "floorDivide", "pow", "remainder", "fmod", "maximum", "minimum", "atan2",
  "eq", "ne", "lt", "le", "gt", "ge", "logicalAnd", "logicalOr", "logicalXor",
];
const UNARY = [
  "neg", "abs", "sign", "exp", "expm1", "log", "log1p", "log2", "sqrt", "rsqrt", "sin", "cos", "tan", "tanh",
  "sigmoid", "relu", "floor", "ceil", "round", "reciprocal", "erf", "logicalNot",
];

const OPS: Record<string, OpFn> = {};

for (const name of BINARY) {
  OPS[name] = (ins, a) => {
    const [i, out] = splitOut(ins, a);
    return T[name](i[0], other(i, a), { ...binOpts(a), ...out });
  };
  OPS[`${name}_`] = (ins, a) => M(ins[0])[`${name}_`](other(ins, a), binOpts(a));
}
OPS.powScalarBase = (ins, a) => torch.pow(decodeScalar(a.base) as number, ins[0]);

for (const name of UNARY) {
  OPS[name] = (ins, a) => {
    const [i, out] = splitOut(ins, a);
    return T[name](i[0], out);
  };
  OPS[`${name}_`] = (ins) => M(ins[0])[`${name}_`]();
}

OPS.where = (ins, a) => {
  const x = "x" in a ? decodeScalar(a.x) : ins[1];
  const y = "y" in a ? decodeScalar(a.y) : ins["x" in a ? 1 : 2];
  return torch.where(ins[0], x, y);
};

function clampBounds(ins: Tensor[], a: Args): [Tensor | number | null, Tensor | number | null] {
  let lo: Tensor | number | null = "min" in a ? decodeScalar(a.min) : null;
  let hi: Tensor | number | null = "max" in a ? decodeScalar(a.max) : null;
  if ("minT" in a) lo = ins[a.minT];
  if ("maxT" in a) hi = ins[a.maxT];
  return [lo, hi];
}
OPS.clamp = (ins, a) => {
  const [lo, hi] = clampBounds(ins, a);
  return a.out ? torch.clamp(ins[0], lo, hi, { out: ins[ins.length - 1] }) : torch.clamp(ins[0], lo, hi);
};
OPS.clampOpts = (ins, a) => {
  const [lo, hi] = clampBounds(ins, a);
  const o: Args = {};
  if (lo !== null) o.min = lo;
  if (hi !== null) o.max = hi;
  return ins[0].clamp(o);
};
OPS.clamp_ = (ins, a) => ins[0].clamp_(...clampBounds(ins, a));

const dimOf = (a: Args): Args["dim"] => ("dim" in a ? a.dim : undefined);
for (const name of ["sum", "mean", "prod"]) {
  OPS[name] = (ins, a) => {
    const o: Args = {};
    if ("keepdim" in a) o.keepdim = a.keepdim;
    if ("dtype" in a) o.dtype = a.dtype;
    return T[name](ins[0], dimOf(a), o);
  };
}
OPS.max = (ins) => torch.max(ins[0]);
OPS.min = (ins) => torch.min(ins[0]);
OPS.maxDim = (ins, a) => torch.max(ins[0], a.dim, { keepdim: a.keepdim ?? false });
OPS.minDim = (ins, a) => torch.min(ins[0], a.dim, { keepdim: a.keepdim ?? false });
OPS.maxOther = (ins) => torch.max(ins[0], ins[1]);
OPS.minOther = (ins) => torch.min(ins[0], ins[1]);
OPS.amax = (ins, a) => torch.amax(ins[0], dimOf(a), { keepdim: a.keepdim ?? false });
OPS.amin = (ins, a) => torch.amin(ins[0], dimOf(a), { keepdim: a.keepdim ?? false });
OPS.argmax = (ins, a) => torch.argmax(ins[0], a.dim ?? null, { keepdim: a.keepdim ?? false });
OPS.argmin = (ins, a) => torch.argmin(ins[0], a.dim ?? null, { keepdim: a.keepdim ?? false });
for (const name of ["var", "std"]) {
  OPS[name] = (ins, a) => {
    const o: Args = { keepdim: a.keepdim ?? false };
    if ("correction" in a) o.correction = a.correction;
    if ("unbiased" in a) o.unbiased = a.unbiased;
    return T[name](ins[0], dimOf(a), o);
  };
}
OPS.norm = (ins, a) => torch.norm(ins[0], "p" in a ? (a.p === "fro" ? "fro" : (decodeScalar(a.p) as number)) : 2, dimOf(a), { keepdim: a.keepdim ?? false });
OPS.logsumexp = (ins, a) => torch.logsumexp(ins[0], a.dim, { keepdim: a.keepdim ?? false });
OPS.all = (ins, a) => torch.all(ins[0], dimOf(a), { keepdim: a.keepdim ?? false });
OPS.any = (ins, a) => torch.any(ins[0], dimOf(a), { keepdim: a.keepdim ?? false });
OPS.cumsum = (ins, a) => torch.cumsum(ins[0], a.dim, "dtype" in a ? { dtype: a.dtype } : {});
OPS.cumprod = (ins, a) => torch.cumprod(ins[0], a.dim, "dtype" in a ? { dtype: a.dtype } : {});
OPS.sort = (ins, a) => torch.sort(ins[0], a.dim ?? -1, { descending: a.descending ?? false });
OPS.argsort = (ins, a) => torch.argsort(ins[0], a.dim ?? -1, { descending: a.descending ?? false });
OPS.topk = (ins, a) => torch.topk(ins[0], a.k, a.dim ?? -1, { largest: a.largest ?? true });
for (const name of ["matmul", "mm", "bmm", "mv", "dot", "outer"]) OPS[name] = (ins) => T[name](ins[0], ins[1]);
OPS.gather = (ins, a) => torch.gather(ins[0], a.dim, ins[1]);
const scatterSrc = (ins: Tensor[], a: Args): Tensor | number => ("value" in a ? (decodeScalar(a.value) as number) : ins[2]);
const reduceOpt = (a: Args): Args => ("reduce" in a ? { reduce: a.reduce } : {});
OPS.scatter = (ins, a) => torch.scatter(ins[0], a.dim, ins[1], scatterSrc(ins, a), reduceOpt(a));
OPS.scatter_ = (ins, a) => ins[0].scatter_(a.dim, ins[1], scatterSrc(ins, a), reduceOpt(a));
OPS.scatterAdd = (ins, a) => torch.scatterAdd(ins[0], a.dim, ins[1], ins[2]);
OPS.scatterAdd_ = (ins, a) => ins[0].scatterAdd_(a.dim, ins[1], ins[2]);
OPS.indexSelect = (ins, a) => torch.indexSelect(ins[0], a.dim, ins[1]);
OPS.maskedFill = (ins, a) => ins[0].maskedFill(ins[1], "value" in a ? decodeScalar(a.value) : ins[2]);
OPS.maskedFill_ = (ins, a) => ins[0].maskedFill_(ins[1], "value" in a ? decodeScalar(a.value) : ins[2]);
OPS.maskedSelect = (ins) => torch.maskedSelect(ins[0], ins[1]);
OPS.nonzero = (ins) => torch.nonzero(ins[0]);
OPS.nonzeroTuple = (ins) => torch.nonzero(ins[0], { asTuple: true });

// views
OPS.view = (ins, a) => ins[0].view(a.shape);
OPS.reshape = (ins, a) => ins[0].reshape(a.shape);
OPS.transpose = (ins, a) => ins[0].transpose(a.dim0, a.dim1);
OPS.t = (ins) => ins[0].t();
OPS.permute = (ins, a) => ins[0].permute(a.dims);
OPS.expand = (ins, a) => ins[0].expand(a.sizes);
OPS.narrow = (ins, a) => ins[0].narrow(a.dim, a.start, a.length);
OPS.select = (ins, a) => ins[0].select(a.dim, a.index);
OPS.slice = (ins, a) => ins[0].slice(a.dim, a.start ?? null, a.end ?? null, a.step ?? 1);
OPS.unsqueeze = (ins, a) => ins[0].unsqueeze(a.dim);
OPS.squeeze = (ins, a) => ("dim" in a ? ins[0].squeeze(a.dim) : ins[0].squeeze());
OPS.flatten = (ins, a) => torch.flatten(ins[0], a.start ?? 0, a.end ?? -1);
OPS.chunk = (ins, a) => torch.chunk(ins[0], a.chunks, a.dim ?? 0);
OPS.split = (ins, a) => torch.split(ins[0], a.size, a.dim ?? 0);
OPS.unbind = (ins, a) => torch.unbind(ins[0], a.dim ?? 0);
OPS.cat = (ins, a) => torch.cat(ins, a.dim ?? 0);
OPS.stack = (ins, a) => torch.stack(ins, a.dim ?? 0);
OPS.viewThenAdd_ = (ins, a) => (OPS[a.view](ins, a) as Tensor).add_(a.other);

// indexing: {"t": k} items refer to inputs[k]
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const items = (ins: Tensor[], a: Args): any[] => a.items.map((it: unknown) =>
  it !== null && typeof it === "object" && !Array.isArray(it) && "t" in it ? ins[(it as { t: number }).t] : it);
OPS.index = (ins, a) => ins[0].index(...items(ins, a));
OPS.indexPut_ = (ins, a) => {
  const value = "value" in a ? decodeScalar(a.value) : ins[a.valueT];
  return ins[0].indexPut_(items(ins, a), value, a.accumulate ? { accumulate: true } : {});
};

// ---------------------------------------------------------------------------
// running and checking one case
// ---------------------------------------------------------------------------

/** Runs the case; returns mismatch descriptions (empty when it matches PyTorch). */
function check(c: OpCase): string[] {
  const fn = OPS[c.op];
  if (fn === undefined) return [`no torchlab implementation for op key "${c.op}" in the OPS table`];
  const built = c.inputs.map(buildInput);
  const views = built.map((b) => b.view);
  const exp = c.expected;
  if (exp.error) {
    let result: Result;
    try {
      result = fn(views, c.args);
    } catch (e) {
      // isNativeError: errors made by the native addon come from another realm than jest's sandbox.
      if (!(e instanceof Error) && !types.isNativeError(e)) return [`threw a non-Error: ${String(e)}`];
      const err = e as Error;
      if (/is not a function/.test(err.message)) return [`threw ${err.name}: ${err.message} (missing implementation, not a validation error)`];
      return [];
    }
    return [`expected an Error like PyTorch's "${exp.message}", but it returned ${describe_(result)}`];
  }
  const result = fn(views, c.args);
  const problems: string[] = [];
  if (exp.kind === "tensor") {
    problems.push(...compareTensor(result, exp, c.tol));
  } else if (exp.kind === "vi") {
    const r = result as { values?: Tensor; indices?: Tensor };
    if (r === null || typeof r !== "object" || !("values" in r) || !("indices" in r)) return [`expected {values, indices}, got ${describe_(result)}`];
    problems.push(...compareTensor(r.values, exp.values, c.tol, "values"));
    problems.push(...compareTensor(r.indices, exp.indices, undefined, "indices"));
  } else {
    if (!Array.isArray(result)) return [`expected an array of ${exp.items.length} tensors, got ${describe_(result)}`];
    if (result.length !== exp.items.length) problems.push(`expected ${exp.items.length} tensors, got ${result.length}`);
    exp.items.forEach((it, i) => { if (i < result.length) problems.push(...compareTensor(result[i], it, c.tol, `item ${i}`)); });
  }
  if (exp.sameAs !== undefined && result !== views[exp.sameAs])
    problems.push(`expected the op to return input ${exp.sameAs} itself (in-place / out=)`);
  for (const b of exp.bases ?? []) problems.push(...compareTensor(built[b.input].base, b, c.tol, `base of input ${b.input} after the op`));
  return problems;
}

function describe_(r: unknown): string {
  if (r instanceof torch.Tensor) return `a ${r.dtype} tensor of shape [${r.shape.join(", ")}]`;
  if (Array.isArray(r)) return `an array of ${r.length}`;
  return typeof r;
}

describe("ops match PyTorch 1.13", () => {
  it("has the fixture cases", () => {
    expect(cases.length).toBeGreaterThanOrEqual(400);
    for (const k of KNOWN_FAILURES) expect(cases.some((c) => c.name === k)).toBe(true);
  });

  it("every op key has an implementation", () => {
    expect([...new Set(cases.map((c) => c.op))].filter((k) => !(k in OPS))).toEqual([]);
  });

  it.each(cases.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    let problems: string[];
    try {
      problems = check(c);
    } catch (e) {
      problems = [`threw ${e instanceof Error || types.isNativeError(e) ? `${(e as Error).name}: ${(e as Error).message}` : String(e)}`];
    }
    if (KNOWN_FAILURES.has(c.name)) {
      // Still failing is expected; a pass means the bug was fixed: remove the entry.
      expect(problems.length).toBeGreaterThan(0);
      return;
    }
    expect(problems).toEqual([]);
  });
});

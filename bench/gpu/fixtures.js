"use strict";
// The fixture suites (test/fixtures/*.json, recorded from PyTorch) run on a
// target device and compared with the same run on the CPU. Plain CommonJS so
// that both test/cuda_gpu.test.ts (jest) and bench/gpu/check.js (plain node,
// on a GPU machine without npm) use it. The op tables mirror the ones in
// test/ops.test.ts, test/autograd.test.ts and test/autograd_ops.test.ts: keep
// them in step when those change.
//
// Every check returns a list of problems (empty: it passed).
const fs = require("fs");
const path = require("path");

/** The fixture files, read from the package root. */
function loadFixtures(root) {
  const read = (f) => JSON.parse(fs.readFileSync(path.join(root, "test", "fixtures", f), "utf8"));
  return { ops: read("ops.json"), autograd: read("autograd.json").cases, autogradOps: read("autograd_ops.json") };
}

// ---------------------------------------------------------------------------
// decoding and building inputs
// ---------------------------------------------------------------------------

function decodeValue(v) {
  if (typeof v !== "string") return v;
  if (v === "nan") return NaN;
  if (v === "inf") return Infinity;
  if (v === "-inf") return -Infinity;
  throw new Error(`unexpected encoded value ${JSON.stringify(v)}`);
}
const decodeScalar = (v) => (v === "nan" || v === "inf" || v === "-inf" ? decodeValue(v) : v);

function expandValues(values) {
  if (Array.isArray(values)) return values;
  const out = [];
  for (const [v, n] of values.rle) for (let i = 0; i < n; i++) out.push(v);
  return out;
}

function patternValues(shape, dtype, pattern, set = []) {
  const [a, b, m, scale, offset] = pattern;
  const n = shape.reduce((x, y) => x * y, 1);
  const out = new Array(n);
  for (let i = 0; i < n; i++) {
    const r = (((i * a + b) % m) + m) % m;
    const v = r * scale + offset;
    out[i] = dtype === "bool" ? v !== 0 : v;
  }
  for (const [j, v] of set) out[j] = decodeValue(v);
  return out;
}

function applyView(t, step) {
  switch (step[0]) {
    case "permute": return t.permute(step[1]);
    case "slice": return t.slice(step[1], step[2], step[3], step[4]);
    case "narrow": return t.narrow(step[1], step[2], step[3]);
    case "select": return t.select(step[1], step[2]);
    case "expand": return t.expand(step[1]);
    default: throw new Error(`unknown view step ${JSON.stringify(step)}`);
  }
}

// A contiguous base made on the CPU and moved to `device` (so both runs start
// from the same bytes), then the recorded views replayed there.
function buildInput(torch, inp, device) {
  const b = inp.base;
  const flat = b.pattern !== undefined ? patternValues(b.shape, inp.dtype, b.pattern, b.set) : expandValues(b.values || []).map(decodeValue);
  let base = torch.tensor(flat, { dtype: inp.dtype }).reshape(b.shape);
  if (device !== "cpu") base = base.to(device);
  let view = base;
  for (const step of inp.views) view = applyView(view, step);
  return { base, view };
}

// ---------------------------------------------------------------------------
// comparing a device result with the CPU's
// ---------------------------------------------------------------------------

function tolFor(dtype, tol) {
  // GPU math differs from the CPU's in the last bits (fused multiply-adds,
  // other summation orders): a little looser than the fixtures' tolerances.
  if (dtype === "float64") return { rtol: Math.max(tol ? tol.rtol : 0, 1e-10), atol: Math.max(tol ? tol.atol : 0, 1e-10) };
  return { rtol: Math.max(tol ? tol.rtol : 0, 1e-4), atol: Math.max(tol ? tol.atol : 0, 1e-5) };
}

function flat(t) {
  const out = [];
  const rec = (v) => { if (Array.isArray(v)) for (const x of v) rec(x); else out.push(v); };
  rec(t.tolist());
  return out;
}

const fmt = (v) => (typeof v === "number" && Object.is(v, -0) ? "-0" : String(v));

/** Problems between `got` (on the target device) and `ref` (the CPU's result). */
function compare(torch, got, ref, device, tol, label) {
  if (!(got instanceof torch.Tensor)) return [`${label}: expected a Tensor, got ${got === null ? "null" : typeof got}`];
  const problems = [];
  const want = device === "cpu" ? "cpu" : String(device).split(":")[0];
  if (got.device.type !== want) problems.push(`${label}: on ${got.device}, expected ${want}`);
  if (got.dtype !== ref.dtype) problems.push(`${label}: dtype ${got.dtype}, expected ${ref.dtype}`);
  if (got.shape.length !== ref.shape.length || got.shape.some((s, i) => s !== ref.shape[i])) {
    problems.push(`${label}: shape [${got.shape.join(", ")}], expected [${ref.shape.join(", ")}]`);
    return problems;
  }
  const g = flat(got), e = flat(ref);
  const isFloat = ref.dtype === "float32" || ref.dtype === "float64";
  const t = tolFor(ref.dtype, tol);
  const bad = [];
  for (let i = 0; i < e.length; i++) {
    const a = g[i], b = e[i];
    let ok;
    if (isFloat && typeof a === "number" && typeof b === "number") {
      if (Number.isNaN(b)) ok = Number.isNaN(a);
      else if (!Number.isFinite(b)) ok = a === b;
      else ok = Math.abs(a - b) <= t.atol + t.rtol * Math.abs(b);
    } else {
      ok = a === b || (Number.isNaN(a) && Number.isNaN(b));
    }
    if (!ok) bad.push(`[${i}] got ${fmt(a)} expected ${fmt(b)}`);
  }
  if (bad.length > 0) problems.push(`${label}: ${bad.length}/${e.length} values differ from the CPU's: ${bad.slice(0, 6).join("; ")}${bad.length > 6 ? "; ..." : ""}`);
  return problems;
}

function describe(r) {
  if (r && typeof r === "object" && typeof r.dtype === "string") return `a ${r.dtype} tensor of shape [${r.shape.join(", ")}]`;
  if (Array.isArray(r)) return `an array of ${r.length}`;
  return typeof r;
}

function errorText(e) {
  return e && typeof e === "object" && "message" in e ? `${e.name || "Error"}: ${e.message}` : String(e);
}

// ---------------------------------------------------------------------------
// ops.json (mirrors test/ops.test.ts)
// ---------------------------------------------------------------------------

const BINARY = [
  "add", "sub", "mul", "div", "floorDivide", "pow", "remainder", "fmod", "maximum", "minimum", "atan2",
  "eq", "ne", "lt", "le", "gt", "ge", "logicalAnd", "logicalOr", "logicalXor",
];
const UNARY = [
  "neg", "abs", "sign", "exp", "expm1", "log", "log1p", "log2", "sqrt", "rsqrt", "sin", "cos", "tan", "tanh",
  "sigmoid", "relu", "floor", "ceil", "round", "reciprocal", "erf", "logicalNot",
];

function opTable(torch) {
  const T = torch;
  const splitOut = (ins, a) => (a.out ? [ins.slice(0, -1), { out: ins[ins.length - 1] }] : [ins, {}]);
  const other = (ins, a) => ("other" in a ? decodeScalar(a.other) : ins[1]);
  const binOpts = (a) => {
    const o = {};
    if ("alpha" in a) o.alpha = a.alpha;
    if ("roundingMode" in a) o.roundingMode = a.roundingMode;
    return o;
  };
  const OPS = {};
  for (const name of BINARY) {
    OPS[name] = (ins, a) => {
      const [i, out] = splitOut(ins, a);
      return T[name](i[0], other(i, a), { ...binOpts(a), ...out });
    };
    OPS[`${name}_`] = (ins, a) => ins[0][`${name}_`](other(ins, a), binOpts(a));
  }
  OPS.powScalarBase = (ins, a) => torch.pow(decodeScalar(a.base), ins[0]);
  for (const name of UNARY) {
    OPS[name] = (ins, a) => {
      const [i, out] = splitOut(ins, a);
      return T[name](i[0], out);
    };
    OPS[`${name}_`] = (ins) => ins[0][`${name}_`]();
  }
  OPS.where = (ins, a) => {
    const x = "x" in a ? decodeScalar(a.x) : ins[1];
    const y = "y" in a ? decodeScalar(a.y) : ins["x" in a ? 1 : 2];
    return torch.where(ins[0], x, y);
  };
  const clampBounds = (ins, a) => {
    let lo = "min" in a ? decodeScalar(a.min) : null;
    let hi = "max" in a ? decodeScalar(a.max) : null;
    if ("minT" in a) lo = ins[a.minT];
    if ("maxT" in a) hi = ins[a.maxT];
    return [lo, hi];
  };
  OPS.clamp = (ins, a) => {
    const [lo, hi] = clampBounds(ins, a);
    return a.out ? torch.clamp(ins[0], lo, hi, { out: ins[ins.length - 1] }) : torch.clamp(ins[0], lo, hi);
  };
  OPS.clampOpts = (ins, a) => {
    const [lo, hi] = clampBounds(ins, a);
    const o = {};
    if (lo !== null) o.min = lo;
    if (hi !== null) o.max = hi;
    return ins[0].clamp(o);
  };
  OPS.clamp_ = (ins, a) => ins[0].clamp_(...clampBounds(ins, a));
  const dimOf = (a) => ("dim" in a ? a.dim : undefined);
  for (const name of ["sum", "mean", "prod"]) {
    OPS[name] = (ins, a) => {
      const o = {};
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
      const o = { keepdim: a.keepdim ?? false };
      if ("correction" in a) o.correction = a.correction;
      if ("unbiased" in a) o.unbiased = a.unbiased;
      return T[name](ins[0], dimOf(a), o);
    };
  }
  OPS.norm = (ins, a) => torch.norm(ins[0], "p" in a ? (a.p === "fro" ? "fro" : decodeScalar(a.p)) : 2, dimOf(a), { keepdim: a.keepdim ?? false });
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
  const scatterSrc = (ins, a) => ("value" in a ? decodeScalar(a.value) : ins[2]);
  const reduceOpt = (a) => ("reduce" in a ? { reduce: a.reduce } : {});
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
  OPS.viewThenAdd_ = (ins, a) => OPS[a.view](ins, a).add_(a.other);
  const items = (ins, a) => a.items.map((it) => (it !== null && typeof it === "object" && !Array.isArray(it) && "t" in it ? ins[it.t] : it));
  OPS.index = (ins, a) => ins[0].index(...items(ins, a));
  OPS.indexPut_ = (ins, a) => {
    const value = "value" in a ? decodeScalar(a.value) : ins[a.valueT];
    return ins[0].indexPut_(items(ins, a), value, a.accumulate ? { accumulate: true } : {});
  };
  return OPS;
}

/** One ops.json case on `device`, compared with the CPU's run of it. */
function checkOpCase(torch, OPS, c, device) {
  const fn = OPS[c.op];
  if (fn === undefined) return [`no implementation for op key "${c.op}"`];
  const run = (dev) => {
    const built = c.inputs.map((inp) => buildInput(torch, inp, dev));
    const views = built.map((b) => b.view);
    return { built, views, result: fn(views, c.args) };
  };
  if (c.expected.error) {
    try {
      const r = run(device);
      return [`expected an Error like PyTorch's "${c.expected.message}", but it returned ${describe(r.result)}`];
    } catch (e) {
      return /is not a function/.test(String(e && e.message)) ? [`threw ${errorText(e)} (missing implementation)`] : [];
    }
  }
  let ref;
  try {
    ref = run("cpu");
  } catch (e) {
    return [`the CPU run threw ${errorText(e)} (a CPU bug: see test/ops.test.ts)`];
  }
  const got = run(device);
  const problems = [];
  const r = got.result, e = ref.result;
  if (e instanceof torch.Tensor) {
    problems.push(...compare(torch, r, e, device, c.tol, "result"));
  } else if (Array.isArray(e)) {
    if (!Array.isArray(r) || r.length !== e.length) return [`expected ${e.length} tensors, got ${describe(r)}`];
    e.forEach((t, i) => problems.push(...compare(torch, r[i], t, device, c.tol, `item ${i}`)));
  } else {
    if (r === null || typeof r !== "object" || !("values" in r)) return [`expected {values, indices}, got ${describe(r)}`];
    problems.push(...compare(torch, r.values, e.values, device, c.tol, "values"));
    problems.push(...compare(torch, r.indices, e.indices, device, undefined, "indices"));
  }
  const same = c.expected.sameAs;
  if (same !== undefined && r !== got.views[same]) problems.push(`expected the op to return input ${same} itself`);
  for (const b of c.expected.bases || []) {
    problems.push(...compare(torch, got.built[b.input].base, ref.built[b.input].base, device, c.tol, `base of input ${b.input} after the op`));
  }
  return problems;
}

// ---------------------------------------------------------------------------
// autograd.json (mirrors test/autograd.test.ts)
// ---------------------------------------------------------------------------

function autogradTable(torch) {
  const u = (name) => ([x]) => x[name]();
  const OPS = {
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
  return OPS;
}

/** One autograd.json case: output, gradFn and input gradients on `device` against the CPU's. */
function checkAutogradCase(torch, OPS, c, device) {
  const dec = (e, dev, grad) => {
    let t = torch.tensor(e.values, { dtype: "float64" }).reshape(e.shape);
    if (dev !== "cpu") t = t.to(dev);
    return grad ? t.requiresGrad_() : t;
  };
  const run = (dev) => {
    const xs = c.inputs.map((e) => dec(e, dev, true));
    const out = OPS[c.op](xs, c.args);
    out.mul(dec(c.w, dev, false).to(out.dtype)).sum().backward();
    return { out, name: out.gradFn ? out.gradFn.name() : null, grads: xs.map((x) => x.grad) };
  };
  if (OPS[c.op] === undefined) return [`no implementation for op key "${c.op}"`];
  const ref = run("cpu");
  const got = run(device);
  const tol = { rtol: 1e-9, atol: 1e-9 };
  const problems = compare(torch, got.out.detach(), ref.out.detach(), device, tol, "out");
  return problems.concat(compareGraphs(torch, got, ref, device, tol));
}

/** The gradFn names and the gradients of a device run against the CPU run's. */
function compareGraphs(torch, got, ref, device, tol) {
  const problems = [];
  if (got.name !== ref.name) problems.push(`gradFn ${got.name}, expected ${ref.name}`);
  ref.grads.forEach((g, i) => {
    const h = got.grads[i];
    if (g === null || h === null) {
      if ((g === null) !== (h === null)) problems.push(`grad ${i}: ${h === null ? "missing" : "unexpected"}`);
    } else {
      problems.push(...compare(torch, h, g, device, tol, `grad ${i}`));
    }
  });
  return problems;
}

/** gradcheck (finite differences) of an autograd.json case with its inputs on `device`. */
function checkGradcheckCase(torch, OPS, c, device) {
  const xs = c.inputs.map((e) => torch.tensor(e.values, { dtype: "float64" }).reshape(e.shape).to(device).requiresGrad_());
  const ok = torch.autograd.gradcheck((...ts) => OPS[c.op](ts, c.args), xs, { raiseException: false });
  return ok ? [] : ["gradcheck failed (finite differences disagree with autograd on the device)"];
}

// ---------------------------------------------------------------------------
// autograd_ops.json (mirrors test/autograd_ops.test.ts)
// ---------------------------------------------------------------------------

function autogradOpsTable(torch) {
  const items = (list, ins) => list.map((v) => (v !== null && typeof v === "object" && !Array.isArray(v) ? ins[v.t] : v));
  const value = (v, ins) => (typeof v === "number" ? v : ins[v.t]);
  const vi = (r) => [r.values, r.indices];
  return {
    where: (i) => torch.where(i[0], i[1], i[2]),
    where_scalar_other: (i, a) => torch.where(i[0], i[1], a.s),
    where_scalar_input: (i, a) => torch.where(i[0], a.s, i[1]),
    where_method: (i) => i[1].where(i[0], i[2]),
    clamp: (i, a) => torch.clamp(i[0], { min: a.min, max: a.max }),
    clip: (i, a) => torch.clip(i[0], a.min ?? null, a.max ?? null),
    clamp_tt: (i) => torch.clamp(i[0], i[1], i[2]),
    clamp_t_min: (i) => torch.clamp(i[0], { min: i[1] }),
    clamp_t_max: (i) => i[0].clamp(null, i[1]),
    clamp_min: (i, a) => i[0].clampMin(a.s),
    clamp_max: (i, a) => i[0].clampMax(a.s),
    clamp_min_t: (i) => i[0].clampMin(i[1]),
    clamp_max_t: (i) => i[0].clampMax(i[1]),
    clamp_: (i, a) => i[0].clone().clamp_(a.min ?? null, a.max ?? null),
    clamp_tt_: (i) => i[0].clone().clamp_(i[1], i[2]),
    masked_fill: (i, a) => i[0].maskedFill(i[1], a.s),
    masked_fill_t: (i) => i[0].maskedFill(i[1], i[2]),
    masked_fill_: (i) => i[0].clone().maskedFill_(i[1], i[2]),
    cat: (i, a) => torch.cat(i, a.dim),
    concat: (i, a) => torch.concat(i, a.dim),
    stack: (i, a) => torch.stack(i, a.dim),
    vstack: (i) => torch.vstack(i),
    hstack: (i) => torch.hstack(i),
    gather: (i, a) => torch.gather(i[0], a.dim, i[1]),
    take_along_dim: (i, a) => i[0].takeAlongDim(i[1], a.dim),
    index_select: (i, a) => torch.indexSelect(i[0], a.dim, i[1]),
    scatter: (i, a) => i[0].scatter(a.dim, i[1], i[2]),
    scatter_value: (i, a) => i[0].scatter(a.dim, i[1], a.s),
    scatter_add: (i, a) => i[0].scatterAdd(a.dim, i[1], i[2]),
    scatter_: (i, a) => i[0].clone().scatter_(a.dim, i[1], i[2]),
    scatter_add_: (i, a) => i[0].clone().scatterAdd_(a.dim, i[1], i[2]),
    scatter_view_: (i, a) => {
      const y = i[0].clone();
      y.narrow(0, 1, 2).scatter_(a.dim, i[1], i[2]);
      return y;
    },
    sort: (i, a) => vi(torch.sort(i[0], a.dim, { descending: a.descending })),
    argsort: (i, a) => torch.argsort(i[0], a.dim),
    topk: (i, a) => vi(torch.topk(i[0], a.k, a.dim, { largest: a.largest })),
    kthvalue: (i, a) => vi(torch.kthvalue(i[0], a.k, a.dim, { keepdim: a.keepdim })),
    cumsum: (i, a) => torch.cumsum(i[0], a.dim),
    cumsum_f64: (i, a) => torch.cumsum(i[0], a.dim, { dtype: "float64" }),
    cumprod: (i, a) => torch.cumprod(i[0], a.dim),
    index: (i, a) => i[0].index(...items(a.items, i)),
    index_put: (i, a) => i[0].indexPut(items(a.items, i), value(a.v, i), { accumulate: a.accumulate }),
    index_put_: (i, a) => i[0].clone().indexPut_(items(a.items, i), value(a.v, i), { accumulate: a.accumulate }),
    masked_select: (i) => torch.maskedSelect(i[0], i[1]),
  };
}

/** One autograd_ops.json case: outputs, gradFn and the bases' gradients on `device` against the CPU's. */
function checkAutogradOpsCase(torch, OPS, c, device) {
  if (OPS[c.op] === undefined) return [`no implementation for op key "${c.op}"`];
  const build = (inp, dev) => {
    let base = torch.tensor(expandValues(inp.base.values).map(decodeValue), { dtype: inp.dtype }).reshape(inp.base.shape).clone();
    if (dev !== "cpu") base = base.to(dev);
    if (inp.grad) base.requiresGrad = true;
    let view = base;
    for (const step of inp.views) view = applyView(view, step);
    return { base, view };
  };
  const gradFor = (t, k, dev) => {
    const vals = Array.from({ length: t.numel() }, (_, i) => (((i * 7 + 3 + 5 * k) % 11) - 5) / 4);
    const g = torch.tensor(vals, { dtype: t.dtype }).reshape(t.shape.slice());
    return dev === "cpu" ? g : g.to(dev);
  };
  const run = (dev) => {
    const built = c.inputs.map((inp) => build(inp, dev));
    const r = OPS[c.op](built.map((b) => b.view), c.args);
    const outs = r instanceof torch.Tensor ? [r] : r;
    const diff = outs.filter((o) => o.requiresGrad);
    if (diff.length > 0) torch.autograd.backward(diff, diff.map((o, k) => gradFor(o, k, dev)));
    return { outs, name: outs[0].gradFn === null ? null : outs[0].gradFn.name(), grads: built.map((b) => b.base.grad) };
  };
  const ref = run("cpu");
  const got = run(device);
  const problems = [];
  if (got.outs.length !== ref.outs.length) return [`${got.outs.length} outputs, expected ${ref.outs.length}`];
  ref.outs.forEach((o, k) => problems.push(...compare(torch, got.outs[k].detach(), o.detach(), device, undefined, `output ${k}`)));
  return problems.concat(compareGraphs(torch, got, ref, device, undefined));
}

// Finite differences are slow (one forward per element); a few ops that
// exercise the device paths of gradcheck (element writes, host reads) suffice.
const GRADCHECK_OPS = ["mul", "div", "exp", "tanh", "mm", "sum_dim", "logsumexp", "narrow", "var", "norm"];

/**
 * Every fixture check as {suite, name, run()}; run() returns the problems of
 * that case on `device`.
 */
function fixtureChecks(torch, root, device) {
  const fx = loadFixtures(root);
  const ops = opTable(torch), ag = autogradTable(torch), agOps = autogradOpsTable(torch);
  const checks = [];
  for (const c of fx.ops) checks.push({ suite: "ops", name: c.name, run: () => checkOpCase(torch, ops, c, device) });
  for (const c of fx.autograd) checks.push({ suite: "autograd", name: c.name, run: () => checkAutogradCase(torch, ag, c, device) });
  for (const c of fx.autogradOps) checks.push({ suite: "autograd_ops", name: c.name, run: () => checkAutogradOpsCase(torch, agOps, c, device) });
  for (const c of fx.autograd.filter((k) => GRADCHECK_OPS.includes(k.op)))
    checks.push({ suite: "gradcheck", name: c.name, run: () => checkGradcheckCase(torch, ag, c, device) });
  return checks;
}

/** Runs one check, turning a throw into a problem. */
function runCheck(check) {
  try {
    return check.run();
  } catch (e) {
    return [`threw ${errorText(e)}`];
  }
}

module.exports = { fixtureChecks, runCheck, compare, errorText, loadFixtures };

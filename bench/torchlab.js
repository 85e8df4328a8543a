#!/usr/bin/env node
// torchlab side of the benchmark suite (bench/README.md). Plain JS on the
// compiled runtime, so no extra build step. Prints one JSON object per line:
//   {"side":"torchlab","name":"meta",...}
//   {"side":"torchlab","name":"small/add","seconds_per_iter":...}
//   {"side":"torchlab","name":"sgemm/512","seconds_per_iter":...,"gflops":...}
//   {"side":"torchlab","name":"sum/16M","error":"..."}   (a workload that threw)
// Options: --only=PREFIX[,PREFIX...] runs the workloads whose names start so
// (for profiling: node --cpu-prof bench/torchlab.js --only=small/add).
// Environment: BENCH_THREADS (default: os.cpus().length), BENCH_QUICK=1 (short run).
"use strict";
const os = require("os");
const path = require("path");
const { performance } = require("perf_hooks");

const torch = require(path.join(__dirname, "..", "dist", "runtime", "index.js"));
const H = require("./harness.js");

const only = (process.argv.find((a) => a.startsWith("--only=")) || "").slice(7).split(",").filter(Boolean);
const selected = (name) => only.length === 0 || only.some((p) => name.startsWith(p));

function emit(obj) {
  process.stdout.write(JSON.stringify({ side: "torchlab", ...obj }) + "\n");
}

// ---------- inputs ----------
// Deterministic uniform [0, 1) data written through the public API (torch.rand
// needs the native `random` entry point; this does not).
function uniform(shape, seed) {
  const n = shape.reduce((a, b) => a * b, 1);
  const arr = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    arr[i] = s / 4294967296;
  }
  const t = torch.empty(shape, { dtype: torch.float32 });  // large ones come from the native allocator
  t.copy_(torch.fromTypedArray(arr, shape));
  return { t, arr };
}

// Keeps results observable so nothing can be skipped.
let sink = 0;
function consume(r) {
  sink += r._shape.length === 0 ? 1 : r._shape[0];
}

// ---------- workloads ----------
const THREADS = Number(process.env.BENCH_THREADS || os.cpus().length);
const QUICK = process.env.BENCH_QUICK === "1";
const SMALL_ITERS = QUICK ? 5000 : 20000;
const SMALL_BATCHES = QUICK ? 3 : 7;
const TIDY_CHUNK = 100;  // calls per torch.tidy scope in the tidy variant

function close(a, b, tol) {
  return Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));
}

// One correctness check per op before timing it (a wrong result is an error).
function checkSmall(op, x, xa, y, ya, w, wa) {
  if (op === "add") {
    const r = x.add(y).tolist();
    if (!close(r[3][2], xa[14] + ya[14], 1e-6)) throw new Error(`add gives a wrong value: ${r[3][2]} vs ${xa[14] + ya[14]}`);
  } else if (op === "mm") {
    const m = x.mm(w).tolist();
    let e = 0;
    for (let k = 0; k < 4; k++) e += xa[5 * 4 + k] * wa[k * 32 + 7];
    if (!close(m[5][7], e, 1e-5)) throw new Error(`mm gives a wrong value: ${m[5][7]} vs ${e}`);
  } else if (op === "cat") {
    const c = torch.cat([x, y], 0);
    if (c.shape[0] !== 64 || !close(c.tolist()[40][1], ya[8 * 4 + 1], 0)) throw new Error("cat gives a wrong result");
  } else if (op === "sum") {
    let s = 0;
    for (const v of xa) s += v;
    const got = x.sum().item();
    if (!close(got, s, 1e-5)) throw new Error(`sum gives a wrong value: ${got} vs ${s}`);
  }
}

function smallOps() {
  const { t: x, arr: xa } = uniform([32, 4], 1);
  const { t: y, arr: ya } = uniform([32, 4], 2);
  const { t: w, arr: wa } = uniform([4, 32], 3);
  const ops = {
    add: () => x.add(y),
    mm: () => x.mm(w),
    cat: () => torch.cat([x, y], 0),
    sum: () => x.sum(),
  };
  const checked = new Set();
  for (const [op, fn] of Object.entries(ops)) {
    for (const variant of ["gc", "tidy"]) {
      const name = variant === "gc" ? `small/${op}` : `small/${op}+tidy`;
      if (!selected(name)) continue;
      try {
        if (!checked.has(op)) { checkSmall(op, x, xa, y, ya, w, wa); checked.add(op); }
        let batch;
        if (variant === "gc") {
          batch = (n) => {
            let r;
            for (let i = 0; i < n; i++) { r = fn(); consume(r); }
            return r;
          };
        } else {
          batch = (n) => {
            for (let i = 0; i < n; i += TIDY_CHUNK) {
              torch.tidy(() => {
                for (let j = 0; j < TIDY_CHUNK; j++) consume(fn());
              });
            }
          };
        }
        const res = H.timeFixed(batch, SMALL_ITERS, SMALL_BATCHES);
        emit({ name, seconds_per_iter: res.median, min: res.min, iters: SMALL_ITERS, batches: SMALL_BATCHES,
          variant: variant === "gc" ? "results left to the garbage collector" : `torch.tidy every ${TIDY_CHUNK} calls` });
      } catch (e) {
        emit({ name, error: String(e && e.message || e).split("\n")[0] });
      }
    }
  }
}

// Autograd workloads (bench/README.md): a small graph's forward+backward, and
// one step of the chapter's program as examples/linear-regression.ts writes it.
function train() {
  const seconds = QUICK ? 0.5 : 1.5;
  if (selected("train/graph")) {
    try {
      const x = uniform([32, 4], 21).t;
      const w = uniform([4, 4], 22).t.requiresGrad_();
      const b = uniform([4], 23).t.requiresGrad_();
      const graph = () => x.mm(w).add(b).sum().backward();
      graph();
      const expect = torch.noGrad(() => x.sum(0).reshape(4, 1).expand(4, 4));
      if (!close(w.grad.sub(expect).abs().max().item(), 0, 1e-4)) throw new Error("train/graph: wrong gradient");
      for (let i = 0; i < 5000; i++) graph();  // warm-up (the JIT), as the Python side does
      const res = H.timeAdaptive(graph, seconds);
      emit({ name: "train/graph", seconds_per_iter: res.median, min: res.min, iters: res.iters, batches: res.batches });
    } catch (e) {
      emit({ name: "train/graph", error: String(e && e.message || e).split("\n")[0] });
    }
  }
  if (selected("train/mlp")) {
    try {
      const { nn, optim } = torch;
      torch.manualSeed(0);
      const model = new nn.Sequential(new nn.Linear(2, 64), new nn.ReLU(), new nn.Linear(64, 64), new nn.ReLU(), new nn.Linear(64, 2));
      const opt = new optim.Adam(model.parameters(), { lr: 0.01 });
      const x = uniform([64, 2], 31).t, y = torch.randint(0, 2, [64]);
      const step = () => {
        opt.zeroGrad();
        const l = nn.functional.crossEntropy(model.forward(x), y);
        l.backward();
        opt.step();
        return l;
      };
      const first = step().item();
      for (let i = 0; i < 1000; i++) step();
      if (!(step().item() < first)) throw new Error("train/mlp: the loss did not go down");
      const res = H.timeAdaptive(step, seconds);
      emit({ name: "train/mlp", seconds_per_iter: res.median, min: res.min, iters: res.iters, batches: res.batches });
    } catch (e) {
      emit({ name: "train/mlp", error: String(e && e.message || e).split("\n")[0] });
    }
  }
  if (selected("train/chapter")) {
    try {
      const F = torch.nn.functional;
      torch.manualSeed(5000);
      const wTarget = torch.randn(4, 1).mul(5);
      const bTarget = torch.randn(1).mul(5);
      const b0 = bTarget.index(0);
      const makeFeatures = (x) => {
        const col = x.unsqueeze(1);
        return torch.cat([col.pow(1), col.pow(2), col.pow(3), col.pow(4)], 1);
      };
      const f = (x) => x.mm(wTarget).add(b0);
      const getBatch = () => {
        const x = makeFeatures(torch.randn(32).sort().values);
        return [x, f(x)];
      };
      const fc = new torch.nn.Linear(4, 1);
      const step = () => {
        const [bx, by] = getBatch();
        fc.zeroGrad();
        const output = F.smoothL1Loss(fc.forward(bx), by);
        const loss = output.item();
        output.backward();
        for (const p of fc.parameters()) p.data.add_(p.grad.data.mul(-0.1));
        return loss;
      };
      let loss = Infinity;
      for (let i = 0; i < 2000 && loss >= 1e-3; i++) loss = step();
      if (!(loss < 1e-3)) throw new Error(`train/chapter: did not converge (loss ${loss})`);
      const res = H.timeAdaptive(step, seconds);
      emit({ name: "train/chapter", seconds_per_iter: res.median, min: res.min, iters: res.iters, batches: res.batches });
    } catch (e) {
      emit({ name: "train/chapter", error: String(e && e.message || e).split("\n")[0] });
    }
  }
}

function sgemm() {
  for (const n of [256, 512, 1024, 2048]) {
    for (const variant of ["dispose", "tidy"]) {
      const name = variant === "dispose" ? `sgemm/${n}` : `sgemm/${n}+tidy`;
      if (!selected(name)) continue;
      let a, b;
      try {
        a = uniform([n, n], 10 + n).t;
        b = uniform([n, n], 20 + n).t;
        const fn = variant === "dispose"
          ? () => { const c = a.mm(b); consume(c); c.dispose(); }
          : () => torch.tidy(() => { consume(a.mm(b)); });
        const res = H.timeAdaptive(fn, QUICK ? 0.5 : 1.2);
        emit({ name, seconds_per_iter: res.median, gflops: (2 * n ** 3) / res.median / 1e9, iters: res.iters, batches: res.batches,
          variant: variant === "dispose" ? "c = a.mm(b); c.dispose()" : "torch.tidy(() => a.mm(b))" });
      } catch (e) {
        emit({ name, error: String(e && e.message || e).split("\n")[0] });
      } finally {
        if (a) a.dispose();
        if (b) b.dispose();
      }
    }
  }
}

const BIG = 16 * 1024 * 1024;

function bigOps() {
  const want = ["add_out/16M", "add_fresh/16M", "add_fresh/16M+gc", "sum/16M"].filter(selected);
  if (want.length === 0) return;
  let a, b, c;
  try {
    a = uniform([BIG], 7).t;
    b = uniform([BIG], 8).t;
    c = torch.empty([BIG], { dtype: torch.float32 });
  } catch (e) {
    for (const name of want) emit({ name, error: `making inputs: ${String(e && e.message || e).split("\n")[0]}` });
    return;
  }
  const seconds = QUICK ? 0.5 : 1.5;
  const run = (name, fn, bytes) => {
    if (!selected(name)) return;
    try {
      fn();  // first call (page faults, caches)
      const res = H.timeAdaptive(fn, seconds);
      emit({ name, seconds_per_iter: res.median, gbps: bytes / res.median / 1e9, iters: res.iters, batches: res.batches });
    } catch (e) {
      emit({ name, error: String(e && e.message || e).split("\n")[0] });
    }
  };
  run("add_out/16M", () => { torch.add(a, b, { out: c }); consume(c); }, 3 * 4 * BIG);
  run("add_fresh/16M", () => { const r = a.add(b); consume(r); r.dispose(); }, 3 * 4 * BIG);
  run("add_fresh/16M+gc", () => { const r = a.add(b); consume(r); }, 3 * 4 * BIG);
  run("sum/16M", () => { const r = a.sum(); consume(r); }, 4 * BIG);
  if (selected("add_out/16M")) {
    // Sanity check after timing (c holds a + b).
    const i = 12345;
    const got = c.narrow(0, i, 1).item();
    const want = a.narrow(0, i, 1).item() + b.narrow(0, i, 1).item();
    if (!close(got, want, 1e-6)) emit({ name: "add_out/16M", error: `wrong value: ${got} vs ${want}` });
  }
  a.dispose(); b.dispose(); c.dispose();
}

// CPU time the rest of the machine used while we ran (from /proc/stat, minus
// our own), as a share of cores x wall time: other work skews the numbers.
function cpuSnapshot() {
  let busy = NaN, steal = NaN;
  try {
    const f = require("fs").readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
    busy = (f[0] + f[1] + f[2] + f[5] + f[6]) / 100;  // user nice system irq softirq, USER_HZ = 100
    steal = (f[7] || 0) / 100;
  } catch { /* not Linux */ }
  const own = process.cpuUsage();
  return { wall: performance.now() / 1e3, busy, steal, own: (own.user + own.system) / 1e6 };
}
function otherLoad(a, b) {
  const cap = os.cpus().length * (b.wall - a.wall);
  return {
    other_cpu_share: Math.max(0, (b.busy - a.busy) - (b.own - a.own)) / cap,
    steal_share: (b.steal - a.steal) / cap,
  };
}

function main() {
  torch.setNumThreads(THREADS);
  let matmulImpl;
  try { matmulImpl = torch.backends.cpu.matmulImpl(); } catch (e) { matmulImpl = `unavailable (${String(e.message).split("\n")[0]})`; }
  emit({
    name: "meta",
    threads: torch.getNumThreads(),
    cores: os.cpus().length,
    available_parallelism: os.availableParallelism ? os.availableParallelism() : null,
    cpu: (os.cpus()[0] || {}).model,
    matmul_impl: matmulImpl,
    node: process.version,
    small_iters: SMALL_ITERS,
    small_batches: SMALL_BATCHES,
    loadavg: os.loadavg(),
  });
  const t0 = performance.now();
  const c0 = cpuSnapshot();
  smallOps();
  sgemm();
  bigOps();
  train();
  emit({ name: "done", wall_seconds: (performance.now() - t0) / 1e3, ...otherLoad(c0, cpuSnapshot()), loadavg: os.loadavg(), sink });
}

main();

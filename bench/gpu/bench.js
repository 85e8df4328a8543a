#!/usr/bin/env node
"use strict";
// torchlab's GPU benchmarks, with plain node: fp32 matmul 4096 and 8192 (TF32
// off, PyTorch's default, and on), bf16 matmul (skipped until torchlab has
// bfloat16), elementwise add of 256M floats, device-to-device copy bandwidth,
// and a step of the chapter's program. bench/gpu/torch_bench.py measures the
// same with PyTorch; bench/gpu/report.js prints the ratios. Writes
// torchlab_bench.json to $OUT or ./gpu-logs; skips (exit 0, one line) without
// a GPU.
//   node --expose-gc bench/gpu/bench.js [--quick]
const fs = require("fs");
const path = require("path");
const { loadTorch, noGpuReason, skip, logDir, describeMachine } = require("./common");
const { polynomialRegression } = require("./chapter");

const torch = loadTorch("gpu bench");
const reason = noGpuReason(torch);
if (reason !== null) skip("gpu bench", reason);

const quick = process.argv.includes("--quick");
const results = {};

// Best of `rounds` averages of `iters` runs, timed from a synchronized GPU to a synchronized GPU.
function time(fn, iters, rounds = quick ? 2 : 5) {
  fn();
  torch.cuda.synchronize();
  let best = Infinity;
  for (let r = 0; r < rounds; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < iters; i++) fn();
    torch.cuda.synchronize();
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e9 / iters);
  }
  return best;
}

function record(name, value) {
  results[name] = value;
  console.log(`${name.padEnd(28)} ${typeof value === "string" ? value : JSON.stringify(value)}`);
}

function matmul(n, tf32, dtype = "float32") {
  torch.backends.cuda.matmul.allowTF32 = tf32;
  torch.manualSeed(0);
  const a = torch.randn(n, n, { device: "cuda" }).to(dtype), b = torch.randn(n, n, { device: "cuda" }).to(dtype);
  const s = time(() => torch.tidy(() => { a.mm(b); }), n >= 8192 ? 5 : 20);
  a.dispose();
  b.dispose();
  torch.backends.cuda.matmul.allowTF32 = false;
  return { seconds: s, tflops: (2 * n ** 3) / s / 1e12 };
}

const N = quick ? 1 << 26 : 1 << 28;  // 256M floats (1 GiB a tensor)

function add() {
  const a = torch.randn(N, { device: "cuda" }), b = torch.randn(N, { device: "cuda" });
  const out = torch.empty(N, { device: "cuda" });
  const fresh = time(() => { a.add(b).dispose(); }, 10);
  const into = time(() => { torch.add(a, b, { out }); }, 10);
  for (const t of [a, b, out]) t.dispose();
  const bytes = 3 * 4 * N;
  return { seconds: fresh, gbps: bytes / fresh / 1e9, outSeconds: into, outGbps: bytes / into / 1e9 };
}

function copy() {
  const x = torch.randn(N, { device: "cuda" }), y = torch.empty(N, { device: "cuda" });
  const s = time(() => { y.copy_(x); }, 10);
  x.dispose();
  y.dispose();
  return { seconds: s, gbps: (2 * 4 * N) / s / 1e9 };
}

const machine = describeMachine(torch);
console.log(`torchlab on ${machine.card} (${quick ? "quick" : "full"} run)`);
for (const n of [4096, 8192]) {
  record(`mm_fp32_${n}`, matmul(n, false));
  record(`mm_tf32_${n}`, matmul(n, true));
}
record("mm_bf16_8192", matmul(8192, false, "bfloat16"));
record("add_256M", add());
record("copy_d2d_256M", copy());
polynomialRegression(torch, "cuda", 20);  // warm-up
const chapter = polynomialRegression(torch, "cuda");
record("chapter_step", { msPerStep: chapter.msPerStep, batches: chapter.batches, loss: chapter.loss });

fs.writeFileSync(path.join(logDir(), "torchlab_bench.json"), JSON.stringify({ machine, quick, results }, null, 1));

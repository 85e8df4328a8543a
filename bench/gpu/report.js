#!/usr/bin/env node
"use strict";
// Ratios torchlab / PyTorch from torchlab_bench.json and pytorch_bench.json
// (both measured in one run on one card by bench/gpu/run.sh), against the
// issue's targets. Prints a table and writes ratios.json beside them.
//   node bench/gpu/report.js [dir]    (default: $OUT or ./gpu-logs)
const fs = require("fs");
const path = require("path");

const dir = process.argv[2] || process.env.OUT || path.join(process.cwd(), "gpu-logs");
const read = (f) => {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, f), "utf8"));
  } catch (e) {
    return { skipped: `${f}: ${String(e && e.message).split("\n")[0]}` };
  }
};
const tl = read("torchlab_bench.json"), pt = read("pytorch_bench.json");
if (tl.skipped || pt.skipped || !tl.results || !pt.results) {
  console.log(`ratios: skipped: ${tl.skipped || pt.skipped || "no results"}`);
  process.exit(0);
}
const a = tl.results, b = pt.results;
const rows = [];
// [what, torchlab value, PyTorch value, higher-is-better unit, target]
const row = (what, x, y, unit, target) => {
  if (typeof x !== "number" || typeof y !== "number") {
    rows.push({ what, note: typeof a[what] === "string" ? a[what] : "missing" });
    return;
  }
  const ratio = x / y;
  rows.push({ what, torchlab: x, pytorch: y, unit, ratio, target, ok: target === null ? null : ratio >= target });
};
const g = (o, k) => (o && typeof o === "object" ? o[k] : undefined);
for (const n of [4096, 8192]) {
  row(`mm_fp32_${n}`, g(a[`mm_fp32_${n}`], "tflops"), g(b[`mm_fp32_${n}`], "tflops"), "TFLOP/s", 0.9);
  row(`mm_tf32_${n}`, g(a[`mm_tf32_${n}`], "tflops"), g(b[`mm_tf32_${n}`], "tflops"), "TFLOP/s", null);
}
row("mm_bf16_8192", g(a.mm_bf16_8192, "tflops"), g(b.mm_bf16_8192, "tflops"), "TFLOP/s", 0.9);
// The measure: torchlab's add bandwidth against PyTorch's device-to-device copy.
row("add_256M vs PyTorch copy", g(a.add_256M, "gbps"), g(b.copy_d2d_256M, "gbps"), "GB/s", 0.8);
row("add_256M vs PyTorch add", g(a.add_256M, "gbps"), g(b.add_256M, "gbps"), "GB/s", null);
row("add_256M(out=) vs PyTorch add", g(a.add_256M, "outGbps"), g(b.add_256M, "outGbps"), "GB/s", null);
row("copy_d2d_256M", g(a.copy_d2d_256M, "gbps"), g(b.copy_d2d_256M, "gbps"), "GB/s", null);
// Per step: time, so the ratio is PyTorch's time over torchlab's (higher is better).
row("chapter_step (speed)", 1 / g(a.chapter_step, "msPerStep"), 1 / g(b.chapter_step, "msPerStep"), "steps/ms", null);

console.log(`torchlab / PyTorch on ${tl.machine.card} (PyTorch ${pt.machine.torch}, CUDA ${pt.machine.cuda})`);
for (const r of rows) {
  if (r.note !== undefined) {
    console.log(`  ${r.what.padEnd(30)} ${r.note}`);
    continue;
  }
  const f = (v) => (v >= 100 ? v.toFixed(0) : v >= 1 ? v.toFixed(2) : v.toPrecision(3));
  const verdict = r.target === null ? "" : r.ok ? `  (target >= ${r.target}: met)` : `  (target >= ${r.target}: MISSED)`;
  console.log(`  ${r.what.padEnd(30)} ${f(r.torchlab).padStart(8)} vs ${f(r.pytorch).padStart(8)} ${r.unit.padEnd(9)} ratio ${r.ratio.toFixed(2)}${verdict}`);
}
const ms = (o) => g(o, "msPerStep");
console.log(`  chapter step: torchlab ${ms(a.chapter_step).toFixed(3)} ms, PyTorch ${ms(b.chapter_step).toFixed(3)} ms per step`);
fs.writeFileSync(path.join(dir, "ratios.json"), JSON.stringify({ card: tl.machine.card, rows }, null, 1));

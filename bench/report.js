#!/usr/bin/env node
// Joins the JSON lines of bench/torchlab.js and bench/torch_bench.py and prints
// the comparison table (bench/README.md explains the columns).
//   node bench/report.js torchlab.jsonl pytorch.jsonl
// Exit status: 0 when every workload ran on both sides (MISS included: these are
// benchmarks, not tests); 1 when a workload failed or is missing; 2 on bad usage.
"use strict";
const fs = require("fs");

// How each row is read. `tl`/`pt`: result names on each side. `metric`: the
// field compared. `lower`: smaller is better (times); the ratio is always
// torchlab / pytorch of that field. `target`: the bound on the ratio.
// `info`: shown with its ratio, but not the variant the target applies to.
const SMALL = ["add", "mm", "cat", "sum"];
const ROWS = [
  ...SMALL.flatMap((op) => [
    { label: `small ${op} 32x4 (GC)`, tl: `small/${op}`, pt: `small/${op}`, metric: "seconds_per_iter", lower: true, target: 0.5 },
    { label: `small ${op} 32x4 (tidy)`, tl: `small/${op}+tidy`, pt: `small/${op}`, metric: "seconds_per_iter", lower: true, target: 0.5, info: true },
  ]),
  ...[256, 512, 1024, 2048].flatMap((n) => [
    { label: `sgemm ${n} (dispose)`, tl: `sgemm/${n}`, pt: `sgemm/${n}`, metric: "gflops", target: 0.95 },
    { label: `sgemm ${n} (tidy)`, tl: `sgemm/${n}+tidy`, pt: `sgemm/${n}`, metric: "gflops", target: 0.95, info: true },
  ]),
  { label: "add 16M out=", tl: "add_out/16M", pt: "add_out/16M", metric: "gbps", target: 0.9 },
  { label: "add 16M fresh (dispose)", tl: "add_fresh/16M", pt: "add_fresh/16M", metric: "gbps", target: 1.0 },
  { label: "add 16M fresh (GC)", tl: "add_fresh/16M+gc", pt: "add_fresh/16M", metric: "gbps", target: 1.0, info: true },
  { label: "sum 16M", tl: "sum/16M", pt: "sum/16M", metric: "gbps", target: 0.9 },
  { label: "fwd+bwd mm,add,sum 32x4", tl: "train/graph", pt: "train/graph", metric: "seconds_per_iter", lower: true, target: 0.5 },
  { label: "chapter 1.5 training step", tl: "train/chapter", pt: "train/chapter", metric: "seconds_per_iter", lower: true, target: 1 / 3 },
  { label: "chapter step vs np.sort verbatim", tl: "train/chapter", pt: "train/chapter+numpy", metric: "seconds_per_iter", lower: true, target: 1 / 3, info: true },
  { label: "MLP 2-64-64-2 Adam step, batch 64", tl: "train/mlp", pt: "train/mlp", metric: "seconds_per_iter", lower: true, target: 1, info: true },
];
const UNITS = { seconds_per_iter: "us/call", gflops: "GFLOP/s", gbps: "GB/s" };

function readLines(file) {
  const out = [];
  if (!fs.existsSync(file)) return out;
  for (const line of fs.readFileSync(file, "utf8").split("\n")) {
    const s = line.trim();
    if (!s.startsWith("{")) continue;
    try { out.push(JSON.parse(s)); } catch { /* not ours */ }
  }
  return out;
}

/**
 * name -> record. A result takes the `busy` share of the process run it came
 * from (the other_cpu_share of the `done` line that follows it). With several
 * runs of a workload (BENCH_REPEAT), a success beats an error and the least
 * disturbed run wins. Meta records: the first one.
 */
function index(records) {
  const byName = new Map();
  const metas = [];
  let wall = 0, otherCpu = 0, steal = 0;
  let pending = [];
  const settle = (busy) => {
    for (const r of pending) {
      r.busy = busy;
      const prev = byName.get(r.name);
      const better = prev === undefined
        || (prev.error !== undefined && r.error === undefined)
        || ((prev.error === undefined) === (r.error === undefined) && r.busy < prev.busy);
      if (better) byName.set(r.name, r);
    }
    pending = [];
  };
  for (const r of records) {
    if (r.name === "meta") { metas.push(r); continue; }
    if (r.name === "done") {
      const w = r.wall_seconds || 0;
      wall += w;
      otherCpu += (r.other_cpu_share || 0) * w;
      steal += (r.steal_share || 0) * w;
      settle(Math.max(r.other_cpu_share || 0, r.steal_share || 0));
      continue;
    }
    pending.push(r);
  }
  settle(1);  // results of a run that never finished
  return { byName, meta: metas[0] || {}, wall, otherCpu: wall ? otherCpu / wall : 0, steal: wall ? steal / wall : 0 };
}

function fmtValue(metric, v) {
  if (v === undefined || v === null || !Number.isFinite(v)) return "-";
  if (metric === "seconds_per_iter") return (v * 1e6).toFixed(2);
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
}

function table(rows) {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => String(r[c]).length)));
  const right = [false, true, true, true, true, false, false, true];
  const line = (r) => r.map((cell, c) => (right[c] ? String(cell).padStart(widths[c]) : String(cell).padEnd(widths[c]))).join("  ").trimEnd();
  const out = [line(rows[0]), widths.map((w) => "-".repeat(w)).join("  ")];
  for (const r of rows.slice(1)) out.push(line(r));
  return out.join("\n");
}

function main() {
  const [tlFile, ptFile] = process.argv.slice(2);
  if (!tlFile || !ptFile) {
    process.stderr.write("usage: node bench/report.js torchlab.jsonl pytorch.jsonl\n");
    return 2;
  }
  const tl = index(readLines(tlFile));
  const pt = index(readLines(ptFile));
  const errors = [];
  const rows = [["workload", "unit", "torchlab", "pytorch", "ratio", "target", "result", "busy"]];
  const cores = tl.meta.cores || pt.meta.cores || 1;
  const threads = Math.max(tl.meta.threads || cores, pt.meta.threads || cores);
  const spare = Math.max(0, cores - threads) / cores;  // other work may use these without competing
  const noisy = [];
  for (const row of ROWS) {
    const a = tl.byName.get(row.tl);
    const b = pt.byName.get(row.pt);
    const va = a && a[row.metric];
    const vb = b && b[row.metric];
    let ratio = "-", status;
    const target = `${row.lower ? "<=" : ">="} ${+row.target.toFixed(2)}x`;
    if (a === undefined || a.error !== undefined || b === undefined || b.error !== undefined) {
      status = "ERROR";
      if (a === undefined) errors.push(`${row.label}: no torchlab result (${row.tl})`);
      else if (a.error !== undefined) errors.push(`${row.label}: torchlab: ${a.error}`);
      if (b === undefined) errors.push(`${row.label}: no pytorch result (${row.pt})`);
      else if (b.error !== undefined) errors.push(`${row.label}: pytorch: ${b.error}`);
    } else {
      const r = va / vb;
      ratio = r.toFixed(2) + "x";
      const pass = row.lower ? r <= row.target : r >= row.target;
      status = pass ? "PASS" : "MISS";
      if (row.info) status = `(${status}) info`;
    }
    const busy = Math.max(a && Number.isFinite(a.busy) ? a.busy : 0, b && Number.isFinite(b.busy) ? b.busy : 0);
    if (busy > spare + 0.05 && !row.info) noisy.push(row.label);
    rows.push([row.label, UNITS[row.metric], fmtValue(row.metric, va), fmtValue(row.metric, vb), ratio, target, status,
      `${(100 * busy).toFixed(0)}%`]);
  }

  const m = tl.meta, p = pt.meta;
  const out = [];
  out.push("torchlab vs PyTorch (CPU)");
  out.push(`  machine: ${m.cores ?? p.cores} cores (${m.cpu ?? "?"}), load average before the run: ${(m.loadavg || p.loadavg || []).map((x) => x.toFixed(2)).join(" ") || "?"}`);
  out.push(`  torchlab: threads ${m.threads ?? "?"} (torch.getNumThreads()), matmul: ${m.matmul_impl ?? "?"} (torch.backends.cpu.matmulImpl()), node ${m.node ?? "?"}`);
  out.push(`  pytorch ${p.torch ?? "?"}: threads ${p.threads ?? "?"} (torch.get_num_threads()), BLAS_INFO=${p.blas_info ?? "?"} `
    + `[${(p.blas_libs || []).join(", ")}], OpenBLAS threads: ${p.blas_threads ?? "?"}, CPU capability: ${p.cpu_capability ?? "?"}`);
  out.push(`  small ops: median over ${m.small_batches ?? "?"} batches of ${m.small_iters ?? "?"} calls after a warm-up batch;`
    + " other rows: median over 3-7 batches sized to ~0.3 s");
  out.push("  ratio = torchlab / pytorch of the row's unit: for us/call lower is better (target <=), for GFLOP/s and GB/s higher is better (target >=)");
  out.push("  (info) rows are variants shown for reference; the target applies to the row above them with the same workload");
  out.push("  busy: CPU share other processes took while that row ran (the larger of the two sides; from /proc/stat)");
  out.push("");
  out.push(table(rows));
  out.push("");
  out.push(`wall time: torchlab ${tl.wall.toFixed(1)} s, pytorch ${pt.wall.toFixed(1)} s`);
  const pct = (x) => `${(100 * x).toFixed(0)}%`;
  out.push(`other processes used ${pct(tl.otherCpu)} (torchlab runs) and ${pct(pt.otherCpu)} (pytorch runs) of the machine's CPU time`
    + (tl.steal + pt.steal > 0.005 ? `; hypervisor steal ${pct(tl.steal)} / ${pct(pt.steal)}` : ""));
  if (noisy.length)
    out.push(`WARNING: other work competed for CPU while ${noisy.length} compared row(s) ran (busy > ${(100 * (spare + 0.05)).toFixed(0)}%); `
      + "their ratios are unreliable: rerun when the machine is idle, or with BENCH_REPEAT=3");
  const counted = rows.slice(1).filter((_, i) => !ROWS[i].info).map((r) => r[6]);  // result column of compared rows
  const n = (what) => counted.filter((x) => x === what).length;
  out.push(`${n("PASS")} PASS, ${n("MISS")} MISS, ${n("ERROR")} ERROR (of ${counted.length} targets)`);
  if (errors.length) {
    out.push("");
    out.push("errors:");
    for (const e of errors) out.push(`  ${e}`);
  }
  process.stdout.write(out.join("\n") + "\n");
  return errors.length ? 1 : 0;
}

process.exitCode = main();

#!/usr/bin/env node
// Time to produce a chart's full Jupyter display bundle (Vega-Lite spec + SVG
// rendered headlessly with vega) for a scatter and a line of 1k, 10k and 100k
// points, through the pyplot facade, as a notebook cell does:
//     plt.figure(); plt.scatter(x, y); plt.gcf()[Symbol.for("Jupyter.display")]()
// Larger inputs are downsampled by the facade (thresholds in
// runtime/plot/data.ts); a reference table renders the same points WITHOUT
// downsampling (hand-written spec straight into renderSvg) to show why.
//   npm run build:ts && node bench/plot.js [--runs=5] [--no-raw]
"use strict";
const path = require("path");

const dist = path.join(__dirname, "..", "dist", "runtime", "plot");
let plt, data, render;
try {
  plt = require(path.join(dist, "index.js"));
  data = require(path.join(dist, "data.js"));
  render = require(path.join(dist, "render.js"));
} catch (e) {
  console.error(`bench/plot.js needs the compiled runtime (run \`npm run build:ts\` first): ${e.message}`);
  process.exit(2);
}

const args = process.argv.slice(2);
const RUNS = Number((args.find((a) => a.startsWith("--runs=")) || "--runs=5").slice(7));
const RAW = !args.includes("--no-raw");
const SIZES = [1_000, 10_000, 100_000];
const DISPLAY = Symbol.for("Jupyter.display");

const now = () => Number(process.hrtime.bigint()) / 1e6;
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function inputs(n) {
  const x = new Float64Array(n), y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    x[i] = (4 * i) / n - 2;
    y[i] = Math.sin(3 * x[i]) + 0.1 * Math.sin(977 * i); // wiggly: downsampling has work to do
  }
  return { x, y };
}

/** Drawn items in the SVG's role-mark groups: one path per symbol, one per line. */
function drawnItems(svg, markType) {
  const re = new RegExp(`<g class="mark-${markType} role-mark[^"]*"[^>]*>([\\s\\S]*?)</g>`, "g");
  let count = 0;
  for (const m of svg.matchAll(re)) count += (m[1].match(/<path\b/g) || []).length;
  return count;
}

function facadeRun(kind, x, y) {
  const t0 = now();
  plt.figure();
  if (kind === "scatter") plt.scatter(x, y, { label: "data" });
  else plt.plot(x, y, { label: "data" });
  const fig = plt.gcf();
  const t1 = now();
  const spec = fig.toSpec();
  const t2 = now();
  const bundle = fig[DISPLAY]();
  const t3 = now();
  const svg = bundle["image/svg+xml"];
  if (typeof svg !== "string") throw new Error(`no SVG in the bundle: ${bundle["text/plain"]}`);
  return {
    call: t1 - t0, // the plt.scatter/plt.plot call: data conversion and downsampling
    spec: t2 - t1, // fig.toSpec() alone
    bundle: t3 - t2, // fig[Symbol.for("Jupyter.display")](): toSpec + JSON copy + compile + SVG
    total: t3 - t0,
    specBytes: JSON.stringify(spec).length,
    svgBytes: svg.length,
    drawn: kind === "scatter" ? drawnItems(svg, "symbol") : pointsOnLine(svg), // symbols, or line vertices
    note: /showing [\d,]+ of [\d,]+/.exec(JSON.stringify(spec))?.[0] ?? "",
  };
}

/** Vertices of the line marks' paths (M/L commands), to show how many points a line draws. */
function pointsOnLine(svg) {
  const re = /<g class="mark-line role-mark[^"]*"[^>]*>([\s\S]*?)<\/g>/g;
  let count = 0;
  for (const m of svg.matchAll(re)) {
    for (const d of m[1].matchAll(/\sd="([^"]*)"/g)) count += (d[1].match(/[ML]/g) || []).length;
  }
  return count;
}

function rawRun(kind, x, y) {
  const values = Array.from(x, (xi, i) => ({ x: xi, y: y[i] }));
  const spec = {
    $schema: "https://vega.github.io/schema/vega-lite/v5.json",
    width: 640,
    height: 480,
    data: { values },
    mark: kind === "scatter" ? { type: "point", filled: true } : "line",
    encoding: { x: { field: "x", type: "quantitative" }, y: { field: "y", type: "quantitative" } },
  };
  const t0 = now();
  const svg = render.renderSvg(spec);
  return { total: now() - t0, svgBytes: svg.length };
}

function pad(s, n, left = false) {
  s = String(s);
  return left ? s.padEnd(n) : s.padStart(n);
}
const ms = (v) => (v < 10 ? v.toFixed(1) : v.toFixed(0));
const mb = (b) => (b / 1e6).toFixed(2);

console.log(`node ${process.version}, ${require("os").cpus().length} cores; median of ${RUNS} runs after one warm-up`);
console.log(
  `facade thresholds (runtime/plot/data.ts): MAX_SCATTER_POINTS=${data.MAX_SCATTER_POINTS} (seeded random sample), ` +
    `MAX_LINE_POINTS=${data.MAX_LINE_POINTS} (M4: first/min/max/last per bucket)`,
);
console.log("");

// warm-up: loads vega/vega-lite and JIT-compiles the paths once
{
  const { x, y } = inputs(1000);
  facadeRun("scatter", x, y);
  facadeRun("line", x, y);
}

const header =
  `${pad("chart", 8, true)} ${pad("points", 8)}  ${pad("call ms", 8)} ${pad("spec ms", 8)} ${pad("bundle ms", 9)} ${pad("total ms", 9)}` +
  `  ${pad("spec MB", 8)} ${pad("svg MB", 7)} ${pad("drawn", 6)}  note`;
console.log("Display bundle through the facade (plt.figure(); plt.scatter|plot(x, y); gcf()[Jupyter.display]())");
console.log(header);
console.log("-".repeat(header.length + 20));
for (const kind of ["scatter", "line"]) {
  for (const n of SIZES) {
    const { x, y } = inputs(n);
    const runs = [];
    for (let r = 0; r < RUNS; r++) runs.push(facadeRun(kind, x, y));
    const m = (k) => median(runs.map((r) => r[k]));
    const last = runs[runs.length - 1];
    console.log(
      `${pad(kind, 8, true)} ${pad(n.toLocaleString("en-US"), 8)}  ${pad(ms(m("call")), 8)} ${pad(ms(m("spec")), 8)} ${pad(ms(m("bundle")), 9)} ${pad(ms(m("total")), 9)}` +
        `  ${pad(mb(last.specBytes), 8)} ${pad(mb(last.svgBytes), 7)} ${pad(last.drawn, 6)}  ${last.note}`,
    );
  }
}

if (RAW) {
  console.log("");
  console.log("Reference: the same points WITHOUT downsampling, hand-written spec -> renderSvg (SVG only)");
  const h2 = `${pad("chart", 8, true)} ${pad("points", 8)}  ${pad("svg ms", 8)} ${pad("svg MB", 7)}`;
  console.log(h2);
  console.log("-".repeat(h2.length));
  for (const kind of ["scatter", "line"]) {
    for (const n of SIZES) {
      const { x, y } = inputs(n);
      const runs = [];
      const reps = n >= 100_000 ? Math.min(RUNS, 3) : RUNS;
      for (let r = 0; r < reps; r++) runs.push(rawRun(kind, x, y));
      console.log(
        `${pad(kind, 8, true)} ${pad(n.toLocaleString("en-US"), 8)}  ${pad(ms(median(runs.map((r) => r.total))), 8)} ${pad(mb(runs[0].svgBytes), 7)}`,
      );
    }
  }
}

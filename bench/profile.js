#!/usr/bin/env node
// Profiles torchlab workloads with V8's sampling profiler and prints where the
// time goes (self time by function, and the total time under each function).
//   node bench/profile.js small/mm            # any --only prefix of bench/torchlab.js
//   node bench/profile.js small/add,small/sum 25
// The second argument is how many rows to print (default 30). The raw profile
// stays in bench/out/profile/ (open it in Chrome DevTools > Performance).
"use strict";
const { execFileSync } = require("child_process");
const fs = require("fs");
const path = require("path");

const only = process.argv[2] || "small";
const top = Number(process.argv[3] || 30);
const dir = path.join(__dirname, "out", "profile");
fs.rmSync(dir, { recursive: true, force: true });
fs.mkdirSync(dir, { recursive: true });
const out = execFileSync(process.execPath,
  ["--cpu-prof", "--cpu-prof-dir", dir, "--cpu-prof-interval", "50", path.join(__dirname, "torchlab.js"), `--only=${only}`],
  { encoding: "utf8", env: { ...process.env, BENCH_QUICK: process.env.BENCH_QUICK || "0" } });
process.stdout.write(out.split("\n").filter((l) => l && !l.includes('"name":"meta"')).join("\n") + "\n\n");

const file = fs.readdirSync(dir).find((f) => f.endsWith(".cpuprofile"));
const prof = JSON.parse(fs.readFileSync(path.join(dir, file), "utf8"));
const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of prof.nodes) for (const c of n.children || []) parent.set(c, n.id);

const selfCount = new Map();
for (const s of prof.samples) selfCount.set(s, (selfCount.get(s) || 0) + 1);
const total = prof.samples.length;

const key = (n) => {
  const f = n.callFrame;
  const file = f.url ? path.relative(path.join(__dirname, ".."), f.url.replace(/^file:\/\//, "")) : "";
  return `${f.functionName || "(anonymous)"} ${file ? `${file}:${f.lineNumber + 1}` : ""}`.trim();
};

const self = new Map();
const inclusive = new Map();
for (const [id, count] of selfCount) {
  const n = byId.get(id);
  self.set(key(n), (self.get(key(n)) || 0) + count);
  // Each function on the stack once (recursion counted once).
  const seen = new Set();
  for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
    const k = key(byId.get(cur));
    if (seen.has(k)) continue;
    seen.add(k);
    inclusive.set(k, (inclusive.get(k) || 0) + count);
  }
}

const print = (title, m) => {
  console.log(title);
  const rows = [...m].sort((a, b) => b[1] - a[1]).slice(0, top);
  for (const [k, c] of rows) console.log(`  ${(100 * c / total).toFixed(1).padStart(5)}%  ${k}`);
  console.log("");
};
console.log(`${total} samples, ${file}`);
print("self time:", self);
print("total time (self + callees):", inclusive);

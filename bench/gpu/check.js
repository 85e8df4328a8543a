#!/usr/bin/env node
"use strict";
// The GPU check, runnable with plain node (no jest): every fixture case of
// ops, autograd and autograd_ops run on cuda and compared with the CPU, then
// the CUDA behaviour checks (bench/gpu/extras.js). Prints PASS/FAIL counts
// and writes check.log (every result) and check.json (the summary) to $OUT or
// ./gpu-logs. Exits 0 when everything passed or there is no GPU (skipped, one
// line), 1 when a check failed.
//   node --expose-gc bench/gpu/check.js [--suite=ops,cuda] [--match=text] [--device=cuda:0]
const fs = require("fs");
const path = require("path");
const { root, loadTorch, noGpuReason, skip, logDir, describeMachine } = require("./common");

const arg = (k) => (process.argv.find((a) => a.startsWith(`--${k}=`)) || "").split("=")[1];
// --device=cpu runs the fixture suites on the CPU against the CPU: a dry run of
// the harness itself on a machine without a GPU (the CUDA checks are left out).
const device = arg("device") || "cuda";
const torch = loadTorch("gpu check");
const reason = device === "cpu" ? null : noGpuReason(torch);
if (reason !== null) skip("gpu check", reason);

const { fixtureChecks, runCheck } = require("./fixtures");
const { extraChecks } = require("./extras");

const suites = arg("suite") ? arg("suite").split(",") : null;
const match = arg("match") || null;
let checks = [...fixtureChecks(torch, root, device), ...(device === "cpu" ? [] : extraChecks(torch))];
if (suites !== null) checks = checks.filter((c) => suites.includes(c.suite));
if (match !== null) checks = checks.filter((c) => c.name.includes(match));

const dir = logDir();
// Appended line by line, so a crash still leaves the log up to the failing case.
const logFile = path.join(dir, "check.log");
fs.writeFileSync(logFile, "");
const log = { write: (s) => fs.appendFileSync(logFile, s) };
const machine = device === "cpu" ? { card: "CPU (dry run)", node: process.version } : describeMachine(torch);
log.write(`# ${JSON.stringify(machine)}\n`);
const counts = {};
const failures = [];
const t0 = Date.now();
for (const c of checks) {
  const t = Date.now();
  log.write(`RUN  ${c.suite} ${c.name}\n`);
  const problems = runCheck(c);
  const ms = Date.now() - t;
  const k = (counts[c.suite] ??= { pass: 0, fail: 0 });
  if (problems.length === 0) {
    k.pass++;
    log.write(`PASS ${c.suite} ${c.name} (${ms} ms)\n`);
  } else {
    k.fail++;
    failures.push({ suite: c.suite, name: c.name, problems });
    log.write(`FAIL ${c.suite} ${c.name} (${ms} ms)\n${problems.map((p) => `    ${p}`).join("\n")}\n`);
  }
}
const pass = Object.values(counts).reduce((a, k) => a + k.pass, 0);
const fail = Object.values(counts).reduce((a, k) => a + k.fail, 0);
const summary = { machine, device, seconds: (Date.now() - t0) / 1000, pass, fail, counts, failures };
fs.writeFileSync(path.join(dir, "check.json"), JSON.stringify(summary, null, 1));
console.log(`gpu check on ${machine.card}: ${pass} PASS, ${fail} FAIL in ${summary.seconds.toFixed(1)} s`);
for (const [s, k] of Object.entries(counts)) console.log(`  ${s.padEnd(13)} ${k.pass} pass, ${k.fail} fail`);
for (const f of failures.slice(0, 40)) console.log(`  FAIL ${f.suite} ${f.name}: ${f.problems[0].slice(0, 240)}`);
if (failures.length > 40) console.log(`  ... ${failures.length - 40} more in ${path.join(dir, "check.log")}`);
process.exit(fail === 0 ? 0 : 1);

#!/usr/bin/env node
"use strict";
// The chapter on a GPU, with plain node: section 1.3's CUDA examples, then
// section 1.5's program (polynomial regression) with its model and batches on
// cuda, timed per step and run on the CPU too for comparison. Writes
// chapter.log and chapter.json to $OUT or ./gpu-logs; skips (exit 0, one line)
// without a GPU.
//   node --expose-gc bench/gpu/chapter.js [--max-batches=N]
const fs = require("fs");
const path = require("path");
const { loadTorch, noGpuReason, skip, logDir, describeMachine } = require("./common");

const POLY_DEGREE = 4;

/**
 * Section 1.5's program on `device`: random batches of 32 following
 * y = W·[x, x², x³, x⁴] + b, nn.Linear(4, 1), smoothL1Loss and SGD on
 * param.data until the loss is below 1e-3. Returns the loss, the batch count,
 * milliseconds per step and the chapter's three printed lines.
 */
function polynomialRegression(torch, device, maxBatches = 100000) {
  const F = torch.nn.functional;
  const on = { device };
  torch.manualSeed(5000);
  const wTarget = torch.randn(POLY_DEGREE, 1, on).mul(5);
  const bTarget = torch.randn(1, on).mul(5);
  const makeFeatures = (x) => {
    const col = x.unsqueeze(1);
    return torch.cat(Array.from({ length: POLY_DEGREE }, (_, i) => col.pow(i + 1)), 1);
  };
  const f = (x) => x.mm(wTarget).add(bTarget.index(0));
  const polyDesc = (w, b) => {
    const fmt = (v) => (v >= 0 ? "+" : "") + v.toFixed(2);
    const ws = w.tolist();
    return `y = ${ws.map((v, i) => `${fmt(v)} x^${ws.length - i} `).join("")}${fmt(b.tolist()[0])}`;
  };
  const getBatch = (batchSize = 32) => {
    const x = makeFeatures(torch.randn(batchSize, on).sort().values);
    return [x, f(x)];
  };
  const fc = new torch.nn.Linear(wTarget.size(0), 1);
  if (device !== "cpu") fc.to(device);
  let loss = Infinity, batches = 0;
  const t0 = process.hrtime.bigint();
  for (batches = 1; batches <= maxBatches; batches++) {
    torch.tidy(() => {
      const [bx, by] = getBatch();
      fc.zeroGrad();
      const output = F.smoothL1Loss(fc.forward(bx), by);
      loss = output.item();  // waits for the GPU every step, as the chapter's program does
      output.backward();
      for (const p of fc.parameters()) p.data.add_(p.grad.data.mul(-0.1));
    });
    if (loss < 1e-3) break;
  }
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const lines = [
    `Loss: ${loss.toFixed(6)} after ${batches} batches`,
    `==> Learned function:\t${polyDesc(fc.weight.data.view(-1), fc.bias.data)}`,
    `==> Actual function:\t${polyDesc(wTarget.view(-1), bTarget)}`,
  ];
  return { device, loss, batches, msPerStep: ms / batches, lines };
}

/** Section 1.3's examples, as far as this machine's GPU count allows; returns printed lines. */
function cudaSection(torch) {
  const out = [];
  const say = (s) => out.push(s);
  const n = torch.cuda.deviceCount();
  const x = torch.empty(1, { device: "cuda" });  // x = torch.cuda.FloatTensor(1)
  say(`x = torch.cuda.FloatTensor(1): device ${x.device}, dtype ${x.dtype}`);
  const second = n > 1 ? 1 : 0;
  const y = torch.randn(2).cuda(0);  // y = torch.FloatTensor(1).cuda()
  const [a, b, c] = torch.cuda.device(second, () => {
    const a1 = torch.empty(1, { device: "cuda" });     // allocated on the current GPU
    const b1 = torch.empty(1).cuda();                    // .cuda() goes to the current GPU too
    return [a1, b1, a1.add(b1)];                          // results stay on their inputs' GPU
  });
  say(`with torch.cuda.device(${second}): a on ${a.device}, b on ${b.device}, c = a + b on ${c.device}`);
  if (n > 1) {
    try {
      x.add(a);
      say("z = x + a across GPUs: no error (unexpected)");
    } catch (e) {
      say(`z = x + a across GPUs raises: ${e.message}`);
    }
  } else {
    say("z = x + y across GPUs: skipped, this machine has one GPU (a CPU tensor shows the same refusal below)");
    try {
      y.add(torch.ones(2));
    } catch (e) {
      say(`y (cuda) + a CPU tensor raises: ${e.message}`);
    }
  }
  const moved = torch.zeros(2);
  moved.copy_(y);  // copy_ is the one op that crosses devices
  say(`copy_ from ${y.device} into a CPU tensor: ${moved.toString()}`);
  if (n > 2) say(`torch.randn(2).cuda(2): on ${torch.randn(2).cuda(2).device}`);
  else say(`torch.randn(2).cuda(2): skipped, this machine has ${n} GPU${n === 1 ? "" : "s"}`);
  return out;
}

if (require.main === module) {
  const torch = loadTorch("gpu chapter");
  const reason = noGpuReason(torch);
  if (reason !== null) skip("gpu chapter", reason);
  const arg = (k) => (process.argv.find((s) => s.startsWith(`--${k}=`)) || "").split("=")[1];
  const maxBatches = Number(arg("max-batches") || 100000);
  const machine = describeMachine(torch);
  const lines = [`# ${JSON.stringify(machine)}`, "## 1.3 CUDA", ...cudaSection(torch), "## 1.5 polynomial regression"];
  polynomialRegression(torch, "cuda", 20);  // warm-up: first launches, cuBLAS handles, allocator blocks
  const runs = [polynomialRegression(torch, "cuda", maxBatches), polynomialRegression(torch, "cpu", maxBatches)];
  for (const r of runs) lines.push(`[${r.device}] ${r.msPerStep.toFixed(3)} ms/step`, ...r.lines.map((l) => `[${r.device}] ${l}`));
  const dir = logDir();
  fs.writeFileSync(path.join(dir, "chapter.log"), lines.join("\n") + "\n");
  fs.writeFileSync(path.join(dir, "chapter.json"), JSON.stringify({ machine, runs }, null, 1));
  console.log(lines.slice(1).join("\n"));
}

module.exports = { polynomialRegression, cudaSection };

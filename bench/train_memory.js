#!/usr/bin/env node
// Memory of a long training loop with no explicit disposal: the chapter's
// program (section 1.5) run for STEPS steps (default 1,000,000), results
// left to the garbage collector. Prints resident memory (RSS) after the
// first 10,000 steps and at the end, and their ratio (target: within 10%).
//   node bench/train_memory.js [steps]        (about a minute per million steps)
"use strict";
const path = require("path");
const torch = require(path.join(__dirname, "..", "dist", "runtime", "index.js"));

const STEPS = Number(process.argv[2] || 1_000_000);
const F = torch.nn.functional;
torch.manualSeed(5000);
const wTarget = torch.randn(4, 1).mul(5);
const bTarget = torch.randn(1).mul(5);
const makeFeatures = (x) => {
  const col = x.unsqueeze(1);
  return torch.cat([1, 2, 3, 4].map((i) => col.pow(i)), 1);
};
const f = (x) => x.mm(wTarget).add(bTarget.index(0));
const fc = new torch.nn.Linear(4, 1);

const mib = (b) => (b / 1048576).toFixed(1);
let rssAt10k = 0, loss = 0;
const t0 = process.hrtime.bigint();
for (let step = 1; step <= STEPS; step++) {
  const x = makeFeatures(torch.randn(32).sort().values);
  const y = f(x);
  fc.zeroGrad();
  const output = F.smoothL1Loss(fc.forward(x), y);
  loss = output.item();
  output.backward();
  for (const p of fc.parameters()) p.data.add_(p.grad.data.mul(-0.1));
  if (step === 10_000) rssAt10k = process.memoryUsage().rss;
  if (step % 100_000 === 0) process.stderr.write(`step ${step}: rss ${mib(process.memoryUsage().rss)} MiB, loss ${loss.toExponential(2)}\n`);
}
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
const rssEnd = process.memoryUsage().rss;
const ratio = rssEnd / rssAt10k;
console.log(JSON.stringify({
  name: "train/memory", steps: STEPS, rss_after_10k_mib: +mib(rssAt10k), rss_end_mib: +mib(rssEnd),
  ratio: +ratio.toFixed(3), target: "<= 1.10", result: ratio <= 1.1 ? "PASS" : "MISS",
  us_per_step: +(seconds / STEPS * 1e6).toFixed(2), final_loss: loss, native_live_blocks: torch.memoryStats().liveBlocks,
}));

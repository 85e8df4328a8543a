#!/usr/bin/env node
// Memory of a long training loop with no explicit disposal: the chapter's
// program (section 1.5) run for STEPS steps (default 1,000,000), every result
// left to the garbage collector. Prints resident memory (RSS) after the first
// 10,000 steps and at the end, their ratio (target: within 10%), and V8's
// heap spaces, in two runs:
//  - "fixed nursery" (the compared run): V8's young generation fixed at its
//    largest size (--min-semi-space-size=16 --max-semi-space-size=16), so RSS
//    shows only what the program keeps;
//  - "default flags" (for reference): V8 grows its young generation from 8 to
//    32 MiB as the run goes on (its allocation-rate policy, not a leak); the
//    space table shows where the growth is.
//   node bench/train_memory.js [steps]        (about 25 s per million steps and run)
"use strict";
const path = require("path");
const { spawnSync } = require("child_process");

const STEPS = Number(process.argv[2] || 1_000_000);

if (process.env.TRAIN_MEMORY_CHILD === "1") {
  child();
} else {
  const runs = [
    { variant: "fixed nursery", flags: ["--min-semi-space-size=16", "--max-semi-space-size=16"], compared: true },
    { variant: "default flags", flags: [], compared: false },
  ];
  let status = 0;
  for (const r of runs) {
    const res = spawnSync(process.execPath, [...r.flags, __filename, String(STEPS)], {
      env: { ...process.env, TRAIN_MEMORY_CHILD: "1" }, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"],
    });
    if (res.status !== 0) {
      console.log(JSON.stringify({ name: "train/memory", variant: r.variant, error: `child exited with ${res.status}` }));
      status = 1;
      continue;
    }
    const out = JSON.parse(res.stdout.trim().split("\n").pop());
    out.variant = r.variant;
    out.v8_flags = r.flags.join(" ") || "(none)";
    if (!r.compared) out.result = `(${out.result}) info`;
    console.log(JSON.stringify(out));
  }
  process.exit(status);
}

function child() {
  const v8 = require("v8");
  const torch = require(path.join(__dirname, "..", "dist", "runtime", "index.js"));
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
  const mib = (b) => +(b / 1048576).toFixed(1);
  const spaces = () => Object.fromEntries(v8.getHeapSpaceStatistics()
    .filter((s) => s.space_size > 0).map((s) => [s.space_name.replace(/_space$/, ""), mib(s.space_size)]));

  let at10k = null, loss = 0;
  const t0 = process.hrtime.bigint();
  for (let step = 1; step <= STEPS; step++) {
    const x = makeFeatures(torch.randn(32).sort().values);
    const y = f(x);
    fc.zeroGrad();
    const output = F.smoothL1Loss(fc.forward(x), y);
    loss = output.item();
    output.backward();
    for (const p of fc.parameters()) p.data.add_(p.grad.data.mul(-0.1));
    if (step === 10_000) at10k = { rss: process.memoryUsage().rss, spaces: spaces() };
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const rssEnd = process.memoryUsage().rss;
  const base = at10k ?? { rss: rssEnd, spaces: spaces() };
  const ratio = rssEnd / base.rss;
  console.log(JSON.stringify({
    name: "train/memory", steps: STEPS, rss_after_10k_mib: mib(base.rss), rss_end_mib: mib(rssEnd),
    ratio: +ratio.toFixed(3), target: "<= 1.10", result: ratio <= 1.1 ? "PASS" : "MISS",
    heap_spaces_after_10k_mib: base.spaces, heap_spaces_end_mib: spaces(),
    live_large_blocks: torch.memoryStats().liveBlocks, us_per_step: +(seconds / STEPS * 1e6).toFixed(2), final_loss: loss,
  }));
}

// Timing helpers shared by bench/torchlab.js. bench/torch_bench.py implements
// the same two functions the same way, so both sides are timed alike.
"use strict";
const { performance } = require("perf_hooks");

function median(xs) {
  const s = xs.slice().sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * batch(n) runs n calls. One untimed warm-up batch, then `batches` timed ones.
 * Returns seconds per call: the median and the minimum over batches.
 */
function timeFixed(batch, n, batches) {
  batch(n);
  const per = [];
  for (let b = 0; b < batches; b++) {
    const t0 = performance.now();
    batch(n);
    per.push((performance.now() - t0) / 1e3 / n);
  }
  return { median: median(per), min: Math.min(...per) };
}

/**
 * fn() is one call. Two untimed calls (the second sizes the batches), then
 * 3 to 7 batches of n calls so that the whole takes about `seconds`.
 */
function timeAdaptive(fn, seconds) {
  fn();
  const t0 = performance.now();
  fn();
  const t1 = Math.max((performance.now() - t0) / 1e3, 1e-7);
  const n = Math.max(1, Math.floor(seconds / 5 / t1));
  const batches = Math.max(3, Math.min(7, Math.floor(seconds / (n * t1))));
  const r = timeFixed((k) => { for (let i = 0; i < k; i++) fn(); }, n, batches);
  return { ...r, iters: n, batches };
}

module.exports = { median, timeFixed, timeAdaptive };

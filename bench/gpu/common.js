"use strict";
// What every GPU script shares: finding the package, loading the compiled
// runtime, deciding whether there is a GPU to run on, and where logs go.
const fs = require("fs");
const path = require("path");

const root = path.resolve(__dirname, "..", "..");

/** The compiled runtime (dist/runtime), or exits 0 with a one-line reason when it cannot be loaded. */
function loadTorch(who) {
  const entry = path.join(root, "dist", "runtime", "index.js");
  if (!fs.existsSync(entry)) skip(who, `${path.relative(process.cwd(), entry)} is missing (run npm run build:ts first)`);
  try {
    return require(entry);
  } catch (e) {
    skip(who, `the runtime does not load: ${String(e && e.message).split("\n")[0]}`);
  }
}

/** Why there is no GPU to run on, or null when there is one. */
function noGpuReason(torch) {
  if (!torch.backends.cuda.isBuilt()) return "the addon was built without CUDA (no nvcc at build time)";
  if (torch.cuda.isAvailable()) return null;
  try {
    torch.cuda.currentDevice();
  } catch (e) {
    return String(e && e.message);
  }
  return "no CUDA device";
}

function skip(who, reason) {
  console.log(`${who}: skipped: ${reason}`);
  process.exit(0);
}

/** The log folder: $OUT when set (the GPU machine's), else ./gpu-logs. */
function logDir() {
  const dir = process.env.OUT ? process.env.OUT : path.join(process.cwd(), "gpu-logs");
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/** Card and software versions, for every log's first line. */
function describeMachine(torch) {
  const p = torch.cuda.getDeviceProperties(0);
  let blas = {};
  try { blas = torch.backends.cuda.blasInfo(); } catch (e) { blas = { error: String(e && e.message) }; }
  return { card: p.name, totalMemory: p.totalMemory, capability: `${p.major}.${p.minor}`, sms: p.multiProcessorCount, devices: torch.cuda.deviceCount(), node: process.version, cublas: blas };
}

module.exports = { root, loadTorch, noGpuReason, skip, logDir, describeMachine };

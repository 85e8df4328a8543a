#!/usr/bin/env bash
# The GPU run in one command, for a GPU machine without npm (see docs/cuda.md,
# "Running on a GPU machine"): the check (every fixture case on cuda against
# the CPU, and the CUDA behaviour checks), the chapter on the GPU, torchlab's
# and PyTorch's benchmarks, and the ratios. Logs go to $OUT (else ./gpu-logs).
#   bash bench/gpu/run.sh            # BENCH_QUICK=1 for shorter benchmarks
# Exit status: 0 when there is no GPU (one line says why) or every check
# passed; 1 when a check failed (the benchmarks still run).
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:-$PWD/gpu-logs}
export OUT

# Node.js: the one on PATH, else the packed copy (.device/node.xz, see pack.sh).
if ! command -v node >/dev/null 2>&1; then
  if [[ -f .device/node.xz ]]; then
    xz -dc .device/node.xz > /tmp/node && chmod +x /tmp/node && export PATH=/tmp:$PATH
  else
    echo "gpu run: skipped: no node on PATH and no .device/node.xz (run bench/gpu/pack.sh where npm works)"
    exit 0
  fi
fi

# The addon's libraries packed by pack.sh (OpenBLAS, the GCC runtime), when present.
if [[ -f .device/libs.tar.xz ]]; then
  mkdir -p /tmp/torchlab-libs && tar -C /tmp/torchlab-libs -xJf .device/libs.tar.xz
  export LD_LIBRARY_PATH=/tmp/torchlab-libs/libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
fi

reason=$(node -e '
  const { loadTorch, noGpuReason } = require("./bench/gpu/common");
  const r = noGpuReason(loadTorch("gpu run"));
  if (r !== null) console.log(r);' 2>&1)
if [[ -n "$reason" ]]; then
  echo "gpu run: skipped: ${reason#gpu run: skipped: }"
  exit 0
fi

mkdir -p "$OUT"
quick=()
[[ -n "${BENCH_QUICK:-}" ]] && quick=(--quick)
nvidia-smi > "$OUT/nvidia-smi.txt" 2>&1 || true

echo "== check (log: $OUT/check.log)"
node --expose-gc bench/gpu/check.js 2>&1 | tee "$OUT/check.out"
status=${PIPESTATUS[0]}
echo "== chapter"
node --expose-gc bench/gpu/chapter.js 2>&1 | tee "$OUT/chapter.out"
echo "== torchlab benchmarks"
node --expose-gc bench/gpu/bench.js "${quick[@]}" 2>&1 | tee "$OUT/torchlab_bench.out"
echo "== PyTorch benchmarks"
PY=${BENCH_PYTHON:-python3}
"$PY" bench/gpu/torch_bench.py "${quick[@]}" > "$OUT/pytorch_bench.json" 2> "$OUT/pytorch_bench.err"
tail -n 3 "$OUT/pytorch_bench.err" 2>/dev/null
echo "== ratios (torchlab / PyTorch, same run, same card)"
node bench/gpu/report.js "$OUT" | tee "$OUT/ratios.txt"
exit $(( status == 0 ? 0 : 1 ))

#!/usr/bin/env bash
# torchlab vs PyTorch on this machine, in one command (see bench/README.md):
#   bash bench/run.sh            # or: npm run bench
#   BENCH_THREADS=1 bash bench/run.sh    # both sides single-threaded
#   BENCH_QUICK=1 bash bench/run.sh      # a shorter, noisier run
#   BENCH_REPEAT=3 bash bench/run.sh     # more rounds on a busy machine (default 2)
# Exit status: 0 when every workload ran (a MISS is not an error), 1 when a
# workload failed, 2 when /usr/bin/python3 has no torch.
set -uo pipefail
cd "$(dirname "$0")/.."

PY=${BENCH_PYTHON:-/usr/bin/python3}
if ! "$PY" -c "import torch" >/dev/null 2>&1; then
  echo "bench: $PY cannot import torch (PyTorch is the baseline of every ratio)." >&2
  echo "bench: run \`bash scripts/setup.sh --bench\` (installs Debian's python3-torch), then rerun bash bench/run.sh." >&2
  exit 2
fi

if [[ ! -f dist/runtime/index.js || ! -f build/Release/torchlab.node ]]; then
  echo "bench: dist/ or build/ missing, running npm run build" >&2
  npm run build >&2 || { echo "bench: build failed" >&2; exit 1; }
fi

# Same thread count on both sides: all cores unless BENCH_THREADS says otherwise.
# OpenBLAS (used by PyTorch's mm here, and by torchlab's when built with it)
# sizes its own pool: give it the same count.
THREADS=${BENCH_THREADS:-$(node -p "require('os').cpus().length")}
export BENCH_THREADS=$THREADS
export OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-$THREADS}

OUT=${BENCH_OUT:-bench/out}
mkdir -p "$OUT"
: >"$OUT/torchlab.jsonl"
: >"$OUT/pytorch.jsonl"

# The groups alternate between the two sides, so a burst of load from something
# else on the machine is less likely to hit only one side; each round runs every
# group once, and the report keeps, per workload and side, the run that other
# processes disturbed least (each run records how busy the machine was).
REPEAT=${BENCH_REPEAT:-2}
status=0
for ((round = 1; round <= REPEAT; round++)); do
  for group in small sgemm add_out,add_fresh,sum train; do
    echo "bench: round $round/$REPEAT: $group (torchlab)" >&2
    node bench/torchlab.js --only="$group" >>"$OUT/torchlab.jsonl" || { echo "bench: bench/torchlab.js failed" >&2; status=1; }
    echo "bench: round $round/$REPEAT: $group (pytorch)" >&2
    "$PY" bench/torch_bench.py --only="$group" >>"$OUT/pytorch.jsonl" || { echo "bench: bench/torch_bench.py failed" >&2; status=1; }
  done
done

node bench/report.js "$OUT/torchlab.jsonl" "$OUT/pytorch.jsonl" | tee "$OUT/report.txt"
rc=${PIPESTATUS[0]}
echo "(raw results: $OUT/torchlab.jsonl, $OUT/pytorch.jsonl)"
if ((rc == 2)); then exit 1; fi
if ((status != 0 || rc != 0)); then exit 1; fi
exit 0

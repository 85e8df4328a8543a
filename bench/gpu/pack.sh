#!/usr/bin/env bash
# Gets a built working tree ready for a GPU machine that has no Node.js or npm
# (../shared/device/DEVICE.md) and prints exactly what to take along.
#   bash bench/gpu/pack.sh           # packs Node.js into .device/node.xz if missing
#   bash bench/gpu/pack.sh --check   # only checks and prints
# Needs: npm run build (a CUDA build: nvcc found), run from anywhere.
set -euo pipefail
cd "$(dirname "$0")/../.."
fail() { echo "pack: $*" >&2; exit 1; }

[[ -f dist/runtime/index.js ]] || fail "dist/runtime is missing: run npm run build:ts"
[[ -f build/Release/torchlab.node ]] || fail "build/Release/torchlab.node is missing: run npm run build:native"
built=$(node -p 'require("./build/Release/torchlab.node").cudaBuilt')
[[ $built == true ]] || echo "pack: warning: the addon was built without CUDA (no nvcc at build time); on the GPU machine the run will only say so" >&2
if [[ ! -f .device/node.xz ]]; then
  [[ ${1:-} == --check ]] && fail ".device/node.xz is missing: run this script without --check (it runs ../shared/device/pack-node.sh)"
  bash ../shared/device/pack-node.sh
fi

# The addon's shared libraries (OpenBLAS and the GCC runtime it was built with)
# may be missing or older on the GPU machine: they travel compressed and
# run.sh puts them on LD_LIBRARY_PATH.
if [[ ! -f .device/libs.tar.xz || build/Release/torchlab.node -nt .device/libs.tar.xz ]]; then
  libs=$(ldd build/Release/torchlab.node | awk '/=> \// {print $3}' | grep -E 'libopenblas|libgfortran|libquadmath|libstdc\+\+|libgcc_s' || true)
  if [[ -n $libs ]]; then
    rm -rf .device/libs && mkdir -p .device/libs
    for l in $libs; do cp -L "$l" .device/libs/; done
    tar -C .device -cJf .device/libs.tar.xz libs && rm -rf .device/libs
  fi
fi

carry=(.device build/Release/torchlab.node dist/runtime)
total=$(du -cb "${carry[@]}" | tail -n 1 | cut -f 1)
limit=$((64 * 1048576))
printf 'pack: %s bytes to carry (limit %s):\n' "$total" "$limit"
du -sh "${carry[@]}" | sed 's/^/  /'
(( total < limit )) || fail "over the 64 MiB limit"
echo "pack: the working tree itself (test/fixtures, bench/gpu, ...) travels as it is; node_modules is not needed."
printf 'pack: carry = ["%s", "%s", "%s"]\n' "${carry[@]}"
echo 'pack: command = bash bench/gpu/run.sh    (logs in $OUT; BENCH_QUICK=1 for shorter benchmarks)'

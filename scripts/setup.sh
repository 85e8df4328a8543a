#!/usr/bin/env bash
# Installs what torchlab needs on Debian 12 (as root, or with sudo), then the npm
# dependencies, which build the native addon and the TypeScript.
#   bash scripts/setup.sh           # build + test requirements
#   bash scripts/setup.sh --bench   # also python3-torch, for bench/ and fixture regeneration
set -euo pipefail
cd "$(dirname "$0")/.."

# chromium: the plot tests load charts in a real browser; python3-jupyter-*: the kernel is tested
# with Jupyter's own client and conformance suite; jupyter-notebook: the tutorial opens in it, and
# a test runs the first-program notebook in it through headless chromium.
pkgs=(cmake g++ make libopenblas-dev chromium jupyter-notebook python3-jupyter-client python3-jupyter-kernel-test python3-nbclient)
if [[ "${1:-}" == "--bench" ]]; then pkgs+=(python3-torch python3-numpy); fi

missing=()
for p in "${pkgs[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

if [[ ! -d node_modules ]] || [[ package-lock.json -nt node_modules/.package-lock.json ]]; then
  npm ci   # runs `prepare`: cmake-js builds the addon, tsc builds dist/
else
  npm run build
fi

#!/usr/bin/env bash
# Packs what bench/gpu-check.sh needs from node_modules (linux-x64 only, no dev tooling but tsx) into
# bench/out/gpu-node-modules.tgz (~25 MB), for a GPU machine that has this tree but cannot run `npm ci`.
# gpu-check.sh unpacks it when node_modules is missing. tfjs-node-gpu (with libtensorflow, ~1 GB) is left
# out: on such a machine the check uses WebGPU; install tfjs-node-gpu there from a local archive instead
# (README, "GPU backend (tfjs-node-gpu)").
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules/@tensorflow/tfjs-core ] || { echo "run npm ci first" >&2; exit 2; }
mkdir -p bench/out
tar -czf bench/out/gpu-node-modules.tgz \
  --exclude='node_modules/typescript' --exclude='node_modules/vitest' --exclude='node_modules/@vitest' \
  --exclude='node_modules/vite' --exclude='node_modules/rollup' --exclude='node_modules/@rollup' \
  --exclude='node_modules/better-sqlite3' --exclude='node_modules/parquet-wasm' --exclude='node_modules/@types' \
  --exclude='node_modules/@tensorflow/tfjs-node-gpu' --exclude='node_modules/@tensorflow/tfjs-node' \
  --exclude='node_modules/webgpu/dist/darwin-*' --exclude='node_modules/webgpu/dist/win32-*' \
  --exclude='node_modules/webgpu/dist/linux-arm64' --exclude='*.map' \
  node_modules
ls -la bench/out/gpu-node-modules.tgz

#!/usr/bin/env sh
# Rebuilds batch-matmul.wasm from batch-matmul.c (clang + wasm-ld with the wasm32 target, e.g. Debian's
# `apt-get install clang lld`). CI does not need it to run: the binary is committed, and
# test/wasm-batch-matmul.test.ts checks it matches this build.
# The module imports tfjs-backend-wasm's (non-shared) memory: no data segment, no stack of its own
# (its __stack_pointer is exported and set by the loader), exports batch_matmul.
# Usage: build-wasm.sh [out.wasm]
set -eu
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-$here/batch-matmul.wasm}"
clang --target=wasm32 -O3 -msimd128 -mmutable-globals -nostdlib -ffreestanding -fno-builtin -Wall -Werror \
  -Wl,--no-entry -Wl,--import-memory -Wl,--strip-all -Wl,-z,stack-size=0 -Wl,--export=__stack_pointer \
  -o "$out" "$here/batch-matmul.c"

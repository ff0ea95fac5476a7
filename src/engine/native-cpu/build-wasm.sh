#!/usr/bin/env sh
# Rebuilds kernel.wasm from kernel.c (needs clang + wasm-ld with the wasm32 target, e.g. Debian's
# `apt-get install clang lld`). CI does not need it: kernel.wasm is committed, and
# test/native-cpu-wasm-build.test.ts checks it matches this build when clang is present.
# Usage: build-wasm.sh [out.wasm]
set -eu
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-$here/kernel.wasm}"
clang --target=wasm32 -O3 -msimd128 -matomics -mbulk-memory -mmutable-globals -nostdlib -ffreestanding \
  -fno-builtin -Wall -Werror \
  -Wl,--no-entry -Wl,--import-memory -Wl,--shared-memory -Wl,--max-memory=4294967296 \
  -Wl,--strip-all -Wl,-z,stack-size=0 -Wl,--export=__stack_pointer \
  -o "$out" "$here/kernel.c"

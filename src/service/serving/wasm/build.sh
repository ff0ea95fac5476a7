#!/usr/bin/env sh
# Rebuilds scores.wasm from scores.c (needs clang + wasm-ld with the wasm32 target, e.g. Debian's
# `apt-get install clang lld`). scores.wasm is committed, so nothing else needs clang.
set -eu
here="$(cd "$(dirname "$0")" && pwd)"
clang --target=wasm32 -O3 -msimd128 -matomics -mbulk-memory -nostdlib -ffreestanding -fno-builtin -Wall -Werror \
  -Wl,--no-entry -Wl,--import-memory -Wl,--shared-memory -Wl,--max-memory=4294967296 -Wl,--strip-all -Wl,-z,stack-size=0 \
  -o "${1:-$here/scores.wasm}" "$here/scores.c"

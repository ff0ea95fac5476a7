#!/usr/bin/env sh
# Rebuilds roofline.wasm from roofline.c (needs clang + wasm-ld: apt-get install clang lld).
set -eu
here="$(cd "$(dirname "$0")" && pwd)"
clang --target=wasm32 -O3 -msimd128 -nostdlib -ffreestanding -fno-builtin -Wall -Werror \
  -Wl,--no-entry -Wl,--import-memory -Wl,--max-memory=2147483648 -Wl,--strip-all -Wl,-z,stack-size=0 \
  -o "$here/roofline.wasm" "$here/roofline.c"

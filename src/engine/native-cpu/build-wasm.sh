#!/usr/bin/env sh
# Rebuilds the two kernels from kernel.c: kernel.wasm (plain WebAssembly SIMD; clang + wasm-ld with the
# wasm32 target, e.g. Debian's `apt-get install clang lld`) and kernel-relaxed.wasm (relaxed SIMD's fused
# multiply-add; needs clang and lld 16, Debian's `clang-16 lld-16`; CLANG_RELAXED overrides the compiler).
# CI does not need them to run: both binaries are committed, and test/native-cpu-wasm-build.test.ts checks
# they match this build.
# Usage: build-wasm.sh [out.wasm [out-relaxed.wasm]]
set -eu
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-$here/kernel.wasm}"
out_relaxed="${2:-$here/kernel-relaxed.wasm}"
flags="--target=wasm32 -O3 -msimd128 -matomics -mbulk-memory -mmutable-globals -nostdlib -ffreestanding
  -fno-builtin -Wall -Werror
  -Wl,--no-entry -Wl,--import-memory -Wl,--shared-memory -Wl,--max-memory=4294967296
  -Wl,--strip-all -Wl,-z,stack-size=0 -Wl,--export=__stack_pointer"
# shellcheck disable=SC2086
clang $flags -o "$out" "$here/kernel.c"
# shellcheck disable=SC2086
"${CLANG_RELAXED:-clang-16}" $flags -mrelaxed-simd -o "$out_relaxed" "$here/kernel.c"

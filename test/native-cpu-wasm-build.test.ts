import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadKernelModule } from '../src/engine/native-cpu/kernel-wasm.js';
import { freshBuildMatches, hasWasmClang, WA } from './helpers/wasm-build.js';

const dir = new URL('../src/engine/native-cpu/', import.meta.url).pathname;

describe('native-cpu kernel.wasm and kernel-relaxed.wasm', () => {
  it('are valid modules that import a shared memory and export the five kernels (gram, CG with exact short rows, pcg, subspace, whitening) and their stack pointer (set per worker)', async () => {
    loadKernelModule(); // switches relaxed SIMD on where this Node needs the flag
    for (const file of ['kernel.wasm', 'kernel-relaxed.wasm']) {
      const mod = new WA.Module(readFileSync(join(dir, file)));
      expect(WA.Module.imports(mod), file).toEqual([{ module: 'env', name: 'memory', kind: 'memory' }]);
      expect(WA.Module.exports(mod).map((e) => e.name).sort(), file).toEqual(['__stack_pointer', 'gram_block', 'pcg_rows', 'solve_rows', 'subspace_rows', 'whiten_rows']);
    }
  });

  // The committed binaries must be what kernel.c builds to. Runs wherever clang + wasm-ld and clang-16 are
  // installed (`apt-get install clang lld clang-16 lld-16`; .ci/run installs them); the service itself uses
  // the committed binaries and needs no compiler.
  it.runIf(hasWasmClang('clang-16'))('match a fresh build of kernel.c (build-wasm.sh)', () => {
    const files = ['kernel.wasm', 'kernel-relaxed.wasm'].map((f) => join(dir, f));
    expect(freshBuildMatches(join(dir, 'build-wasm.sh'), files)).toEqual([true, true]);
  });
});

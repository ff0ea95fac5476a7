import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadWasmModule } from '../src/engine/native-cpu/kernel-wasm.js';

interface WasmDesc { module?: string; name: string; kind: string }
const WA = (globalThis as unknown as {
  WebAssembly: { Module: { new (b: Uint8Array): object; imports(m: object): WasmDesc[]; exports(m: object): WasmDesc[] } };
}).WebAssembly;
const dir = new URL('../src/engine/native-cpu/', import.meta.url).pathname;

function hasWasmClang(): boolean {
  try {
    return execFileSync('clang', ['--print-targets'], { encoding: 'utf8' }).includes('wasm32') && !!execFileSync('sh', ['-c', 'command -v wasm-ld'], { encoding: 'utf8' }).trim() &&
      execFileSync('clang-16', ['--print-targets'], { encoding: 'utf8' }).includes('wasm32');
  } catch {
    return false;
  }
}

describe('native-cpu kernel.wasm and kernel-relaxed.wasm', () => {
  it('are valid modules that import a shared memory and export the two kernels and their stack pointer (set per worker)', async () => {
    await loadWasmModule(); // switches relaxed SIMD on where this Node needs the flag
    for (const file of ['kernel.wasm', 'kernel-relaxed.wasm']) {
      const mod = new WA.Module(readFileSync(join(dir, file)));
      expect(WA.Module.imports(mod), file).toEqual([{ module: 'env', name: 'memory', kind: 'memory' }]);
      expect(WA.Module.exports(mod).map((e) => e.name).sort(), file).toEqual(['__stack_pointer', 'gram_block', 'solve_rows']);
    }
  });

  // The committed binaries must be what kernel.c builds to. Runs wherever clang + wasm-ld and clang-16 are
  // installed (`apt-get install clang lld clang-16 lld-16`; .ci/run installs them); the service itself uses
  // the committed binaries and needs no compiler.
  it.runIf(hasWasmClang())('match a fresh build of kernel.c (build-wasm.sh)', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'kernel-wasm-'));
    try {
      execFileSync('sh', [join(dir, 'build-wasm.sh'), join(tmp, 'kernel.wasm'), join(tmp, 'kernel-relaxed.wasm')]);
      expect(readFileSync(join(tmp, 'kernel.wasm')).equals(readFileSync(join(dir, 'kernel.wasm')))).toBe(true);
      expect(readFileSync(join(tmp, 'kernel-relaxed.wasm')).equals(readFileSync(join(dir, 'kernel-relaxed.wasm')))).toBe(true);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

interface WasmDesc { module?: string; name: string; kind: string }
const WA = (globalThis as unknown as {
  WebAssembly: { Module: { new (b: Uint8Array): object; imports(m: object): WasmDesc[]; exports(m: object): WasmDesc[] } };
}).WebAssembly;
const dir = new URL('../src/engine/native-cpu/', import.meta.url).pathname;

function hasWasmClang(): boolean {
  try {
    return execFileSync('clang', ['--print-targets'], { encoding: 'utf8' }).includes('wasm32') && !!execFileSync('sh', ['-c', 'command -v wasm-ld'], { encoding: 'utf8' }).trim();
  } catch {
    return false;
  }
}

describe('native-cpu kernel.wasm', () => {
  it('is a valid module that imports a shared memory and exports the two kernels and its stack pointer (set per worker)', () => {
    const bytes = readFileSync(join(dir, 'kernel.wasm'));
    const mod = new WA.Module(bytes);
    expect(WA.Module.imports(mod)).toEqual([{ module: 'env', name: 'memory', kind: 'memory' }]);
    expect(WA.Module.exports(mod).map((e) => e.name).sort()).toEqual(['__stack_pointer', 'gram_block', 'solve_rows']);
  });

  // The committed binary must be what kernel.c builds to. Runs wherever clang + wasm-ld are installed
  // (`apt-get install clang lld`); elsewhere the committed binary is used as is (CI needs no compiler).
  it.runIf(hasWasmClang())('matches a fresh build of kernel.c (build-wasm.sh)', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'kernel-wasm-'));
    try {
      execFileSync('sh', [join(dir, 'build-wasm.sh'), join(tmp, 'kernel.wasm')]);
      expect(readFileSync(join(tmp, 'kernel.wasm')).equals(readFileSync(join(dir, 'kernel.wasm')))).toBe(true);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});

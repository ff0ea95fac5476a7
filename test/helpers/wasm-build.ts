import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The WebAssembly JS API with the project's one set of typings (src/util/wasm.ts). */
export { WA } from '../../src/util/wasm.js';

/** Whether `clang` + `wasm-ld` (and each of `more`, e.g. clang-16) can build wasm32 here. */
export function hasWasmClang(...more: string[]): boolean {
  try {
    const targets = (cc: string) => execFileSync(cc, ['--print-targets'], { encoding: 'utf8' }).includes('wasm32');
    return targets('clang') && !!execFileSync('sh', ['-c', 'command -v wasm-ld'], { encoding: 'utf8' }).trim() && more.every(targets);
  } catch {
    return false;
  }
}

/**
 * Runs a build script with fresh output paths (one per committed binary, in order) and returns, per
 * binary, whether the fresh build is byte-identical to the committed one.
 */
export function freshBuildMatches(script: string, committed: string[]): boolean[] {
  const tmp = mkdtempSync(join(tmpdir(), 'wasm-build-'));
  try {
    const outs = committed.map((_, i) => join(tmp, `out-${i}.wasm`));
    execFileSync('sh', [script, ...outs]);
    return committed.map((file, i) => readFileSync(outs[i]!).equals(readFileSync(file)));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

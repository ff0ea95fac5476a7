import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { batchMatMulWasmBytes, installWasmBatchMatMul, wasmSectionIds } from '../src/engine/backends/wasm-batch-matmul.js';
import { freshBuildMatches, hasWasmClang, WA } from './helpers/wasm-build.js';

const dir = new URL('../src/engine/backends/wasm-batch-matmul/', import.meta.url).pathname;

/** Deterministic values in [-1, 1). */
function values(n: number, seed: number): Float32Array {
  const a = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = s / 2 ** 31 - 1;
  }
  return a;
}

/** float64 reference of a (batched, broadcast, transposed) matmul. */
function reference(a: Float32Array, aShape: number[], b: Float32Array, bShape: number[], ta: boolean, tb: boolean): { data: Float64Array; shape: number[] } {
  const ra = aShape.length, rb = bShape.length;
  const [ar, ac] = [aShape[ra - 2]!, aShape[ra - 1]!];
  const [br, bc] = [bShape[rb - 2]!, bShape[rb - 1]!];
  const m = ta ? ac : ar, k = ta ? ar : ac, n = tb ? br : bc;
  const batchA = aShape.slice(0, -2).reduce((p, d) => p * d, 1);
  const batchB = bShape.slice(0, -2).reduce((p, d) => p * d, 1);
  const batch = Math.max(batchA, batchB);
  const out = new Float64Array(batch * m * n);
  for (let t = 0; t < batch; t++) {
    const oa = (batchA === 1 ? 0 : t) * ar * ac, ob = (batchB === 1 ? 0 : t) * br * bc;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let q = 0; q < k; q++) s += a[oa + (ta ? q * ac + i : i * ac + q)]! * b[ob + (tb ? j * bc + q : q * bc + j)]!;
        out[(t * m + i) * n + j] = s;
      }
    }
  }
  const batchDims = (batchA >= batchB ? aShape : bShape).slice(0, -2);
  return { data: out, shape: [...batchDims, m, n] };
}

function check(aShape: number[], bShape: number[], ta = false, tb = false): void {
  const size = (s: number[]) => s.reduce((p, d) => p * d, 1);
  const av = values(size(aShape), size(aShape) + 7), bv = values(size(bShape), size(bShape) + 13);
  const want = reference(av, aShape, bv, bShape, ta, tb);
  const got = tf.tidy(() => tf.matMul(tf.tensor(av, aShape), tf.tensor(bv, bShape), ta, tb));
  const label = `${aShape} x ${bShape} ta=${ta} tb=${tb}`;
  expect(got.shape, label).toEqual(want.shape);
  const g = got.dataSync();
  got.dispose();
  let worst = 0;
  for (let i = 0; i < g.length; i++) worst = Math.max(worst, Math.abs(g[i]! - want.data[i]!) / (1 + Math.abs(want.data[i]!)));
  expect(worst, label).toBeLessThan(2e-5);
}

describe('batch-matmul.wasm (BatchMatMul over the tfjs wasm backend)', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
    await tf.ready();
    expect(installWasmBatchMatMul()).toEqual({ installed: true });
  });

  it('is a module that imports one memory, exports the kernel and its stack pointer, and has no data segment', () => {
    const bytes = batchMatMulWasmBytes();
    const mod = new WA.Module(bytes);
    expect(WA.Module.imports(mod)).toEqual([{ module: 'env', name: 'memory', kind: 'memory' }]);
    expect(WA.Module.exports(mod).map((e) => e.name).sort()).toEqual(['__stack_pointer', 'batch_matmul']);
    expect(wasmSectionIds(bytes)).not.toContain(11);
    expect(wasmSectionIds(bytes)).toContain(10); // the code section is found: the section walk works
  });

  it('is the registered kernel, and installing again is a no-op', () => {
    expect(tf.getKernel('BatchMatMul', 'wasm')).toBeDefined();
    expect(installWasmBatchMatMul()).toEqual({ installed: true });
  });

  it('matches a float64 reference on the batched mat-vecs of the ALS path and on general shapes', () => {
    check([7, 13, 64], [7, 64, 1]); // G x: [B, L, k] x [B, k, 1]
    check([7, 1, 13], [7, 13, 64]); // G^T v: [B, 1, L] x [B, L, k]
    check([5, 1, 24], [5, 24, 128]);
    check([3, 9, 10], [3, 10, 1]); // k not a multiple of 4 (scalar tail of the dot)
    check([3, 1, 9], [3, 9, 37]); // n = 32 + 4 + 1: every strip of the row update
    check([4, 6, 5], [4, 5, 3]); // general m, n < 4
    check([2, 3, 4, 5], [2, 3, 5, 6]); // two batch dims
    check([1, 4, 8], [6, 8, 5]); // a broadcast over the batch
    check([6, 4, 8], [1, 8, 1]); // b broadcast over the batch
    check([3, 2, 0], [3, 0, 4]); // inner size 0: zeros
    check([3, 0, 4], [3, 4, 2]); // empty output
  });

  it('leaves the cases it does not take to the stock kernel, with the same results', () => {
    check([16, 32], [32, 8]); // batch 1 (XNNPACK)
    check([1, 16, 32], [1, 32, 8]);
    check([5, 8, 6], [5, 8, 3], true, false); // transposeA
    check([5, 6, 8], [5, 3, 8], false, true); // transposeB
    check([4, 8], [6, 8, 5]); // ranks differ
  });

  it('works on tensors placed after the heap grew, and leaks no tensors', () => {
    const before = tf.memory().numTensors;
    const big = tf.zeros([64, 1024, 320]); // 80 MiB: grows the wasm heap
    check([9, 33, 64], [9, 64, 1]);
    big.dispose();
    check([9, 1, 33], [9, 33, 64]);
    expect(tf.memory().numTensors).toBe(before);
  });

  // The committed binary must be what batch-matmul.c builds to (clang + wasm-ld; .ci/run installs them).
  it.runIf(hasWasmClang())('matches a fresh build of batch-matmul.c (build-wasm.sh)', () => {
    expect(freshBuildMatches(join(dir, 'build-wasm.sh'), [join(dir, 'batch-matmul.wasm')])).toEqual([true]);
  });
});

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { generate } from './helpers/synthetic-csr.js';
import { CancelledError, InvalidArgumentError, TrainingDivergedError } from '../src/errors.js';
import { trainNativeCpu, type NativeCpuTuning } from '../src/engine/native-cpu/index.js';
import { liveWorkers } from '../src/engine/native-cpu/pool.js';
import { referenceAls } from '../src/engine/reference.js';
import type { TrainProgress } from '../src/engine/types.js';

const base = { regularization: 0.1, alpha: 2, seed: 7, logScaling: false, logEpsilon: 1, progressIntervalMs: 0 };

function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0, den = 0;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs(a[i] - b[i]));
    den = Math.max(den, Math.abs(b[i]));
  }
  return num / den;
}

describe('native-cpu ALS', () => {
  const small = generate({ users: 40, items: 30, nnz: 240, seed: 3 });
  // a row and a column without data
  const holes = { ...small, rows: 41, cols: 31, indptr: Int32Array.from([...small.indptr, small.indptr[40]]) };

  // CG with k steps is exact in exact arithmetic. The JS kernel runs CG in float64 and matches the float64
  // Cholesky solver closely with cgSteps = k; the wasm kernel runs it in float32 (like implicit), where some
  // rows need a few more steps: with cgSteps = k it is ~2% off on factors (loss within 1e-4), with 2k exact.
  // wasm = the relaxed-SIMD build (fused multiply-add) on this Node; wasm-plain = kernel.wasm
  for (const [name, steps, tol] of [['js', 8, 2e-4], ['wasm', 8, 3e-2], ['wasm', 16, 5e-5], ['wasm-plain', 8, 3e-2], ['wasm-plain', 16, 5e-5]] as const) {
    it(`${name} kernel, cgSteps ${steps}, factors 8: matches the float64 exact solver within ${tol}`, async () => {
      const o = { ...base, regularization: 1, factors: 8, iterations: 3, cgSteps: steps, workers: 2 };
      const ref = referenceAls(holes, o, true);
      const kernel = name === 'js' ? 'js' : 'wasm';
      const got = await trainNativeCpu(holes, o, {}, { kernel, relaxedSimd: name === 'wasm' });
      expect(got.device).toContain({ js: 'JS kernel', wasm: 'WebAssembly SIMD (relaxed, fused multiply-add) kernel', 'wasm-plain': 'WebAssembly SIMD kernel' }[name]);
      expect(maxRelDiff(got.sourceFactors, ref.sourceFactors)).toBeLessThan(tol);
      expect(maxRelDiff(got.targetFactors, ref.targetFactors)).toBeLessThan(tol);
      for (let i = 0; i < o.iterations; i++) expect(Math.abs(got.lossCurve[i] / ref.lossCurve[i] - 1)).toBeLessThan(1e-4);
      expect(got.lossKind).toBe('exact');
      // empty row / column -> zero vectors
      expect(Array.from(got.sourceFactors.subarray(40 * 8))).toEqual(new Array(8).fill(0));
      expect(Array.from(got.targetFactors.subarray(30 * 8))).toEqual(new Array(8).fill(0));
    });
  }

  it('factors that are not a multiple of 4 (padded internally) match the reference too', async () => {
    const o = { ...base, regularization: 1, factors: 6, iterations: 2, cgSteps: 12, workers: 1 };
    const ref = referenceAls(holes, o, true);
    const got = await trainNativeCpu(holes, o);
    expect(got.factors).toBe(6);
    expect(got.sourceFactors.length).toBe(41 * 6);
    expect(maxRelDiff(got.sourceFactors, ref.sourceFactors)).toBeLessThan(5e-5);
    expect(maxRelDiff(got.targetFactors, ref.targetFactors)).toBeLessThan(5e-5);
  });

  const medium = generate({ users: 2000, items: 800, nnz: 20_000, seed: 5 });

  it('1 and 2 workers give the same factors; JS and wasm kernels agree; loss falls monotonically with 3 CG steps', async () => {
    const o = { ...base, factors: 16, iterations: 5, cgSteps: 3, chunkNonzeros: 4096 };
    const one = await trainNativeCpu(medium, { ...o, workers: 1 });
    const two = await trainNativeCpu(medium, { ...o, workers: 2 });
    expect(two.sourceFactors).toEqual(one.sourceFactors); // per-row solves are independent: bit-identical
    expect(two.targetFactors).toEqual(one.targetFactors);
    expect(two.lossCurve).toEqual(one.lossCurve);
    for (let i = 1; i < one.lossCurve.length; i++) expect(one.lossCurve[i]).toBeLessThan(one.lossCurve[i - 1]);
    const js = await trainNativeCpu(medium, { ...o, workers: 2 }, {}, { kernel: 'js' });
    expect(maxRelDiff(js.targetFactors, one.targetFactors)).toBeLessThan(5e-3);
    expect(Math.abs(js.lossCurve[4] / one.lossCurve[4] - 1)).toBeLessThan(1e-4);
    // the plain build (separate multiply and add) agrees with the fused one within float32 rounding
    const plain = await trainNativeCpu(medium, { ...o, workers: 2 }, {}, { relaxedSimd: false });
    expect(plain.device).toContain('WebAssembly SIMD kernel');
    expect(one.device).toContain('relaxed');
    expect(maxRelDiff(plain.targetFactors, one.targetFactors)).toBeLessThan(5e-3);
    expect(Math.abs(plain.lossCurve[4] / one.lossCurve[4] - 1)).toBeLessThan(1e-4);
  });

  it('reports progress within and after iterations, with loss, elapsed and ETA', async () => {
    const seen: TrainProgress[] = [];
    await trainNativeCpu(medium, { ...base, factors: 16, iterations: 3, cgSteps: 3, workers: 2 }, { onProgress: (p) => seen.push(p) });
    expect(seen[0].phase).toBe('setup');
    const ends = seen.filter((p) => p.loss !== undefined && p.fraction === p.iteration / 3);
    expect(ends.map((p) => p.iteration)).toEqual([1, 2, 3]);
    expect(ends.at(-1)!.phase).toBe('done');
    for (const p of ends) expect(p.lossKind).toBe('exact');
    for (let i = 1; i < seen.length; i++) expect(seen[i].fraction).toBeGreaterThanOrEqual(seen[i - 1].fraction);
    expect(seen.every((p) => p.elapsedMs >= 0 && p.totalIterations === 3)).toBe(true);
    expect(seen.some((p) => p.etaMs !== undefined && p.fraction > 0 && p.fraction < 1)).toBe(true);
  });

  it('NaN/Inf: non-finite factors and overflowing confidences end training with TrainingDivergedError', async () => {
    const o = { ...base, factors: 8, iterations: 2, cgSteps: 3, workers: 2 };
    const y = new Float32Array(small.cols * 8).fill(0.01);
    y[5] = Number.NaN;
    const tuning: NativeCpuTuning = { initial: { sourceFactors: new Float32Array(small.rows * 8), targetFactors: y } };
    const err = await trainNativeCpu(small, o, {}, tuning).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TrainingDivergedError);
    expect((err as Error).message).toMatch(/regularization/);
    const huge = { ...small, data: small.data.map(() => 3e38) };
    await expect(trainNativeCpu(huge, { ...o, alpha: 10 })).rejects.toThrow(TrainingDivergedError);
    const bad = { ...small, indices: small.indices.map((c, j) => (j === 3 ? 999 : c)) };
    await expect(trainNativeCpu(bad, o)).rejects.toThrow(InvalidArgumentError);
    expect(liveWorkers()).toBe(0);
  });

  it('cancellation stops within a chunk, terminates the workers, and the calling thread stays responsive', async () => {
    const big = generate({ users: 20_000, items: 5000, nnz: 300_000, seed: 9 });
    const ac = new AbortController();
    let maxLag = 0;
    let last = performance.now();
    const tick = setInterval(() => {
      const now = performance.now();
      maxLag = Math.max(maxLag, now - last);
      last = now;
    }, 5);
    let abortedAt = 0;
    const p = trainNativeCpu(big, { ...base, factors: 64, iterations: 50, cgSteps: 3, workers: 2, progressIntervalMs: 20 }, {
      signal: ac.signal,
      onProgress: (q) => {
        if (q.iteration === 2 && q.phase === 'sources' && !abortedAt) {
          abortedAt = performance.now();
          ac.abort();
        }
      },
    });
    const err = await p.catch((e: unknown) => e);
    const stopMs = performance.now() - abortedAt;
    clearInterval(tick);
    expect(err).toBeInstanceOf(CancelledError);
    expect(stopMs).toBeLessThan(1000);
    expect(liveWorkers()).toBe(0);
    expect(maxLag).toBeLessThan(500); // a loaded 2-core VM; a blocked loop would lag seconds
    // an already aborted signal never starts
    await expect(trainNativeCpu(small, { ...base, factors: 8, iterations: 1, cgSteps: 3 }, { signal: AbortSignal.abort() })).rejects.toThrow(CancelledError);
  }, 30_000);

  it('its workers also load under plain `node --import tsx` (outside vitest)', async () => {
    const code =
      "import { trainNativeCpu } from './src/engine/native-cpu/index.ts';" +
      "const m = { rows: 2, cols: 2, indptr: Int32Array.from([0, 1, 2]), indices: Int32Array.from([0, 1]), data: Float32Array.from([1, 1]) };" +
      "const r = await trainNativeCpu(m, { factors: 4, regularization: 0.1, alpha: 1, iterations: 2, cgSteps: 2, seed: 1, logScaling: false, logEpsilon: 1, workers: 2 });" +
      'console.log(JSON.stringify({ device: r.device, loss: r.lossCurve.length }));';
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: process.cwd() });
    expect(JSON.parse(stdout.trim())).toEqual({ device: 'CPU: 2 worker threads, WebAssembly SIMD (relaxed, fused multiply-add) kernel', loss: 2 });
  }, 30_000);
});

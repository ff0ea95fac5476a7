import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { CancelledError, InvalidArgumentError, TrainingDivergedError } from '../src/errors.js';
import type { FactorPair } from '../src/engine/als-driver.js';
import { KernelPool, liveKernelWorkers } from '../src/engine/native-cpu/pool.js';
import { compileAlsOptions, type AlsOptions } from '../src/engine/options.js';
import { referenceAls } from '../src/engine/reference.js';
import type { EngineSettings } from '../src/engine/settings.js';
import { trainAls } from '../src/engine/trainer.js';
import type { CsrMatrix, TrainHooks, TrainProgress } from '../src/engine/types.js';
import { TRANSPOSED_MAX_ENTRIES } from '../src/engine/native-cpu/layout.js';
import { EXACT_MAX_ENTRIES, exactMaxFor } from '../src/engine/native-cpu/exact-rows.js';
import { csrFromTriples, skewedPairs } from './helpers/engine-data.js';

const base = { regularization: 0.1, alpha: 2, seed: 7, logScaling: false, logEpsilon: 1, progressIntervalMs: 0 };
const train = (m: CsrMatrix, o: AlsOptions, hooks: TrainHooks = {}, settings: Partial<EngineSettings> = {}, initial?: FactorPair) =>
  trainAls(m, compileAlsOptions({ ...o, backend: 'native-cpu' }), hooks, settings, initial);

function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0, den = 0;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs(a[i] - b[i]));
    den = Math.max(den, Math.abs(b[i]));
  }
  return num / den;
}

describe('native-cpu ALS', () => {
  const small = skewedPairs(40, 30, 260, 3, 1);
  // a row and a column without data
  const holes = { ...small, rows: 41, cols: 31, indptr: Int32Array.from([...small.indptr, small.indptr[40]]) };

  // CG with k steps is exact in exact arithmetic. The JS kernel runs CG in float64 and matches the float64
  // Cholesky solver closely with cgSteps = k; the wasm kernel runs it in float32 (like implicit), where some
  // rows need a few more steps: with cgSteps = k it is ~2% off on factors (loss ~1e-4 off), with 2k exact.
  // wasm = the relaxed-SIMD build (fused multiply-add) on this Node; wasm-plain = kernel.wasm
  const cases = [['js', 8, 2e-4, 1e-4], ['wasm', 8, 3e-2, 3e-4], ['wasm', 16, 5e-5, 1e-4], ['wasm-plain', 8, 3e-2, 3e-4], ['wasm-plain', 16, 5e-5, 1e-4]] as const;
  for (const [name, steps, tol, lossTol] of cases) {
    it(`${name} kernel, cgSteps ${steps}, factors 8: matches the float64 exact solver within ${tol}`, async () => {
      const o = { ...base, regularization: 1, factors: 8, iterations: 3, cgSteps: steps, workers: 2 };
      const ref = referenceAls(holes, compileAlsOptions(o), true);
      const got = await train(holes, o, {}, { nativeCpuKernel: name === 'js' ? 'js' : 'wasm', relaxedSimd: name === 'wasm' });
      expect(got.device).toContain({ js: 'JS kernel', wasm: 'WebAssembly SIMD (relaxed, fused multiply-add) kernel', 'wasm-plain': 'WebAssembly SIMD kernel' }[name]);
      expect(maxRelDiff(got.sourceFactors, ref.sourceFactors)).toBeLessThan(tol);
      expect(maxRelDiff(got.targetFactors, ref.targetFactors)).toBeLessThan(tol);
      for (let i = 0; i < o.iterations; i++) expect(Math.abs(got.lossCurve[i] / ref.lossCurve[i] - 1)).toBeLessThan(lossTol);
      expect(got.lossKind).toBe('exact');
      // empty row / column -> zero vectors
      expect(Array.from(got.sourceFactors.subarray(40 * 8))).toEqual(new Array(8).fill(0));
      expect(Array.from(got.targetFactors.subarray(30 * 8))).toEqual(new Array(8).fill(0));
    });
  }

  // The frequency-scaled objective (nu, alpha0 away from 1 and 0), with each solver solving exactly: CG with
  // 2k steps, the subspace pass with one block of k coordinates.
  const kernels = [['js', 'JS kernel'], ['wasm', 'relaxed'], ['wasm-plain', 'WebAssembly SIMD kernel']] as const;
  // Spark's objective too: nu 1 with frequency weight 0 (lambda n_u) and the whole Gram term (alpha0 1).
  const objectives = [['nu 0.6 and alpha0 0.25', { regularizationExponent: 0.6, unobservedWeight: 0.25 }], ["Spark's nu 1, w 0", { regularizationExponent: 1, regularizationFrequencyWeight: 0 }]] as const;
  for (const [name, device] of kernels) {
    for (const [objectiveName, objective] of objectives) for (const solver of [{ solver: 'cg', cgSteps: 16 }, { solver: 'subspace', blockSize: 8 }]) {
      it(`${name} kernel, ${solver.solver}, ${objectiveName}: matches the float64 exact solver`, async () => {
        const o = { ...base, regularization: 0.05, ...objective, factors: 8, iterations: 3, workers: 2, ...solver };
        const ref = referenceAls(holes, compileAlsOptions(o), true);
        const got = await train(holes, o, {}, { nativeCpuKernel: name === 'js' ? 'js' : 'wasm', relaxedSimd: name === 'wasm' });
        expect(got.device).toContain(device);
        expect(maxRelDiff(got.sourceFactors, ref.sourceFactors)).toBeLessThan(1e-4);
        expect(maxRelDiff(got.targetFactors, ref.targetFactors)).toBeLessThan(1e-4);
        for (let i = 0; i < o.iterations; i++) expect(Math.abs(got.lossCurve[i] / ref.lossCurve[i] - 1)).toBeLessThan(1e-5);
        expect(Array.from(got.sourceFactors.subarray(40 * 8))).toEqual(new Array(8).fill(0));
      });
    }
  }

  it('factors that are not a multiple of 4 (padded internally) match the reference too, with every CG solver and kernel', async () => {
    const o = { ...base, regularization: 1, factors: 6, iterations: 2, cgSteps: 12, workers: 1 };
    const ref = referenceAls(holes, compileAlsOptions(o), true);
    for (const solver of ['cg', 'pcg', 'hybrid']) {
      for (const settings of [{}, { nativeCpuKernel: 'js' as const }]) {
        const got = await train(holes, { ...o, solver }, {}, settings);
        expect(got.solver).toBe(solver);
        expect(got.factors).toBe(6);
        expect(got.sourceFactors.length).toBe(41 * 6);
        expect(maxRelDiff(got.sourceFactors, ref.sourceFactors), `${solver} ${JSON.stringify(settings)}`).toBeLessThan(5e-5);
        expect(maxRelDiff(got.targetFactors, ref.targetFactors), `${solver} ${JSON.stringify(settings)}`).toBeLessThan(5e-5);
        // the empty row and column stay exactly 0
        expect(Array.from(got.sourceFactors.subarray(40 * 6))).toEqual(new Array(6).fill(0));
        expect(Array.from(got.targetFactors.subarray(30 * 6))).toEqual(new Array(6).fill(0));
      }
    }
  });

  const medium = skewedPairs(2000, 800, 24_000, 5);

  it('1 and 2 workers give the same factors; JS and wasm kernels agree; loss falls monotonically with 3 CG steps', async () => {
    const o = { ...base, factors: 16, iterations: 5, cgSteps: 3, chunkNonzeros: 4096 };
    const one = await train(medium, { ...o, workers: 1 });
    const two = await train(medium, { ...o, workers: 2 });
    expect(two.sourceFactors).toEqual(one.sourceFactors); // per-row solves are independent: bit-identical
    expect(two.targetFactors).toEqual(one.targetFactors);
    expect(two.lossCurve).toEqual(one.lossCurve);
    for (let i = 1; i < one.lossCurve.length; i++) expect(one.lossCurve[i]).toBeLessThan(one.lossCurve[i - 1]);
    const js = await train(medium, { ...o, workers: 2 }, {}, { nativeCpuKernel: 'js' });
    expect(maxRelDiff(js.targetFactors, one.targetFactors)).toBeLessThan(5e-3);
    expect(Math.abs(js.lossCurve[4] / one.lossCurve[4] - 1)).toBeLessThan(1e-4);
    // the plain build (separate multiply and add) agrees with the fused one within float32 rounding
    const plain = await train(medium, { ...o, workers: 2 }, {}, { relaxedSimd: false });
    expect(plain.device).toContain('WebAssembly SIMD kernel');
    expect(one.device).toContain('relaxed');
    expect(maxRelDiff(plain.targetFactors, one.targetFactors)).toBeLessThan(5e-3);
    expect(Math.abs(plain.lossCurve[4] / one.lossCurve[4] - 1)).toBeLessThan(1e-4);
  });

  // block 4: the wasm kernel's transposed path; block 3: its entry-by-entry path (and the padded last block)
  for (const blockSize of [4, 3]) {
    it(`subspace, blocks of ${blockSize}: 1 and 2 workers bit for bit, JS and wasm kernels agree, loss falls monotonically`, async () => {
      const o = { ...base, factors: 16, iterations: 5, chunkNonzeros: 4096, solver: 'subspace', blockSize, regularizationExponent: 0.5, unobservedWeight: 0.5 };
      const one = await train(medium, { ...o, workers: 1 });
      const two = await train(medium, { ...o, workers: 2 });
      expect(two.sourceFactors).toEqual(one.sourceFactors);
      expect(two.targetFactors).toEqual(one.targetFactors);
      expect(two.lossCurve).toEqual(one.lossCurve);
      for (let i = 1; i < one.lossCurve.length; i++) expect(one.lossCurve[i]).toBeLessThan(one.lossCurve[i - 1]);
      for (const settings of [{ nativeCpuKernel: 'js' as const }, { relaxedSimd: false }]) {
        const other = await train(medium, { ...o, workers: 2 }, {}, settings);
        expect(maxRelDiff(other.targetFactors, one.targetFactors)).toBeLessThan(2e-3);
        for (let i = 0; i < 5; i++) expect(Math.abs(other.lossCurve[i] / one.lossCurve[i] - 1)).toBeLessThan(1e-4);
      }
    });
  }

  // solver hybrid (exact-rows.ts): here every row and column has exactly 4 entries, so at factors 32 every row is
  // short enough to be solved exactly; with a single CG step the model is then the exact solver's, which CG and
  // pcg with one step are far from.
  const fourEach = (() => {
    const t: Array<[number, number, number]> = [];
    for (let r = 0; r < 200; r++) for (let j = 0; j < 4; j++) t.push([r, (7 * r + 13 * j) % 200, 1 + ((r * 31 + j * 17) % 5)]);
    return csrFromTriples(200, 200, t);
  })();
  for (const [name, device] of kernels) {
    it(`hybrid, ${name} kernel: short rows are solved exactly (1 CG step gives the float64 exact solver's model)`, async () => {
      const o = { ...base, factors: 32, iterations: 3, cgSteps: 1, workers: 2, solver: 'hybrid' };
      expect(exactMaxFor(32, 1)).toBeGreaterThanOrEqual(4);
      const ref = referenceAls(fourEach, compileAlsOptions(o), true);
      const settings = { nativeCpuKernel: name === 'js' ? 'js' as const : 'wasm' as const, relaxedSimd: name === 'wasm' };
      const got = await train(fourEach, o, {}, settings);
      expect(got.device).toContain(device);
      expect(got.solver).toBe('hybrid');
      expect(maxRelDiff(got.sourceFactors, ref.sourceFactors)).toBeLessThan(1e-5);
      expect(maxRelDiff(got.targetFactors, ref.targetFactors)).toBeLessThan(1e-5);
      for (let i = 0; i < o.iterations; i++) expect(Math.abs(got.lossCurve[i] / ref.lossCurve[i] - 1)).toBeLessThan(1e-6);
      for (const solver of ['cg', 'pcg']) {
        const other = await train(fourEach, { ...o, solver }, {}, settings);
        expect(maxRelDiff(other.sourceFactors, ref.sourceFactors)).toBeGreaterThan(0.05);
      }
    });
  }

  it('hybrid on rows of every length: 1 and 2 workers bit for bit, JS and wasm kernels agree, loss falls and ends below CG\'s and pcg\'s', async () => {
    const o = { ...base, factors: 16, iterations: 5, cgSteps: 3, chunkNonzeros: 4096, solver: 'hybrid' };
    const one = await train(medium, { ...o, workers: 1 });
    const two = await train(medium, { ...o, workers: 2 });
    expect(two.solver).toBe('hybrid');
    expect(two.sourceFactors).toEqual(one.sourceFactors);
    expect(two.targetFactors).toEqual(one.targetFactors);
    expect(two.lossCurve).toEqual(one.lossCurve);
    for (let i = 1; i < one.lossCurve.length; i++) expect(one.lossCurve[i]).toBeLessThan(one.lossCurve[i - 1]);
    for (const settings of [{ nativeCpuKernel: 'js' as const }, { relaxedSimd: false }]) {
      const other = await train(medium, { ...o, workers: 2 }, {}, settings);
      expect(maxRelDiff(other.targetFactors, one.targetFactors)).toBeLessThan(5e-3);
      for (let i = 0; i < 5; i++) expect(Math.abs(other.lossCurve[i] / one.lossCurve[i] - 1)).toBeLessThan(1e-4);
    }
    // the short rows' exact solves did run (another model than pcg's and CG's) and fit at least as well
    for (const solver of ['cg', 'pcg']) {
      const other = await train(medium, { ...o, solver, workers: 2 });
      expect(maxRelDiff(one.targetFactors, other.targetFactors)).toBeGreaterThan(1e-6);
      expect(one.lossCurve[4]).toBeLessThanOrEqual(other.lossCurve[4] * (1 + 1e-6));
    }
    // with per-row regularization there is no shared A0: the job runs (and says) cg, bit for bit
    const scaled = { ...o, regularizationExponent: 0.5, workers: 2 };
    const h = await train(medium, scaled);
    expect(h.solver).toBe('cg');
    const c = await train(medium, { ...scaled, solver: 'cg' });
    expect(h.targetFactors).toEqual(c.targetFactors);
    expect(h.lossCurve).toEqual(c.lossCurve);
  });

  // solver pcg (kernel-js.ts pcgRow): CG preconditioned by A0, run in the coordinates where A0 = I. A row's system
  // is then I plus a rank-n term, exact after n + 1 steps, so with 3 steps on rows of every length (medium: up to
  // hundreds of entries) the loss is the float64 exact solver's within 2e-4, which CG at 3 steps is far from.
  for (const [name, device] of kernels) {
    it(`pcg, ${name} kernel: 3 steps give the float64 exact solver's loss (CG's does not); 1 and 2 workers bit for bit`, async () => {
      const o = { ...base, factors: 16, iterations: 4, cgSteps: 3, chunkNonzeros: 4096, solver: 'pcg' };
      const ref = referenceAls(medium, compileAlsOptions(o), true);
      const settings = { nativeCpuKernel: name === 'js' ? 'js' as const : 'wasm' as const, relaxedSimd: name === 'wasm' };
      const one = await train(medium, { ...o, workers: 1 }, {}, settings);
      const two = await train(medium, { ...o, workers: 2 }, {}, settings);
      expect(two.device).toContain(device);
      expect(two.solver).toBe('pcg');
      expect(two.sourceFactors).toEqual(one.sourceFactors);
      expect(two.targetFactors).toEqual(one.targetFactors);
      expect(two.lossCurve).toEqual(one.lossCurve);
      const off = (curve: number[]) => Math.max(...curve.map((l, i) => Math.abs(l / ref.lossCurve[i] - 1)));
      expect(off(two.lossCurve)).toBeLessThan(2e-4);
      expect(maxRelDiff(two.targetFactors, ref.targetFactors)).toBeLessThan(8e-2);
      const cg = await train(medium, { ...o, solver: 'cg', workers: 2 }, {}, settings);
      expect(off(cg.lossCurve)).toBeGreaterThan(Math.max(1e-3, 5 * off(two.lossCurve)));
      expect(two.lossCurve[3]).toBeLessThan(cg.lossCurve[3]);
    });
  }

  it('pcg: the kernels agree; a singular A0 runs CG; per-row regularization resolves to CG', async () => {
    const o = { ...base, factors: 16, iterations: 4, cgSteps: 3, chunkNonzeros: 4096, solver: 'pcg', workers: 2 };
    const wasm = await train(medium, o);
    for (const settings of [{ nativeCpuKernel: 'js' as const }, { relaxedSimd: false }]) {
      const other = await train(medium, o, {}, settings);
      expect(maxRelDiff(other.targetFactors, wasm.targetFactors)).toBeLessThan(1e-3);
      for (let i = 0; i < 4; i++) expect(Math.abs(other.lossCurve[i] / wasm.lossCurve[i] - 1)).toBeLessThan(1e-5);
    }
    // 10 x 12 pairs at 16 factors without regularization: both sides' Gram matrices (so A0) are singular, so every
    // half-sweep keeps CG: the model is CG's bit for bit
    const t: Array<[number, number, number]> = [];
    for (let r = 0; r < 10; r++) for (let j = 0; j < 5; j++) t.push([r, (r + 3 * j) % 12, 1 + j]);
    const tiny = csrFromTriples(10, 12, t);
    const singular = { ...o, regularization: 0 };
    for (const settings of [{}, { nativeCpuKernel: 'js' as const }]) {
      const p = await train(tiny, singular, {}, settings);
      const c = await train(tiny, { ...singular, solver: 'cg' }, {}, settings);
      expect(p.sourceFactors).toEqual(c.sourceFactors);
      expect(p.targetFactors).toEqual(c.targetFactors);
    }
    // with per-row regularization there is no one shared A0 to change coordinates with: the job runs (and says) cg
    const scaled = { ...o, regularizationExponent: 0.5 };
    const p = await train(medium, scaled);
    const c = await train(medium, { ...scaled, solver: 'cg' });
    expect(p.solver).toBe('cg');
    expect(p.targetFactors).toEqual(c.targetFactors);
  });

  it('hybrid: which rows are solved exactly (exact-rows.ts cost estimates)', () => {
    // the longest exact row grows with the rank and with the steps it saves
    expect(exactMaxFor(16, 3)).toBeGreaterThan(0);
    expect(exactMaxFor(128, 3)).toBeGreaterThan(exactMaxFor(16, 3));
    expect(exactMaxFor(256, 3)).toBeGreaterThan(exactMaxFor(128, 3));
    expect(exactMaxFor(128, 8)).toBeGreaterThan(exactMaxFor(128, 3));
    expect(exactMaxFor(1024, 64)).toBe(EXACT_MAX_ENTRIES);
  });

  it('subspace: a row longer than the wasm kernel takes at a time (TRANSPOSED_MAX_ENTRIES) gives the JS kernel\'s model', async () => {
    const cols = TRANSPOSED_MAX_ENTRIES + 3000;
    const t: Array<[number, number, number]> = [];
    for (let i = 0; i < cols; i++) t.push([0, i, 1 + (i % 3)]); // the long row
    for (let u = 1; u < 6; u++) for (let i = u; i < cols; i += 997) t.push([u, i, 1]);
    const m = csrFromTriples(6, cols, t);
    const o = { ...base, factors: 8, iterations: 2, solver: 'subspace', blockSize: 4, workers: 1, regularization: 1 };
    const wasm = await train(m, o);
    const js = await train(m, o, {}, { nativeCpuKernel: 'js' });
    expect(maxRelDiff(wasm.sourceFactors, js.sourceFactors)).toBeLessThan(2e-3);
    expect(maxRelDiff(wasm.targetFactors, js.targetFactors)).toBeLessThan(2e-3);
    for (let i = 0; i < 2; i++) expect(Math.abs(wasm.lossCurve[i] / js.lossCurve[i] - 1)).toBeLessThan(1e-4);
  }, 180_000);

  it('continues a training from its factors: 3 + 2 iterations give the 5-iteration model bit for bit', async () => {
    const o = { ...base, factors: 16, cgSteps: 3, workers: 2, chunkNonzeros: 4096 };
    const five = await train(medium, { ...o, iterations: 5 });
    const three = await train(medium, { ...o, iterations: 3 });
    const more = await train(medium, { ...o, iterations: 2 }, {}, {}, three);
    expect(more.sourceFactors).toEqual(five.sourceFactors);
    expect(more.targetFactors).toEqual(five.targetFactors);
    expect([...three.lossCurve, ...more.lossCurve]).toEqual(five.lossCurve);
    const err = await train(medium, o, {}, {}, { sourceFactors: new Float32Array(3), targetFactors: three.targetFactors }).catch((e) => e);
    expect(err).toBeInstanceOf(InvalidArgumentError);
    expect(err.field).toBe('initial.sourceFactors');
  });

  it('reports progress within and after iterations, with loss, elapsed and ETA', async () => {
    const seen: TrainProgress[] = [];
    await train(medium, { ...base, factors: 16, iterations: 3, cgSteps: 3, workers: 2 }, { onProgress: (p) => seen.push(p) });
    expect(seen[0].phase).toBe('setup');
    // The end of each iteration is reported once, with its loss (a report within the targets' half-sweep can reach the same fraction).
    const ends = seen.filter((p) => p.phase === 'loss' || p.phase === 'done');
    expect(ends.map((p) => p.iteration)).toEqual([1, 2, 3]);
    for (const p of ends) expect(p.fraction).toBe(p.iteration / 3);
    expect(ends.every((p) => p.loss !== undefined)).toBe(true);
    expect(ends.at(-1)!.phase).toBe('done');
    for (let i = 1; i < seen.length; i++) expect(seen[i].fraction).toBeGreaterThanOrEqual(seen[i - 1].fraction);
    expect(seen.every((p) => p.elapsedMs >= 0 && p.totalIterations === 3)).toBe(true);
    expect(seen.some((p) => p.etaMs !== undefined && p.fraction > 0 && p.fraction < 1)).toBe(true);
  });

  it('NaN/Inf: non-finite factors and overflowing confidences end training with TrainingDivergedError', async () => {
    const o = { ...base, factors: 8, iterations: 2, cgSteps: 3, workers: 2 };
    const y = new Float32Array(small.cols * 8).fill(0.01);
    y[5] = Number.NaN;
    const err = await train(small, o, {}, {}, { sourceFactors: new Float32Array(small.rows * 8), targetFactors: y }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TrainingDivergedError);
    expect((err as Error).message).toMatch(/regularization/);
    const huge = { ...small, data: small.data.map(() => 3e38) };
    await expect(train(huge, { ...o, alpha: 10 })).rejects.toThrow(TrainingDivergedError);
    const bad = { ...small, indices: small.indices.map((c, j) => (j === 3 ? 999 : c)) };
    await expect(train(bad, o)).rejects.toThrow(InvalidArgumentError);
    // The pool that waits for the next training is the only one left; closing it leaves no thread behind.
    expect(liveKernelWorkers()).toBeLessThanOrEqual(2);
    await KernelPool.closeIdle();
    expect(liveKernelWorkers()).toBe(0);
  });

  it('a finished training hands its kernel workers to the next one of the same size', async () => {
    await KernelPool.closeIdle();
    const o = { ...base, factors: 8, iterations: 1, cgSteps: 3, workers: 2 };
    const a = await train(small, o);
    expect(liveKernelWorkers()).toBe(2); // idle, waiting
    const b = await train(small, o);
    expect(liveKernelWorkers()).toBe(2); // the same two, not two more
    expect(b.sourceFactors).toEqual(a.sourceFactors);
    await train(small, { ...o, workers: 1 }); // another size: the pool is replaced
    expect(liveKernelWorkers()).toBe(1);
    await KernelPool.closeIdle();
  });

  for (const solver of ['cg', 'subspace', 'pcg'] as const) it(`cancellation terminates the workers, and the calling thread stays idle while they compute (${solver})`, async () => {
    await KernelPool.closeIdle();
    const big = skewedPairs(20_000, 5000, 360_000, 9);
    const ac = new AbortController();
    let elu: ReturnType<typeof performance.eventLoopUtilization> | undefined;
    let busy = 1;
    const afterAbort: TrainProgress[] = [];
    const err = await train(big, { ...base, factors: 64, iterations: 50, cgSteps: 3, solver, workers: 2, progressIntervalMs: 20 }, {
      signal: ac.signal,
      onProgress: (q) => {
        if (ac.signal.aborted) afterAbort.push(q);
        if (q.phase !== 'loss') return;
        if (q.iteration === 1) elu = performance.eventLoopUtilization();
        if (q.iteration === 6) {
          busy = performance.eventLoopUtilization(elu).utilization;
          ac.abort();
        }
      },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CancelledError);
    expect(afterAbort).toEqual([]); // nothing went on
    expect(liveKernelWorkers()).toBe(0); // terminated, not handed back
    // Iterations 2-6 ran on the workers: this thread's event loop was mostly idle (a thread that computed would be ~1).
    expect(busy).toBeLessThan(0.5);
    // an already aborted signal never starts
    await expect(train(small, { ...base, factors: 8, iterations: 1, cgSteps: 3 }, { signal: AbortSignal.abort() })).rejects.toThrow(CancelledError);
  }, 180_000);

  it('its workers also load under plain `node --import tsx` (outside vitest), and the waiting pool lets the process exit', async () => {
    const code =
      "import { trainAls } from './src/engine/trainer.ts'; import { compileAlsOptions } from './src/engine/options.ts';" +
      "const m = { rows: 2, cols: 2, indptr: Int32Array.from([0, 1, 2]), indices: Int32Array.from([0, 1]), data: Float32Array.from([1, 1]) };" +
      "const r = await trainAls(m, compileAlsOptions({ backend: 'native-cpu', factors: 4, regularization: 0.1, iterations: 2, cgSteps: 2, seed: 1, workers: 2 }));" +
      'console.log(JSON.stringify({ device: r.device, loss: r.lossCurve.length }));';
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: process.cwd() });
    expect(JSON.parse(stdout.trim())).toEqual({ device: 'CPU: 2 worker threads, WebAssembly SIMD (relaxed, fused multiply-add) kernel', loss: 2 });
  }, 180_000);
});

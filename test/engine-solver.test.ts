/**
 * The tensor ALS (als-tensor.ts) against the float64 reference, on the wasm and cpu tfjs backends: the
 * row solvers (CG, subspace, pcg), the frequency-scaled regularization and the unobserved weight.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { CancelledError, TrainingDivergedError } from '../src/errors.js';
import { choleskyFactor, pcgFactors } from '../src/engine/cholesky.js';
import { compileAlsOptions, type AlsOptions } from '../src/engine/options.js';
import { objective } from '../src/engine/objective.js';
import { referenceAls } from '../src/engine/reference.js';
import { trainAls } from '../src/engine/trainer.js';
import type { CsrMatrix } from '../src/engine/types.js';
import { csrFromTriples, plantedClusters, randomCsr } from './helpers/engine-data.js';

function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0, s = 0;
  for (let i = 0; i < a.length; i++) { d = Math.max(d, Math.abs(a[i] - b[i])); s = Math.max(s, Math.abs(b[i])); }
  return d / s;
}

const train = (m: CsrMatrix, o: AlsOptions, hooks = {}) => trainAls(m, compileAlsOptions(o), hooks);

// 60 x 40, with an empty row and an empty column added.
const base = randomCsr(60, 40, 0.15, 3);
const small = (() => {
  const t: Array<[number, number, number]> = [];
  for (let r = 0; r < base.rows; r++) for (let j = base.indptr[r]; j < base.indptr[r + 1]; j++) t.push([r, base.indices[j], base.data[j]]);
  return csrFromTriples(61, 41, t); // row 60 and column 40 have no data
})();

// 120 x 80 where every row and every column has 4 or more entries: 3 CG steps solve none of them exactly.
const longer = randomCsr(120, 80, 0.1, 34);
const rowLengths = (m: CsrMatrix) => Array.from({ length: m.rows }, (_, r) => m.indptr[r + 1] - m.indptr[r]);
/** max over iterations of |loss / reference loss - 1| */
const maxLossRel = (a: number[], ref: number[]) => Math.max(...a.map((l, i) => Math.abs(l / ref[i] - 1)));
const pcgSetting = { factors: 16, cgSteps: 3, iterations: 6, regularization: 0.5, alpha: 1, seed: 7 };

/** Seeded factors whose coordinate 1 equals coordinate 0 on every row: every Gram then has two equal columns. */
function twinCoordinateFactors(rows: number, k: number, seed: number): Float32Array {
  const f = new Float32Array(rows * k);
  let s = seed;
  for (let i = 0; i < f.length; i++) { s = (Math.imul(s, 1103515245) + 12345) >>> 0; f[i] = (s / 2 ** 32 - 0.5) * 0.2; }
  for (let r = 0; r < rows; r++) f[r * k + 1] = f[r * k];
  return f;
}

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`tensor ALS on ${backend}`, () => {
    it('with cg_steps = factors matches the exact reference row solves', async () => {
      const o = { factors: 8, cgSteps: 8, iterations: 2, regularization: 0.5, alpha: 2, seed: 7, backend };
      const r = await train(small, o);
      const ref = referenceAls(small, compileAlsOptions(o), true);
      expect(r.backend).toBe(backend);
      expect(maxRelDiff(r.sourceFactors, ref.sourceFactors)).toBeLessThan(2e-3);
      expect(maxRelDiff(r.targetFactors, ref.targetFactors)).toBeLessThan(2e-3);
      for (let i = 0; i < 2; i++) expect(r.lossCurve[i]).toBeCloseTo(ref.lossCurve[i], 4);
      // rows and columns without data stay at zero
      expect(Array.from(r.sourceFactors.subarray(60 * 8))).toEqual(new Array(8).fill(0));
      expect(Array.from(r.targetFactors.subarray(40 * 8))).toEqual(new Array(8).fill(0));
    });

    // nu and alpha0 away from their defaults, and Spark's objective (nu 1, frequency weight 0: lambda n_u, with
    // the whole Gram term); the exact solves are CG with 2k steps and one subspace block of k.
    const scaled = { regularizationExponent: 0.6, unobservedWeight: 0.25, regularization: 0.05 };
    const objectives = [['nu 0.6, alpha0 0.25', scaled], ["Spark's (nu 1, w 0, alpha0 1)", { regularizationExponent: 1, regularizationFrequencyWeight: 0, regularization: 0.05 }]] as const;
    for (const [name, setting] of objectives) for (const solver of [{ solver: 'cg', cgSteps: 16 }, { solver: 'subspace', blockSize: 8 }]) {
      it(`frequency-scaled objective (${name}), ${solver.solver} solved exactly: matches the float64 reference`, async () => {
        const o = { factors: 8, iterations: 3, alpha: 2, seed: 7, backend, ...setting, ...solver };
        const r = await train(small, o);
        const ref = referenceAls(small, compileAlsOptions(o), true);
        expect(maxRelDiff(r.sourceFactors, ref.sourceFactors)).toBeLessThan(2e-3);
        expect(maxRelDiff(r.targetFactors, ref.targetFactors)).toBeLessThan(2e-3);
        for (let i = 0; i < 3; i++) expect(Math.abs(r.lossCurve[i] / ref.lossCurve[i] - 1)).toBeLessThan(1e-4);
        // objective.ts (the objective of any trainer's factors) = the reference's pair-by-pair sum, and the driver's last loss
        const c = compileAlsOptions(o);
        expect(Math.abs(objective(small, ref.sourceFactors, ref.targetFactors, c) / ref.lossCurve[2] - 1)).toBeLessThan(1e-12);
        expect(Math.abs(objective(small, r.sourceFactors, r.targetFactors, c) / r.lossCurve[2] - 1)).toBeLessThan(1e-5);
        // and the objective did change: the constant-lambda model and the coupled one (w = alpha0) are others
        const plain = referenceAls(small, compileAlsOptions({ ...o, regularizationExponent: 0, unobservedWeight: 1 }), true);
        expect(maxRelDiff(plain.sourceFactors, ref.sourceFactors)).toBeGreaterThan(0.05);
        const coupled = referenceAls(small, compileAlsOptions({ ...o, regularizationFrequencyWeight: undefined }), true);
        if ('regularizationFrequencyWeight' in setting) expect(maxRelDiff(coupled.sourceFactors, ref.sourceFactors)).toBeGreaterThan(0.05);
      });
    }

    it('subspace with blocks smaller than factors: loss falls monotonically towards the exact solves\', tensors do not leak', async () => {
      const before = tf.memory().numTensors;
      const o = { factors: 16, iterations: 12, backend, ...scaled };
      const sub = await train(small, { ...o, solver: 'subspace', blockSize: 4 });
      const exact = referenceAls(small, compileAlsOptions(o), true);
      for (let i = 1; i < sub.lossCurve.length; i++) expect(sub.lossCurve[i]).toBeLessThan(sub.lossCurve[i - 1]);
      // each pass is one block coordinate descent sweep, not the exact minimiser: it lags, then catches up
      expect(sub.lossCurve[0]).toBeGreaterThan(exact.lossCurve[0]);
      expect(sub.lossCurve.at(-1)! / exact.lossCurve.at(-1)!).toBeLessThan(1.05);
      expect(tf.memory().numTensors).toBe(before);
    });

    it('with 3 CG steps the (exact) loss decreases monotonically and tensors do not leak', async () => {
      const before = tf.memory().numTensors;
      const counts: number[] = [];
      const r = await train(small, { factors: 16, cgSteps: 3, iterations: 8, regularization: 0.1, backend, progressIntervalMs: 0 }, {
        onProgress: (p: { phase: string }) => { if (p.phase === 'loss' || p.phase === 'done') counts.push(tf.memory().numTensors); },
      });
      expect(r.lossKind).toBe('exact');
      for (let i = 1; i < r.lossCurve.length; i++) expect(r.lossCurve[i]).toBeLessThan(r.lossCurve[i - 1]);
      expect(new Set(counts).size).toBe(1); // flat across iterations
      expect(tf.memory().numTensors).toBe(before); // all freed at the end
    });

    it('recovers planted clusters far above a popularity baseline', async () => {
      const { train: m, test } = plantedClusters(240, 160, 4, 0.25, 0.01, 0.2, 11);
      const r = await train(m, { factors: 8, iterations: 6, regularization: 1, alpha: 5, backend });
      const k = 8;
      const pop = new Float64Array(m.cols);
      for (let j = 0; j < m.indices.length; j++) pop[m.indices[j]]++;
      let hitsAls = 0, hitsPop = 0, denom = 0;
      for (let u = 0; u < m.rows; u++) {
        if (test[u].size === 0) continue;
        const seen = new Set(m.indices.subarray(m.indptr[u], m.indptr[u + 1]));
        const cands = [...Array(m.cols).keys()].filter((i) => !seen.has(i));
        const score = (i: number) => { let s = 0; for (let f = 0; f < k; f++) s += r.sourceFactors[u * k + f] * r.targetFactors[i * k + f]; return s; };
        const top = (f: (i: number) => number) => [...cands].sort((a, b) => f(b) - f(a)).slice(0, 10);
        hitsAls += top(score).filter((i) => test[u].has(i)).length;
        hitsPop += top((i) => pop[i]).filter((i) => test[u].has(i)).length;
        denom += Math.min(10, test[u].size);
      }
      const pAls = hitsAls / denom, pPop = hitsPop / denom;
      // ~2 held-out items among ~30 unseen same-cluster candidates: a perfect cluster ranking scores ~0.33
      expect(pAls).toBeGreaterThan(0.22);
      expect(pAls).toBeGreaterThan(2.5 * pPop);
    });

    it('NaN/Inf in the factors ends training with TrainingDivergedError naming the cause', async () => {
      const huge = { ...small, data: small.data.map((w) => w * 1e15) };
      const err = await train(huge, { factors: 8, iterations: 3, regularization: 0, alpha: 1e20, backend }).catch((e) => e);
      expect(err).toBeInstanceOf(TrainingDivergedError);
      expect(err.message).toMatch(/regularization|alpha/);
      // weights whose confidence overflows float32 are refused before training
      const inf = { ...small, data: small.data.map((w) => w * 1e30) };
      const err2 = await train(inf, { factors: 8, iterations: 1, alpha: 1e10, backend }).catch((e) => e);
      expect(err2).toBeInstanceOf(TrainingDivergedError);
      expect(err2.message).toMatch(/lower alpha|log_scaling/);
    });

    it('pcg with 3 steps: loss within 2e-4 of the exact solves per iteration where CG is far off, the native-cpu pcg model, no tensor leaks', async () => {
      const cols = new Int32Array(longer.cols);
      for (const j of longer.indices) cols[j]++;
      expect(Math.min(...rowLengths(longer), ...cols)).toBeGreaterThan(3);
      const ref = referenceAls(longer, compileAlsOptions(pcgSetting), true);
      const cg = await train(longer, { ...pcgSetting, backend, solver: 'cg' });
      const before = tf.memory().numTensors; // (after a training: the backend is started)
      const pcg = await train(longer, { ...pcgSetting, backend, solver: 'pcg' });
      expect(tf.memory().numTensors).toBe(before);
      expect([pcg.solver, cg.solver]).toEqual(['pcg', 'cg']);
      expect(maxLossRel(pcg.lossCurve, ref.lossCurve)).toBeLessThan(2e-4);
      // CG at the same steps is measurably further off: pcg's steps did run
      expect(maxLossRel(cg.lossCurve, ref.lossCurve)).toBeGreaterThan(1e-2);
      for (let i = 1; i < pcg.lossCurve.length; i++) expect(pcg.lossCurve[i]).toBeLessThan(pcg.lossCurve[i - 1]);
      // the same half-sweeps as native-cpu's pcg (JS kernel: float64 sums), up to float32 rounding
      const native = await trainAls(longer, compileAlsOptions({ ...pcgSetting, backend: 'native-cpu', solver: 'pcg', workers: 2 }), {}, { nativeCpuKernel: 'js' });
      expect(native.solver).toBe('pcg');
      expect(maxRelDiff(pcg.sourceFactors, native.sourceFactors)).toBeLessThan(1e-4);
      expect(maxRelDiff(pcg.targetFactors, native.targetFactors)).toBeLessThan(1e-4);
      expect(maxRelDiff(cg.sourceFactors, native.sourceFactors)).toBeGreaterThan(0.05);
      for (let i = 0; i < pcg.lossCurve.length; i++) expect(Math.abs(pcg.lossCurve[i] / native.lossCurve[i] - 1)).toBeLessThan(1e-5);
    });

    it('pcg falls back to CG on a half-sweep whose A0 is singular: the CG model bit for bit', async () => {
      // regularization 0 (A0 = Y^T Y) and factors with two equal coordinates: every half-sweep's A0 is singular
      // (CG keeps the coordinates equal), so every half-sweep runs plain CG
      const k = 16;
      const initial = () => ({ sourceFactors: twinCoordinateFactors(longer.rows, k, 1), targetFactors: twinCoordinateFactors(longer.cols, k, 2) });
      const o = { factors: k, cgSteps: 3, iterations: 3, seed: 7, backend };
      const run = (solver: string, regularization = 0) => trainAls(longer, compileAlsOptions({ ...o, solver, regularization }), {}, {}, initial());
      const [pcg, cg] = [await run('pcg'), await run('cg')];
      expect(pcg.solver).toBe('pcg');
      expect(Array.from(pcg.sourceFactors)).toEqual(Array.from(cg.sourceFactors));
      expect(Array.from(pcg.targetFactors)).toEqual(Array.from(cg.targetFactors));
      expect(pcg.lossCurve).toEqual(cg.lossCurve);
      expect(pcg.sourceFactors.every(Number.isFinite)).toBe(true);
      // with regularization, A0 is positive definite from the same start and pcg's own steps run: another model
      const [pcgReg, cgReg] = [await run('pcg', 0.5), await run('cg', 0.5)];
      expect(maxRelDiff(pcgReg.sourceFactors, cgReg.sourceFactors)).toBeGreaterThan(1e-2);
    });

    for (const solver of ['cg', 'subspace'] as const) it(`cancellation stops within one chunk and frees the tensors (${solver})`, async () => {
      const before = tf.memory().numTensors;
      const ac = new AbortController();
      let chunksAfterAbort = 0;
      const err = await train(small, { factors: 8, iterations: 50, chunkNonzeros: 1024, progressIntervalMs: 0, backend, solver, blockSize: 4 }, {
        signal: ac.signal,
        onProgress: (p: { iteration: number; phase: string }) => {
          if (ac.signal.aborted) chunksAfterAbort++;
          if (p.iteration === 2 && p.phase === 'sources') ac.abort();
        },
      }).catch((e) => e);
      expect(err).toBeInstanceOf(CancelledError);
      expect(chunksAfterAbort).toBeLessThanOrEqual(1);
      expect(tf.memory().numTensors).toBe(before);
    });
  });
}

describe('pcgFactors (cholesky.ts: the one test native-cpu and the tensor path take)', () => {
  it('gives A0 = L L^T and L^-1, and refuses A0 not positive definite or too near singular', () => {
    const k = 3;
    const g = [4, 2, 0.4, 2, 5, 1, 0.4, 1, 3];
    const f = pcgFactors(g, k, 0.5, 0.2)!;
    const a0 = g.map((v, q) => 0.5 * v + (q % (k + 1) === 0 ? 0.2 : 0));
    for (let r = 0; r < k; r++) for (let c = 0; c < k; c++) {
      let llt = 0, eye = 0;
      for (let p = 0; p < k; p++) { llt += f.l[r * k + p] * f.l[c * k + p]; eye += f.lInv[r * k + p] * f.l[p * k + c]; }
      expect(llt).toBeCloseTo(a0[r * k + c], 12);
      expect(eye).toBeCloseTo(r === c ? 1 : 0, 12);
      if (c > r) expect([f.l[r * k + c], f.lInv[r * k + c]]).toEqual([0, 0]);
    }
    expect(pcgFactors([1, 2, 2, 1], 2, 1, 0)).toBeUndefined(); // indefinite
    // positive definite, but its last pivot^2 (1e-9) is below 1e-8 of the largest diagonal entry (1): plain CG
    const near = [1, 1, 1, 1 + 1e-9];
    expect(choleskyFactor(Float64Array.from(near), 2)).toBe(true);
    expect(pcgFactors(near, 2, 1, 0)).toBeUndefined();
    expect(pcgFactors([1, 1, 1, 1 + 1e-7], 2, 1, 0)).toBeDefined();
  });
});

describe('backends agree', () => {
  it('wasm and cpu give the same model within float32 tolerance', async () => {
    const o = { factors: 16, iterations: 4, regularization: 0.3, seed: 3 };
    const a = await train(small, { ...o, backend: 'wasm' });
    const b = await train(small, { ...o, backend: 'cpu' });
    // 3-step CG amplifies float32 rounding differences a little over iterations
    expect(maxRelDiff(a.sourceFactors, b.sourceFactors)).toBeLessThan(1e-2);
    expect(maxRelDiff(a.targetFactors, b.targetFactors)).toBeLessThan(1e-2);
    for (let i = 0; i < o.iterations; i++) expect(a.lossCurve[i]).toBeCloseTo(b.lossCurve[i], 5);
  });

  for (const solver of ['cg', 'subspace'] as const) it(`is deterministic for a seed on a backend, and the seed matters (${solver})`, async () => {
    const o = { factors: 8, iterations: 2, backend: 'wasm', solver, blockSize: 4, regularizationExponent: 0.5 };
    const a = await train(small, { ...o, seed: 1 });
    const b = await train(small, { ...o, seed: 1 });
    const c = await train(small, { ...o, seed: 2 });
    expect(Array.from(a.sourceFactors)).toEqual(Array.from(b.sourceFactors));
    expect(a.lossCurve).toEqual(b.lossCurve);
    expect(Array.from(a.sourceFactors)).not.toEqual(Array.from(c.sourceFactors));
  });

  it('the subspace pass with small blocks gives the same model on the tensor path and on native-cpu (JS kernel)', async () => {
    const o = { factors: 12, iterations: 4, regularization: 0.2, seed: 3, solver: 'subspace', blockSize: 5, regularizationExponent: 0.5, unobservedWeight: 0.5, workers: 2 };
    const tensor = await train(small, { ...o, backend: 'wasm' });
    const native = await trainAls(small, compileAlsOptions({ ...o, backend: 'native-cpu' }), {}, { nativeCpuKernel: 'js' });
    expect(maxRelDiff(tensor.sourceFactors, native.sourceFactors)).toBeLessThan(2e-3);
    expect(maxRelDiff(tensor.targetFactors, native.targetFactors)).toBeLessThan(2e-3);
    for (let i = 0; i < 4; i++) expect(Math.abs(tensor.lossCurve[i] / native.lossCurve[i] - 1)).toBeLessThan(1e-4);
  });
});

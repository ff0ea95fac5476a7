import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { foldGrams, packSide } from '../src/engine/als-tensor-sharded.js';
import { compileAlsOptions, type AlsOptions } from '../src/engine/options.js';
import { planSide } from '../src/engine/plan.js';
import { trainAls } from '../src/engine/trainer.js';
import type { CsrMatrix } from '../src/engine/types.js';
import { CancelledError, TrainingDivergedError } from '../src/errors.js';
import { randomCsr } from './helpers/engine-data.js';

const data = randomCsr(300, 200, 0.06, 21);
const opts = (o: AlsOptions = {}) => compileAlsOptions({ factors: 16, iterations: 3, regularization: 0.5, backend: 'wasm', chunkNonzeros: 1024, ...o });
/** Sharded from 0 nonzeros up (the default starts at 200k). */
const sharded = (m: CsrMatrix, o: AlsOptions, hooks = {}) => trainAls(m, opts({ workers: 2, ...o }), hooks, { tensorShardMinNonzeros: 0 });

describe('tensor path sharded over worker threads (wasm, cpu)', () => {
  it('gives the single-thread factors bit for bit, and the same loss curve within float rounding', async () => {
    const one = await trainAls(data, opts({ workers: 1 }));
    const logs: string[] = [];
    const two = await sharded(data, {}, { log: (msg: string) => logs.push(msg) });
    const three = await trainAls(data, opts({ workers: 3 }), {}, { tensorShardMinNonzeros: 0 });
    expect(logs).toContain('tensor path sharded over worker threads');
    expect(two.device).toMatch(/x 2 worker threads/);
    expect(one.device).not.toMatch(/worker threads/);
    for (const r of [two, three]) {
      expect(Array.from(r.sourceFactors)).toEqual(Array.from(one.sourceFactors));
      expect(Array.from(r.targetFactors)).toEqual(Array.from(one.targetFactors));
      r.lossCurve.forEach((l, i) => expect(Math.abs(l - one.lossCurve[i]!)).toBeLessThan(1e-6 * one.lossCurve[i]!));
    }
    expect(one.lossCurve[2]!).toBeLessThan(one.lossCurve[0]!);
  });

  it('with the subspace solver and per-row regularization too: the single-thread factors bit for bit', async () => {
    const o = { solver: 'subspace', blockSize: 4, regularizationExponent: 0.5, unobservedWeight: 0.3, regularizationFrequencyWeight: 0.8 };
    const one = await trainAls(data, opts({ ...o, workers: 1 }));
    const two = await sharded(data, o);
    expect(Array.from(two.sourceFactors)).toEqual(Array.from(one.sourceFactors));
    expect(Array.from(two.targetFactors)).toEqual(Array.from(one.targetFactors));
    two.lossCurve.forEach((l, i) => expect(Math.abs(l - one.lossCurve[i]!)).toBeLessThan(1e-6 * one.lossCurve[i]!));
    for (let i = 1; i < one.lossCurve.length; i++) expect(one.lossCurve[i]!).toBeLessThan(one.lossCurve[i - 1]!);
  });

  it('with solver pcg: the single-thread pcg factors bit for bit, another model than cg', async () => {
    const one = await trainAls(data, opts({ solver: 'pcg', workers: 1 }));
    const two = await sharded(data, { solver: 'pcg' });
    expect([one.solver, two.solver]).toEqual(['pcg', 'pcg']);
    expect(Array.from(two.sourceFactors)).toEqual(Array.from(one.sourceFactors));
    expect(Array.from(two.targetFactors)).toEqual(Array.from(one.targetFactors));
    two.lossCurve.forEach((l, i) => expect(Math.abs(l - one.lossCurve[i]!)).toBeLessThan(1e-6 * one.lossCurve[i]!));
    const cg = await sharded(data, { solver: 'cg' });
    let d = 0;
    for (let i = 0; i < cg.sourceFactors.length; i++) d = Math.max(d, Math.abs(cg.sourceFactors[i]! - two.sourceFactors[i]!));
    expect(d).toBeGreaterThan(1e-3);
    for (let i = 1; i < two.lossCurve.length; i++) expect(two.lossCurve[i]!).toBeLessThan(two.lossCurve[i - 1]!);
  });

  it('on the cpu backend too: the same factors as one thread', async () => {
    const small = randomCsr(60, 40, 0.1, 5);
    const o = { backend: 'cpu' as const, iterations: 2, factors: 8 };
    const one = await trainAls(small, opts({ ...o, workers: 1 }));
    const two = await sharded(small, o);
    expect(two.device).toMatch(/JavaScript.*x 2 worker threads/);
    expect(Array.from(two.sourceFactors)).toEqual(Array.from(one.sourceFactors));
    expect(Array.from(two.targetFactors)).toEqual(Array.from(one.targetFactors));
    await tf.setBackend('wasm');
  });

  it('packs the chunks of each side into shared memory, claimed largest first, and folds their Grams in chunk order', () => {
    const plan = planSide(data, data.data, 64);
    const k = 16;
    const p = packSide(plan.chunks, k);
    expect(p.rows.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect([...p.order].sort((a, b) => a - b)).toEqual(plan.chunks.map((_, i) => i)); // every chunk once
    const work = (i: number) => plan.chunks[i]!.batch * (plan.chunks[i]!.length + k);
    for (let j = 1; j < p.order.length; j++) expect(work(p.order[j - 1]!)).toBeGreaterThanOrEqual(work(p.order[j]!));
    plan.chunks.forEach((c, i) => {
      const e = p.entryStart[i]!, r = p.rowStart[i]!;
      expect([p.batch[i], p.length[i]]).toEqual([c.batch, c.length]);
      expect(Array.from(p.rows.subarray(r, r + c.batch))).toEqual(Array.from(c.rows));
      expect(Array.from(p.cols.subarray(e, e + c.batch * c.length))).toEqual(Array.from(c.cols));
      expect(Array.from(p.conf.subarray(e, e + c.batch * c.length))).toEqual(Array.from(c.conf));
      expect(Array.from(p.w.subarray(e, e + c.batch * c.length))).toEqual(Array.from(c.conf, (v) => (v > 0 ? v - 1 : 0)));
    });
    // float32 fold in chunk order: 1 + 2^-24 + 2^-24 rounds back to 1 at each step; another order would not.
    const grams = new Float32Array([1, 2 ** -24, 2 ** -24, 0.5]);
    expect(Array.from(foldGrams(grams, 4, 1))).toEqual([1.5]);
    expect(Array.from(foldGrams(new Float32Array([2 ** -24, 2 ** -24, 1, 0.5]), 4, 1))).toEqual([Math.fround(1 + 2 ** -23) + 0.5]);
  });

  it('reports progress, stops on abort with CancelledError, frees its tensors, and reports divergence', async () => {
    await tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    const seen: number[] = [];
    const ac = new AbortController();
    const err = await sharded(data, { iterations: 50, progressIntervalMs: 0 }, {
      signal: ac.signal,
      onProgress: (p: { iteration: number; fraction: number }) => { seen.push(p.fraction); if (p.iteration === 2) ac.abort(); },
    }).catch((e) => e);
    expect(err).toBeInstanceOf(CancelledError);
    expect(seen.length).toBeGreaterThan(2);
    expect(tf.memory().numTensors).toBe(before);

    const huge = { ...data, data: data.data.map((w) => w * 1e15) };
    const d = await sharded(huge, { iterations: 3, regularization: 0, alpha: 1e20 }).catch((e) => e);
    expect(d).toBeInstanceOf(TrainingDivergedError);
    expect(d.message).toMatch(/regularization|alpha/);
    expect(tf.memory().numTensors).toBe(before);
  });
});

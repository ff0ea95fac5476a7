import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { assignChunks } from '../src/engine/als-tensor-sharded.js';
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

  it('balances chunks: each chunk on exactly one shard, loads within the largest chunk of each other', () => {
    const plan = planSide(data, data.data, 64);
    const parts = assignChunks(plan.chunks, 3, 16);
    expect(parts.flat().length).toBe(plan.chunks.length);
    expect(new Set(parts.flat()).size).toBe(plan.chunks.length);
    const work = (c: { batch: number; length: number }) => c.batch * (c.length + 16);
    const loads = parts.map((p) => p.reduce((s, c) => s + work(c), 0));
    const biggest = Math.max(...plan.chunks.map(work));
    expect(Math.max(...loads) - Math.min(...loads)).toBeLessThanOrEqual(biggest);
    expect(assignChunks(plan.chunks, 3, 16)).toEqual(parts); // deterministic
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

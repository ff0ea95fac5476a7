import { describe, expect, it } from 'vitest';
import { CancelledError, InvalidArgumentError } from '../src/errors.js';
import { compileAlsOptions } from '../src/engine/options.js';
import { trainAls } from '../src/engine/trainer.js';
import type { TrainProgress } from '../src/engine/types.js';
import { trainInWorker } from '../src/engine/worker-trainer.js';
import { randomCsr } from './helpers/engine-data.js';

describe('trainInWorker', () => {
  it('trains in a worker thread (same model as in-thread) while the event loop keeps ticking', async () => {
    const m = randomCsr(1500, 800, 0.03, 5);
    const o = compileAlsOptions({ factors: 16, iterations: 4, backend: 'wasm', progressIntervalMs: 0 });
    const progress: TrainProgress[] = [];
    const logs: string[] = [];
    let last = performance.now();
    let maxGap = 0;
    const timer = setInterval(() => {
      const now = performance.now();
      maxGap = Math.max(maxGap, now - last);
      last = now;
    }, 5);
    let r;
    try {
      r = await trainInWorker(m, o, { onProgress: (p) => progress.push(p), log: (msg) => logs.push(msg) });
    } finally {
      clearInterval(timer);
    }
    expect(maxGap).toBeLessThan(250);
    expect(r.backend).toBe('wasm');
    expect(r.lossCurve).toHaveLength(4);
    expect(logs).toContain('engine backend wasm on CPU (wasm SIMD, 1 thread; BatchMatMul: batch-matmul.wasm)');
    expect(progress.at(-1)).toMatchObject({ fraction: 1, iteration: 4, phase: 'done', lossKind: 'exact' });
    expect(progress.some((p) => p.phase === 'sources' || p.phase === 'targets')).toBe(true);
    // the caller's arrays were copied, not detached
    expect(m.indices.length).toBeGreaterThan(0);
    const local = await trainAls(m, o);
    expect(Array.from(r.sourceFactors)).toEqual(Array.from(local.sourceFactors));
  });

  it('brings errors back as the same domain error classes with their field', async () => {
    const m = randomCsr(20, 10, 0.3, 1);
    m.indices[0] = 99; // out of range
    const err = await trainInWorker(m, compileAlsOptions({ backend: 'cpu' })).catch((e) => e);
    expect(err).toBeInstanceOf(InvalidArgumentError);
    expect(err.field).toBe('matrix.indices');
  });

  it('aborting stops the worker promptly with CancelledError', async () => {
    const m = randomCsr(1500, 800, 0.03, 5);
    const ac = new AbortController();
    const t0 = performance.now();
    let abortedAt = 0;
    const err = await trainInWorker(m, compileAlsOptions({ factors: 16, iterations: 500, backend: 'wasm', chunkNonzeros: 2048, progressIntervalMs: 0 }), {
      signal: ac.signal,
      onProgress: (p) => {
        if (p.iteration >= 1 && !ac.signal.aborted) {
          abortedAt = performance.now();
          ac.abort();
        }
      },
    }).catch((e) => e);
    expect(err).toBeInstanceOf(CancelledError);
    expect(performance.now() - abortedAt).toBeLessThan(1500);
    expect(performance.now() - t0).toBeLessThan(30_000);
  });
});

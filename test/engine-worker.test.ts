import { describe, expect, it } from 'vitest';
import { CancelledError, InvalidArgumentError } from '../src/errors.js';
import { compileAlsOptions } from '../src/engine/options.js';
import { trainAls } from '../src/engine/trainer.js';
import type { TrainProgress } from '../src/engine/types.js';
import { closeTrainingWorkers, trainInWorker, warmTrainingWorker } from '../src/engine/worker-trainer.js';
import { liveWorkerCount } from '../src/util/worker-rpc.js';
import { randomCsr } from './helpers/engine-data.js';

describe('trainInWorker', () => {
  it('trains in a worker thread (same model as in-thread), forwarding progress and log lines', async () => {
    await closeTrainingWorkers();
    const before = liveWorkerCount();
    const m = randomCsr(1500, 800, 0.03, 5);
    const o = compileAlsOptions({ factors: 16, iterations: 4, backend: 'wasm', progressIntervalMs: 0 });
    const progress: TrainProgress[] = [];
    const logs: string[] = [];
    const threadsDuring = new Set<number>();
    const r = await trainInWorker(m, o, {
      onProgress: (p) => { progress.push(p); threadsDuring.add(liveWorkerCount() - before); },
      log: (msg) => logs.push(msg),
    });
    expect([...threadsDuring]).toEqual([1]); // the training worker (the wasm backend starts no threads of its own)
    expect(r.backend).toBe('wasm');
    expect(r.lossCurve).toHaveLength(4);
    expect(logs).toContain('engine backend wasm on CPU (wasm SIMD, 1 thread; BatchMatMul: batch-matmul.wasm)');
    expect(progress.at(-1)).toMatchObject({ fraction: 1, iteration: 4, phase: 'done' });
    expect(progress.some((p) => p.phase === 'sources' || p.phase === 'targets')).toBe(true);
    // the caller's arrays were copied, not detached
    expect(m.indices.length).toBeGreaterThan(0);
    const local = await trainAls(m, o);
    expect(Array.from(r.sourceFactors)).toEqual(Array.from(local.sourceFactors));
  });

  it('keeps its worker for the next training, and passes the engine settings along', async () => {
    await closeTrainingWorkers();
    const before = liveWorkerCount();
    const m = randomCsr(200, 100, 0.05, 2);
    const o = compileAlsOptions({ factors: 8, iterations: 2, backend: 'wasm' });
    const first = await trainInWorker(m, o);
    expect(liveWorkerCount()).toBe(before + 1); // waiting, unref'd
    const logs: string[] = [];
    const second = await trainInWorker(m, o, { log: (msg) => logs.push(msg) }, { settings: { wasmBatchMatMul: false } });
    expect(liveWorkerCount()).toBe(before + 1); // the same worker
    expect(second.device).toMatch(/BatchMatMul: stock/);
    expect(first.device).toMatch(/BatchMatMul: batch-matmul.wasm/);
    // the stock kernel and ours compute the same products up to float32 rounding
    first.sourceFactors.forEach((v, i) => expect(Math.abs(v - second.sourceFactors[i]!)).toBeLessThan(1e-4));
    await closeTrainingWorkers();
    expect(liveWorkerCount()).toBe(before);
  });

  it('can be started ahead of the first training, which then takes that worker', async () => {
    await closeTrainingWorkers();
    const before = liveWorkerCount();
    const o = compileAlsOptions({ factors: 8, iterations: 2, backend: 'native-cpu', workers: 2 });
    expect(await warmTrainingWorker(o)).toEqual({ backend: 'native-cpu', device: 'CPU (native-cpu worker threads)' });
    expect(liveWorkerCount()).toBe(before + 1);
    const r = await trainInWorker(randomCsr(200, 100, 0.05, 2), o);
    expect(r.device).toMatch(/^CPU: 2 worker threads/);
    expect(liveWorkerCount()).toBe(before + 1);
    await closeTrainingWorkers();
  });

  it('brings errors back as the same domain error classes with their field', async () => {
    const m = randomCsr(20, 10, 0.3, 1);
    m.indices[0] = 99; // out of range
    const err = await trainInWorker(m, compileAlsOptions({ backend: 'cpu' })).catch((e) => e);
    expect(err).toBeInstanceOf(InvalidArgumentError);
    expect(err.field).toBe('matrix.indices');
  });

  it('aborting stops the training with CancelledError, and its worker is gone when the call rejects', async () => {
    await closeTrainingWorkers();
    const before = liveWorkerCount();
    const m = randomCsr(1500, 800, 0.03, 5);
    const ac = new AbortController();
    const err = await trainInWorker(m, compileAlsOptions({ factors: 16, iterations: 500, backend: 'wasm', chunkNonzeros: 2048, progressIntervalMs: 0 }), {
      signal: ac.signal,
      onProgress: (p) => { if (p.iteration >= 1) ac.abort(); },
    }).catch((e) => e);
    expect(err).toBeInstanceOf(CancelledError); // not the result of 500 iterations
    expect(liveWorkerCount()).toBe(before);
  });
});

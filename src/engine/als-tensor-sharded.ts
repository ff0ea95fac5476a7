/**
 * The tensor path (als-tensor.ts) sharded over worker threads, for tfjs backends that run on one CPU
 * core each (wasm: no threads in Node; cpu). Same plan, same per-chunk solve, same factors bit for bit
 * as the single-device path (only the loss sums are added in another order): each shard (a worker with
 * its own backend instance, tensor-shard-worker.ts) owns a set of chunks of each side, balanced by padded
 * nonzeros (longest first to the least loaded shard), and the factors live in two SharedArrayBuffers that
 * every shard reads (the fixed side, its rows' current factors) and writes (its rows' new factors).
 * This thread computes the Gram matrices, the dense loss terms and the NaN checks with its own backend.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Worker } from 'node:worker_threads';
import { CancelledError, InternalError, TrainingDivergedError } from '../errors.js';
import { startModuleWorker } from '../util/module-worker.js';
import { divergedError, gram, type TensorAlsResult } from './als-tensor.js';
import { validateCsr } from './csr.js';
import { initFactors, rowCounts } from './init.js';
import type { CompiledAlsOptions, EngineBackend } from './options.js';
import { planTraining, type Chunk } from './plan.js';
import type { FromShard, ToShard } from './tensor-shard-protocol.js';
import { progressReporter } from './progress.js';
import type { CsrMatrix, TrainHooks } from './types.js';

/**
 * Chunks per shard: longest processing time first onto the least loaded shard (deterministic). A chunk's
 * work ~ B (L + k): per CG step 2 B L k for the sparse mat-vecs and 2 B k^2 for the dense product.
 */
export function assignChunks(chunks: Chunk[], shards: number, k: number): Chunk[][] {
  const out: Chunk[][] = Array.from({ length: shards }, () => []);
  const load = new Float64Array(shards);
  const order = chunks.map((c, i) => ({ c, i, w: c.batch * (c.length + k) })).sort((a, b) => b.w - a.w || a.i - b.i);
  for (const { c, w } of order) {
    let s = 0;
    for (let j = 1; j < shards; j++) if (load[j]! < load[s]!) s = j;
    out[s]!.push(c);
    load[s]! += w;
  }
  return out;
}

class Shard {
  private pending?: { resolve(m: FromShard): void; reject(e: Error): void };
  private constructor(readonly worker: Worker) {
    worker.on('message', (m: FromShard) => {
      const p = this.pending;
      this.pending = undefined;
      if (!p) return;
      if (m.t === 'failed') p.reject(m.name === 'TrainingDivergedError' ? new TrainingDivergedError(m.message) : new InternalError(`tensor shard failed: ${m.message}`));
      else p.resolve(m);
    });
    const die = (why: string) => { const p = this.pending; this.pending = undefined; p?.reject(new InternalError(`tensor shard stopped: ${why}`)); };
    worker.on('error', (e) => die(e.message));
    worker.on('exit', (code) => die(`exit code ${code}`));
  }
  static start(): Shard { return new Shard(startModuleWorker(import.meta.url, 'tensor-shard-worker')); }
  request(m: ToShard): Promise<FromShard> {
    return new Promise((resolve, reject) => { this.pending = { resolve, reject }; this.worker.postMessage(m); });
  }
}

export async function trainTensorAlsSharded(matrix: CsrMatrix, o: CompiledAlsOptions, backend: EngineBackend, shards: number, hooks: TrainHooks = {}): Promise<TensorAlsResult> {
  const started = performance.now();
  const k = o.factors;
  const { signal, onProgress } = hooks;
  const cancelled = () => new CancelledError('training cancelled', { cause: signal?.reason });
  if (signal?.aborted) throw cancelled();
  const report = progressReporter(onProgress, o.iterations, started);

  validateCsr(matrix);
  report({ fraction: 0, iteration: 0, phase: 'setup' });
  const { rows: m, cols: n } = matrix;
  const { transposed, sides: plans, totalConfidence, workPerIteration } = planTraining(matrix, o);

  const Xbuf = new SharedArrayBuffer(4 * Math.max(1, m * k));
  const Ybuf = new SharedArrayBuffer(4 * Math.max(1, n * k));
  const X = new Float32Array(Xbuf, 0, m * k);
  const Y = new Float32Array(Ybuf, 0, n * k);
  X.set(initFactors(rowCounts(matrix.indptr), k, o.seed, 0));
  Y.set(initFactors(rowCounts(transposed.indptr), k, o.seed, 1));
  const workBuf = new SharedArrayBuffer(4);
  const work = new Int32Array(workBuf);
  const parts = [assignChunks(plans[0].chunks, shards, k), assignChunks(plans[1].chunks, shards, k)];

  const pool = Array.from({ length: shards }, () => Shard.start());
  const onAbort = () => { for (const s of pool) s.worker.postMessage({ t: 'abort' } satisfies ToShard); };
  signal?.addEventListener('abort', onAbort, { once: true });
  let timer: NodeJS.Timeout | undefined;
  let yty: tf.Tensor2D | undefined;
  const lambdaEye = tf.tidy(() => tf.mul(tf.eye(k), o.regularization) as tf.Tensor2D);
  try {
    await Promise.all(pool.map((s, i) => s.request({ t: 'init', backend, k, steps: o.cgSteps, rows: m, cols: n, X: Xbuf, Y: Ybuf, work: workBuf, chunks: [parts[0][i]!, parts[1][i]!] })));
    hooks.log?.('tensor path sharded over worker threads', { backend, shards, chunks: [plans[0].chunks.length, plans[1].chunks.length] });
    const tensorOf = (a: Float32Array, r: number) => tf.tensor2d(a.slice(), [r, k]);
    const aregOf = (g: tf.Tensor2D) => {
      const t = tf.add(g, lambdaEye);
      const a = Float32Array.from(t.dataSync());
      t.dispose();
      return a;
    };
    const finite = (a: Float32Array) => { for (let j = 0; j < a.length; j++) if (!Number.isFinite(a[j]!)) return false; return true; };
    const lossCurve: number[] = [];
    let lastLoss: number | undefined;

    const sweep = async (side: 0 | 1, g: tf.Tensor2D, it: number): Promise<number> => {
      const areg = aregOf(g);
      const before = side === 0 ? 0 : plans[0].paddedNonzeros;
      Atomics.store(work, 0, 0);
      timer = setInterval(() => report({
        fraction: Math.min(1, (it - 1 + (before + Atomics.load(work, 0)) / workPerIteration) / o.iterations),
        iteration: it, loss: lastLoss, lossKind: 'exact', phase: side === 0 ? 'sources' : 'targets',
      }), Math.max(20, o.progressIntervalMs));
      try {
        const replies = await Promise.all(pool.map((s) => s.request({ t: 'sweep', side, areg, withLoss: side === 1 })));
        if (signal?.aborted) throw cancelled();
        return replies.reduce((sum, r) => sum + (r.t === 'swept' ? r.loss : 0), 0);
      } catch (err) {
        if (signal?.aborted) throw cancelled();
        throw err;
      } finally {
        clearInterval(timer);
        timer = undefined;
      }
    };

    yty = tf.tidy(() => gram(tensorOf(Y, n)));
    for (let it = 1; it <= o.iterations; it++) {
      await sweep(0, yty!, it);
      if (!finite(X)) throw divergedError(it, 'source factors', o.regularization);
      const held: tf.Tensor[] = [];
      try {
        const x = tensorOf(X, m);
        const xtx = gram(x);
        held.push(x, xtx);
        const sparse = await sweep(1, xtx, it);
        if (!finite(Y)) throw divergedError(it, 'target factors', o.regularization);
        const y = tensorOf(Y, n);
        held.push(y);
        yty!.dispose();
        yty = gram(y);
        const [dense, reg] = tf.tidy(() => tf.stack([
          tf.sum(tf.mul(xtx, yty!)),
          tf.mul(tf.add(tf.sum(tf.mul(x, x)), tf.sum(tf.mul(y, y))), o.regularization),
        ]).dataSync());
        const loss = (sparse + dense! + reg!) / totalConfidence;
        if (!Number.isFinite(loss)) throw divergedError(it, 'the loss terms', o.regularization);
        lossCurve.push(loss);
        lastLoss = loss;
        report({ fraction: it / o.iterations, iteration: it, loss, lossKind: 'exact', phase: it === o.iterations ? 'done' : 'loss' });
      } finally {
        tf.dispose(held);
      }
    }
    return { sourceFactors: X.slice(), targetFactors: Y.slice(), lossCurve };
  } finally {
    if (timer) clearInterval(timer);
    signal?.removeEventListener('abort', onAbort);
    lambdaEye.dispose();
    yty?.dispose();
    await Promise.all(pool.map((s) => s.worker.terminate()));
  }
}

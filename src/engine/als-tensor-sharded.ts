/**
 * The tensor path (als-tensor.ts) sharded over worker threads, for tfjs backends that run on one CPU
 * core each (wasm: no threads in Node; cpu). Same plan, same per-chunk solve, same factors bit for bit
 * as the single-device path (only the sparse loss terms are added in another order). Each shard (a worker
 * with its own backend instance, tensor-shard-worker.ts) claims chunks of the side being solved from a
 * shared counter, largest first, so the shards finish together whatever their speed; the chunks are packed
 * once into shared memory (packSide), and the factors live in two SharedArrayBuffers that every shard reads
 * (the fixed side, its chunk's current rows) and writes (its chunk's new rows). Each chunk's Gram matrix is
 * computed by the shard that solved it; this thread folds them in plan order (as the single-device path
 * does), checks them for NaN/Inf, and computes the loss from them: it never passes over the factors. */
import * as tf from '@tensorflow/tfjs-core';
import type { Worker } from 'node:worker_threads';
import { CancelledError, InternalError, TrainingDivergedError } from '../errors.js';
import { startModuleWorker } from '../util/module-worker.js';
import { chunkW, denseLossTerms, divergedError, gram, gramFinite, type TensorAlsResult } from './als-tensor.js';
import { validateCsr } from './csr.js';
import { initFactors, rowCounts } from './init.js';
import type { CompiledAlsOptions, EngineBackend } from './options.js';
import { planTraining, type Chunk } from './plan.js';
import type { FromShard, PackedSide, ToShard } from './tensor-shard-protocol.js';
import { progressReporter } from './progress.js';
import type { CsrMatrix, TrainHooks } from './types.js';

/**
 * One side's chunks packed into shared memory (see PackedSide), with the claim order: largest work first
 * (ties by plan order), so that the last chunks claimed are small and the shards finish together. A chunk's
 * work ~ B (L + k): per CG step 2 B L k for the sparse mat-vecs and 2 B k^2 for the dense product.
 */
export function packSide(chunks: Chunk[], k: number): PackedSide {
  const n = chunks.length;
  const shared = <T>(make: (b: SharedArrayBuffer, len: number) => T, bytes: number, len: number) => make(new SharedArrayBuffer(Math.max(1, len) * bytes), len);
  const i32 = (len: number) => shared((b, l) => new Int32Array(b, 0, l), 4, len);
  const f32 = (len: number) => shared((b, l) => new Float32Array(b, 0, l), 4, len);
  let rowsTotal = 0, entries = 0;
  for (const c of chunks) { rowsTotal += c.batch; entries += c.batch * c.length; }
  const p: PackedSide = {
    batch: i32(n), length: i32(n), rowStart: i32(n), entryStart: shared((b, l) => new Float64Array(b, 0, l), 8, n), order: i32(n),
    rows: i32(rowsTotal), cols: i32(entries), conf: f32(entries), w: f32(entries),
  };
  let r = 0, e = 0;
  chunks.forEach((c, i) => {
    p.batch[i] = c.batch;
    p.length[i] = c.length;
    p.rowStart[i] = r;
    p.entryStart[i] = e;
    p.rows.set(c.rows, r);
    p.cols.set(c.cols, e);
    p.conf.set(c.conf, e);
    p.w.set(chunkW(c.conf), e);
    r += c.batch;
    e += c.batch * c.length;
  });
  const work = (c: Chunk) => c.batch * (c.length + k);
  p.order.set(chunks.map((_, i) => i).sort((a, b) => work(chunks[b]!) - work(chunks[a]!) || a - b));
  return p;
}

/** The sum of the per-chunk Gram matrices in chunk order, in float32 (as tf.add folds them on one thread). */
export function foldGrams(grams: Float32Array, chunks: number, k: number): Float32Array {
  const out = new Float32Array(k * k);
  for (let c = 0; c < chunks; c++) {
    const g = grams.subarray(c * k * k, (c + 1) * k * k);
    for (let j = 0; j < k * k; j++) out[j] = Math.fround(out[j]! + g[j]!);
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
  const sides: [PackedSide, PackedSide] = [packSide(plans[0].chunks, k), packSide(plans[1].chunks, k)];
  const claimBuf = new SharedArrayBuffer(8);
  const claim = new Int32Array(claimBuf);
  const workBuf = new SharedArrayBuffer(4);
  const work = new Int32Array(workBuf);
  const gramBufs: [SharedArrayBuffer, SharedArrayBuffer] = [
    new SharedArrayBuffer(4 * Math.max(1, plans[0].chunks.length * k * k)),
    new SharedArrayBuffer(4 * Math.max(1, plans[1].chunks.length * k * k)),
  ];
  const grams = [new Float32Array(gramBufs[0]), new Float32Array(gramBufs[1])];
  const lossBuf = new SharedArrayBuffer(8 * Math.max(1, plans[1].chunks.length));
  const losses = new Float64Array(lossBuf);

  const pool = Array.from({ length: shards }, () => Shard.start());
  const onAbort = () => { for (const s of pool) s.worker.postMessage({ t: 'abort' } satisfies ToShard); };
  signal?.addEventListener('abort', onAbort, { once: true });
  let timer: NodeJS.Timeout | undefined;
  const lambdaEye = tf.tidy(() => tf.mul(tf.eye(k), o.regularization) as tf.Tensor2D);
  try {
    await Promise.all(pool.map((s) => s.request({
      t: 'init', backend, k, steps: o.cgSteps, rows: m, cols: n, X: Xbuf, Y: Ybuf, sides, claim: claimBuf, work: workBuf, grams: gramBufs, losses: lossBuf,
    })));
    hooks.log?.('tensor path sharded over worker threads', { backend, shards, chunks: [plans[0].chunks.length, plans[1].chunks.length] });
    const aregOf = (g: Float32Array) => tf.tidy(() => Float32Array.from(tf.add(tf.tensor2d(g, [k, k]), lambdaEye).dataSync()));
    const lossCurve: number[] = [];
    let lastLoss: number | undefined;

    /** Solves every row of `side` given the other side's Gram `g`; returns the Gram of the new rows. */
    const sweep = async (side: 0 | 1, g: Float32Array, it: number): Promise<Float32Array> => {
      const areg = aregOf(g);
      const before = side === 0 ? 0 : plans[0].paddedNonzeros;
      Atomics.store(work, 0, 0);
      Atomics.store(claim, side, 0);
      timer = setInterval(() => report({
        fraction: Math.min(1, (it - 1 + (before + Atomics.load(work, 0)) / workPerIteration) / o.iterations),
        iteration: it, loss: lastLoss, lossKind: 'exact', phase: side === 0 ? 'sources' : 'targets',
      }), Math.max(20, o.progressIntervalMs));
      try {
        await Promise.all(pool.map((s) => s.request({ t: 'sweep', side, areg, withLoss: side === 1 })));
        if (signal?.aborted) throw cancelled();
        return foldGrams(grams[side]!, plans[side].chunks.length, k);
      } catch (err) {
        if (signal?.aborted) throw cancelled();
        throw err;
      } finally {
        clearInterval(timer);
        timer = undefined;
      }
    };

    // The first Gram from the initial factors, as the single-thread path computes it.
    let yty: Float32Array = tf.tidy(() => Float32Array.from(gram(tf.tensor2d(Y.slice(), [n, k])).dataSync()));
    for (let it = 1; it <= o.iterations; it++) {
      const xtx = await sweep(0, yty, it);
      if (!gramFinite(xtx)) throw divergedError(it, 'source factors', o.regularization);
      yty = await sweep(1, xtx, it);
      if (!gramFinite(yty)) throw divergedError(it, 'target factors', o.regularization);
      let sparse = 0;
      for (let c = 0; c < plans[1].chunks.length; c++) sparse += losses[c]!;
      const [dense, reg] = tf.tidy(() => tf.stack(denseLossTerms(tf.tensor2d(xtx, [k, k]), tf.tensor2d(yty, [k, k]), o.regularization)).dataSync());
      const loss = (sparse + dense! + reg!) / totalConfidence;
      if (!Number.isFinite(loss)) throw divergedError(it, 'the loss terms', o.regularization);
      lossCurve.push(loss);
      lastLoss = loss;
      report({ fraction: it / o.iterations, iteration: it, loss, lossKind: 'exact', phase: it === o.iterations ? 'done' : 'loss' });
    }
    return { sourceFactors: X.slice(), targetFactors: Y.slice(), lossCurve };
  } finally {
    if (timer) clearInterval(timer);
    signal?.removeEventListener('abort', onAbort);
    lambdaEye.dispose();
    await Promise.all(pool.map((s) => s.worker.terminate()));
  }
}

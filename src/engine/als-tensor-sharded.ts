/**
 * The tensor solver (als-tensor.ts) sharded over worker threads, for tfjs backends that run on one CPU
 * core each (wasm: no threads in Node; cpu). Same plan, same per-chunk solve, same factors bit for bit
 * as the single-device solver (only the sparse loss terms are added in another order). Each shard (a worker
 * with its own backend instance, tensor-shard-worker.ts) claims chunks of the side being solved from a
 * shared counter, largest first, so the shards finish together whatever their speed; the chunks are packed
 * once into shared memory (packSide), and the factors live in two SharedArrayBuffers that every shard reads
 * (the fixed side, its chunk's current rows) and writes (its chunk's new rows). Each chunk's Gram matrix is
 * computed by the shard that solved it; this thread folds them in plan order (as the single-device solver
 * does): it never passes over the factors. Solver pcg's maps (L, L^-1, L^-T of A0 = L L^T) are computed once
 * per half-sweep on this thread, as the single-device solver does; each shard forms Y' = Y L^-T once per
 * half-sweep from them. The shards live as long as one training.
 */
import * as tf from '@tensorflow/tfjs-core';
import { WorkerClient } from '../util/worker-rpc.js';
import { SIDES, type HalfSweepSolver, type SolverFactory } from './als-driver.js';
import { aregTensor, chunkExtra, chunkW, gram, pcgMaps, readFloats } from './als-tensor.js';
import type { EngineBackend } from './options.js';
import { planProblem, type Chunk } from './plan.js';
import type { EngineSettings } from './settings.js';
import type { PackedSide, ShardSystem, TensorShardProtocol } from './tensor-shard-protocol.js';

/**
 * One side's chunks packed into shared memory (see PackedSide), with the claim order: largest work first
 * (ties by plan order), so that the last chunks claimed are small and the shards finish together. A chunk's
 * work ~ B (L + k): per CG step 2 B L k for the sparse mat-vecs and 2 B k^2 for the dense product.
 */
export function packSide(chunks: Chunk[], k: number, alpha0 = 1, extra?: Float32Array): PackedSide {
  const n = chunks.length;
  const shared = <T>(make: (b: SharedArrayBuffer, len: number) => T, bytes: number, len: number) => make(new SharedArrayBuffer(Math.max(1, len) * bytes), len);
  const i32 = (len: number) => shared((b, l) => new Int32Array(b, 0, l), 4, len);
  const f32 = (len: number) => shared((b, l) => new Float32Array(b, 0, l), 4, len);
  let rowsTotal = 0, entries = 0;
  for (const c of chunks) { rowsTotal += c.batch; entries += c.batch * c.length; }
  const p: PackedSide = {
    batch: i32(n), length: i32(n), rowStart: i32(n), entryStart: shared((b, l) => new Float64Array(b, 0, l), 8, n), order: i32(n),
    rows: i32(rowsTotal), cols: i32(entries), conf: f32(entries), w: f32(entries),
    ...(extra ? { extra: f32(rowsTotal) } : {}),
  };
  let r = 0, e = 0;
  chunks.forEach((c, i) => {
    p.batch[i] = c.batch;
    p.length[i] = c.length;
    p.rowStart[i] = r;
    p.entryStart[i] = e;
    p.rows.set(c.rows, r);
    if (extra) p.extra!.set(chunkExtra(c.rows, extra), r);
    p.cols.set(c.cols, e);
    p.conf.set(c.conf, e);
    p.w.set(chunkW(c.conf, alpha0), e);
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

/** The sharded tensor solver on `shards` worker threads, each starting `backend` as this thread did. */
export function shardedTensorSolver(backend: EngineBackend, device: string, shards: number, settings: EngineSettings): SolverFactory {
  return async (p, initial, hooks) => {
    const o = p.options;
    const k = o.factors;
    const m = p.csr.sources.rows, n = p.csr.targets.rows;
    const plans = planProblem(p);
    const Xbuf = new SharedArrayBuffer(4 * Math.max(1, m * k));
    const Ybuf = new SharedArrayBuffer(4 * Math.max(1, n * k));
    const X = new Float32Array(Xbuf, 0, m * k);
    const Y = new Float32Array(Ybuf, 0, n * k);
    X.set(initial.sourceFactors);
    Y.set(initial.targetFactors);
    const sides = SIDES.map((side) => packSide(plans[side].chunks, k, o.unobservedWeight, p.reg.extra?.[side])) as [PackedSide, PackedSide];
    const claim = new Int32Array(new SharedArrayBuffer(8));
    const work = new Int32Array(new SharedArrayBuffer(4));
    const grams = SIDES.map((side) => new Float32Array(new SharedArrayBuffer(4 * Math.max(1, plans[side].chunks.length * k * k)))) as [Float32Array, Float32Array];
    const penalties = SIDES.map((side) => new Float64Array(new SharedArrayBuffer(8 * Math.max(1, plans[side].chunks.length)))) as [Float64Array, Float64Array];
    const losses = new Float64Array(new SharedArrayBuffer(8 * Math.max(1, plans.targets.chunks.length)));

    const pool = Array.from({ length: shards }, () => WorkerClient.start<TensorShardProtocol>(import.meta.url, 'tensor-shard-worker', { label: 'tensor shard' }));
    const lambdaEye = tf.tidy(() => tf.mul(tf.eye(k), p.reg.base) as tf.Tensor2D);
    const dispose = async () => {
      lambdaEye.dispose();
      await Promise.all(pool.map((s) => s.terminate()));
    };
    try {
      await Promise.all(pool.map((s) => s.call('init', {
        backend, settings, k, rows: m, cols: n, X: Xbuf, Y: Ybuf, sides,
        solve: { solver: o.solver, cgSteps: o.cgSteps, blockSize: o.blockSize, unobservedWeight: o.unobservedWeight },
        claim: claim.buffer as SharedArrayBuffer, work: work.buffer as SharedArrayBuffer,
        grams: [grams[0].buffer as SharedArrayBuffer, grams[1].buffer as SharedArrayBuffer],
        penalties: [penalties[0].buffer as SharedArrayBuffer, penalties[1].buffer as SharedArrayBuffer], losses: losses.buffer as SharedArrayBuffer,
      }, { signal: hooks.signal, abortGraceMs: 0 })));
    } catch (err) {
      await dispose();
      throw err;
    }
    hooks.log?.('tensor path sharded over worker threads', { backend, shards, chunks: [plans.sources.chunks.length, plans.targets.chunks.length] });
    const solver: HalfSweepSolver = {
      device: `${device} x ${shards} worker threads`,
      work: { sources: plans.sources.paddedNonzeros, targets: plans.targets.paddedNonzeros },
      // The first Gram from the initial factors, as the single-device solver computes it.
      gram: (side) => {
        const f = side === 'sources' ? X : Y;
        const g = tf.tidy(() => gram(tf.tensor2d(f.slice(), [f.length / k, k])));
        return readFloats(g).finally(() => g.dispose());
      },
      async update(side, otherGram, ctx) {
        const s = side === 'sources' ? 0 : 1;
        const maps = o.solver === 'pcg' ? pcgMaps(otherGram, k, o.unobservedWeight, p.reg.base) : undefined;
        let system: ShardSystem;
        if (maps) system = maps;
        else {
          const areg = aregTensor(otherGram, k, lambdaEye, o.unobservedWeight);
          system = { areg: await readFloats(areg).finally(() => areg.dispose()) };
        }
        Atomics.store(work, 0, 0);
        Atomics.store(claim, s, 0);
        ctx.watch(() => Atomics.load(work, 0));
        // A cancelled training needs nothing from its shards: they are terminated at once.
        await Promise.all(pool.map((w) => w.call('sweep', { side: s, system, withLoss: ctx.withLoss }, { signal: ctx.signal, abortGraceMs: 0 })));
        const chunks = plans[side].chunks.length;
        let sparseLoss: number | undefined, penalty: number | undefined;
        if (ctx.withLoss) {
          sparseLoss = 0;
          for (let c = 0; c < chunks; c++) sparseLoss += losses[c]!;
        }
        if (p.reg.extra) {
          penalty = 0;
          for (let c = 0; c < chunks; c++) penalty += penalties[s][c]!;
        }
        return { gram: foldGrams(grams[s], chunks, k), sparseLoss, penalty };
      },
      factors: async () => ({ sourceFactors: X.slice(), targetFactors: Y.slice() }),
      dispose,
    };
    return solver;
  };
}

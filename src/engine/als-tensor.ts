/**
 * Implicit ALS (Hu, Koren, Volinsky 2008) with conjugate-gradient row solves (Takacs, Pilaszy, Tikk 2011)
 * as tfjs-core ops, the one code path of every tfjs backend (tensorflow, webgpu, wasm, cpu). Only kernels
 * all of them implement are used: GatherNd, BatchMatMul, Reshape, Concat, Sum and elementwise ops.
 *
 * One iteration = solve every source row given the targets, then every target row given the sources.
 * Each half-sweep is cut into chunks (see plan.ts); per chunk the other side's factor rows are gathered
 * once into [B, L, k] and the CG steps run on that block (cg-solve.ts). The new rows of all chunks are
 * concatenated and put back in row order by one gather. Departures from the paper: CG instead of the
 * exact solve (as Takacs et al.), float32 throughout, rows without data fixed at zero.
 *
 * Each half-sweep also sums the Gram matrix of the rows it solved, chunk by chunk in plan order
 * (X^T X = sum over chunks of xs^T xs: rows without data are zero), so the next half-sweep's Gram needs no
 * pass over all the factors, and a NaN/Inf factor shows on its diagonal (the divergence check).
 *
 * Loss (exact, not sampled) after each iteration, from the blocks already in hand:
 *   L = sum(X^T X * Y^T Y) + sum_{nonzeros} [c (1 - s)^2 - s^2] + lambda (tr X^T X + tr Y^T Y),  s = x_u . y_i
 * reported divided by sum_{u,i} c_ui (as benfred/implicit reports it).
 */
import * as tf from '@tensorflow/tfjs-core';
import { CancelledError, TrainingDivergedError } from '../errors.js';
import { cgSolveChunk, sparseLossTerm } from './cg-solve.js';
import { validateCsr } from './csr.js';
import { initFactors, rowCounts } from './init.js';
import type { CompiledAlsOptions } from './options.js';
import { planTraining, type Chunk, type SidePlan } from './plan.js';
import { progressReporter } from './progress.js';
import type { CsrMatrix, TrainHooks } from './types.js';

export interface TensorAlsResult {
  sourceFactors: Float32Array;
  targetFactors: Float32Array;
  lossCurve: number[];
}

/** Tensors of one chunk kept on the device for the whole training (indices and confidences only). */
export interface DeviceChunk {
  batch: number;
  length: number;
  rows: tf.Tensor2D; // [B, 1] int32
  cols: tf.Tensor2D; // [B * L, 1] int32
  conf: tf.Tensor3D; // [B, L, 1]
  w: tf.Tensor3D; // [B, L, 1] c - 1 on real entries, 0 on padding
}
interface DeviceSide {
  plan: SidePlan;
  chunks: DeviceChunk[];
  position: tf.Tensor2D; // [rows, 1] int32
}

/** w = c - 1 on a chunk's real entries, 0 on padding. */
export const chunkW = (conf: Float32Array): Float32Array => conf.map((v) => (v > 0 ? v - 1 : 0));

/** A chunk's index and confidence tensors (see plan.ts); `w` = chunkW(c.conf) when the caller has it. */
export function uploadChunk(c: Chunk, w: Float32Array = chunkW(c.conf)): DeviceChunk {
  return {
    batch: c.batch,
    length: c.length,
    rows: tf.tensor2d(c.rows, [c.batch, 1], 'int32'),
    cols: tf.tensor2d(c.cols, [c.batch * c.length, 1], 'int32'),
    conf: tf.tensor3d(c.conf, [c.batch, c.length, 1], 'float32'),
    w: tf.tensor3d(w, [c.batch, c.length, 1], 'float32'),
  };
}

export function disposeChunk(c: DeviceChunk): void {
  tf.dispose([c.rows, c.cols, c.conf, c.w]);
}

/**
 * One chunk of a half-sweep: gathers the other side's rows once into [B, L, k], runs the CG steps from
 * x0 ([B, k], the rows' current factors) and, with `withLoss`, returns the chunk's sparse loss term.
 * Call inside tf.tidy.
 */
export function solveChunk(other: tf.Tensor2D, x0: tf.Tensor2D, c: DeviceChunk, areg: tf.Tensor2D, steps: number, withLoss: boolean): { xs: tf.Tensor2D; term?: tf.Scalar } {
  const k = other.shape[1];
  const g = tf.reshape(tf.gatherND(other, c.cols), [c.batch, c.length, k]) as tf.Tensor3D;
  const { x: xs, gx } = cgSolveChunk(g, x0, c.conf, c.w, areg, steps, withLoss);
  return { xs, term: withLoss && gx ? sparseLossTerm(c.conf, gx) : undefined };
}

function upload(plan: SidePlan): DeviceSide {
  return { plan, chunks: plan.chunks.map((c) => uploadChunk(c)), position: tf.tensor2d(plan.position, [plan.rows, 1], 'int32') };
}

function disposeSide(s: DeviceSide): void {
  for (const c of s.chunks) disposeChunk(c);
  s.position.dispose();
}

/**
 * Gram matrix T^T T. An explicit transpose then a plain matmul: wasm's BatchMatMul with transposeA takes
 * a slow path (6x slower on [50000, 64]).
 */
export const gram = (t: tf.Tensor2D): tf.Tensor2D => tf.tidy(() => tf.matMul(tf.transpose(t), t));

/**
 * The dense loss terms from the two Gram matrices: sum(X^T X * Y^T Y) and lambda (|X|^2 + |Y|^2), where
 * |X|^2 = trace(X^T X). Call inside tf.tidy.
 */
export function denseLossTerms(xtx: tf.Tensor2D, yty: tf.Tensor2D, regularization: number): [tf.Scalar, tf.Scalar] {
  const eye = tf.eye(xtx.shape[0]);
  const dense = tf.sum(tf.mul(xtx, yty));
  const reg = tf.mul(tf.add(tf.sum(tf.mul(xtx, eye)), tf.sum(tf.mul(yty, eye))), regularization);
  return [dense as tf.Scalar, reg as tf.Scalar];
}

/**
 * Whether a side's factors are finite, read off its Gram matrix: a NaN or Inf factor (or one whose square
 * overflows float32) makes its diagonal entry NaN or Inf, so k^2 values are checked instead of rows x k.
 */
export function gramFinite(g: ArrayLike<number>): boolean {
  for (let j = 0; j < g.length; j++) if (!Number.isFinite(g[j]!)) return false;
  return true;
}

/** The error for NaN/Inf in factors or loss, naming the likely causes. */
export function divergedError(iteration: number, what: string, regularization: number): TrainingDivergedError {
  return new TrainingDivergedError(
    `training diverged: ${what} contain NaN or Inf after iteration ${iteration}. ` +
      `Likely cause: confidences too large for float32 (lower alpha, or enable log_scaling for large weights) ` +
      `or regularization too small (raise regularization; current ${regularization})`,
    { field: 'hyperparameters.regularization' },
  );
}

export const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

export async function trainTensorAls(matrix: CsrMatrix, o: CompiledAlsOptions, hooks: TrainHooks = {}): Promise<TensorAlsResult> {
  const started = performance.now();
  const k = o.factors;
  const { signal, onProgress } = hooks;
  const checkAbort = () => {
    if (signal?.aborted) throw new CancelledError('training cancelled', { cause: signal.reason });
  };
  const report = progressReporter(onProgress, o.iterations, started);

  validateCsr(matrix);
  report({ fraction: 0, iteration: 0, phase: 'setup' });
  const { transposed, sides: [sourcePlan, targetPlan], totalConfidence, workPerIteration } = planTraining(matrix, o);

  const sides: DeviceSide[] = [];
  let x: tf.Tensor2D | undefined;
  let y: tf.Tensor2D | undefined;
  let lambdaEye: tf.Tensor2D | undefined;
  let xtx: tf.Tensor2D | undefined;
  let yty: tf.Tensor2D | undefined;
  try {
    sides.push(upload(sourcePlan), upload(targetPlan));
    x = tf.tensor2d(initFactors(rowCounts(matrix.indptr), k, o.seed, 0), [matrix.rows, k]);
    y = tf.tensor2d(initFactors(rowCounts(transposed.indptr), k, o.seed, 1), [matrix.cols, k]);
    lambdaEye = tf.tidy(() => tf.mul(tf.eye(k), o.regularization) as tf.Tensor2D);
    const lossCurve: number[] = [];
    let lastLoss: number | undefined;
    let lastReport = performance.now();

    /** Solves all rows of `side` (current factors `mine`) given `other`; returns new factors (+ loss term). */
    const halfSweep = async (side: DeviceSide, mine: tf.Tensor2D, other: tf.Tensor2D, otherGram: tf.Tensor2D, iteration: number, phase: 'sources' | 'targets', workBefore: number, withLoss: boolean) => {
      const areg = tf.add(otherGram, lambdaEye!) as tf.Tensor2D;
      const parts: tf.Tensor2D[] = [];
      let lossSum: tf.Scalar | undefined = withLoss ? tf.scalar(0) : undefined;
      let gramSum: tf.Tensor2D | undefined = tf.zeros([k, k]);
      let work = workBefore;
      try {
        for (const c of side.chunks) {
          checkAbort();
          const out = tf.tidy(() => {
            const { xs, term: t } = solveChunk(other, tf.gatherND(mine, c.rows) as tf.Tensor2D, c, areg, o.cgSteps, withLoss);
            const term = lossSum && t ? tf.add(lossSum, t) as tf.Scalar : undefined;
            return { xs, term, g: tf.add(gramSum!, gram(xs)) as tf.Tensor2D };
          });
          parts.push(out.xs);
          if (out.term) { lossSum!.dispose(); lossSum = out.term; }
          gramSum!.dispose();
          gramSum = out.g;
          work += c.batch * c.length;
          const now = performance.now();
          if (now - lastReport >= o.progressIntervalMs) {
            lastReport = now;
            report({ fraction: Math.min(1, (iteration - 1 + work / workPerIteration) / o.iterations), iteration, loss: lastLoss, lossKind: 'exact', phase });
          }
          await nextTurn(); // lets abort messages and timers in
        }
        const next = tf.tidy(() => {
          const all = tf.concat([...parts, tf.zeros([1, k])], 0);
          return tf.gatherND(all, side.position) as tf.Tensor2D;
        });
        const result = { next, lossSum, gram: gramSum! };
        lossSum = undefined;
        gramSum = undefined;
        return result;
      } finally {
        tf.dispose(parts);
        areg.dispose();
        lossSum?.dispose();
        gramSum?.dispose();
      }
    };

    const diverged = (iteration: number, what: string) => divergedError(iteration, what, o.regularization);
    const checkFinite = async (g: tf.Tensor2D, iteration: number, what: string) => {
      if (!gramFinite(await g.data())) throw diverged(iteration, what);
    };

    yty = gram(y);
    for (let it = 1; it <= o.iterations; it++) {
      const rs = await halfSweep(sides[0], x, y, yty, it, 'sources', 0, false);
      x.dispose();
      x = rs.next;
      xtx = rs.gram;
      await checkFinite(xtx, it, 'source factors');
      const rt = await halfSweep(sides[1], y, x, xtx, it, 'targets', sourcePlan.paddedNonzeros, true);
      y.dispose();
      y = rt.next;
      yty.dispose();
      yty = rt.gram;
      await checkFinite(yty, it, 'target factors');
      const parts = tf.tidy(() => tf.stack([rt.lossSum!, ...denseLossTerms(xtx!, yty!, o.regularization)]));
      rt.lossSum!.dispose();
      xtx.dispose();
      xtx = undefined;
      const [sparse, dense, reg] = Array.from(await parts.data());
      parts.dispose();
      const loss = (sparse + dense + reg) / totalConfidence;
      if (!Number.isFinite(loss)) throw diverged(it, 'the loss terms');
      lossCurve.push(loss);
      lastLoss = loss;
      lastReport = performance.now();
      report({ fraction: it / o.iterations, iteration: it, loss, lossKind: 'exact', phase: it === o.iterations ? 'done' : 'loss' });
    }
    const sourceFactors = new Float32Array(await x.data());
    const targetFactors = new Float32Array(await y.data());
    return { sourceFactors, targetFactors, lossCurve };
  } finally {
    for (const s of sides) disposeSide(s);
    tf.dispose([x, y, lambdaEye, xtx, yty].filter((t): t is tf.Tensor2D => t !== undefined));
  }
}

/**
 * The tensor solver: the half-sweep (als-driver.ts) as tfjs-core ops, the one code path of every tfjs
 * backend (tensorflow, webgpu, wasm, cpu). Only kernels all of them implement are used: GatherNd,
 * BatchMatMul, Reshape, Slice, Concat, Sum and elementwise ops.
 *
 * A half-sweep is cut into chunks (plan.ts); per chunk the other side's factor rows are gathered once into
 * [B, L, k] and the row solver runs on that block: CG steps (cg-solve.ts) or one subspace pass over the
 * coordinate blocks (subspace-solve.ts). The new rows of all chunks are concatenated
 * and put back in row order by one gather. Each half-sweep also sums the Gram matrix of the rows it solved,
 * chunk by chunk in plan order (X^T X = sum over chunks of xs^T xs: rows without data are zero), so the next
 * half-sweep's Gram needs no pass over all the factors; the sparse loss term comes from the blocks already
 * in hand. The factors stay on the device for the whole training.
 */
import * as tf from '@tensorflow/tfjs-core';
import { SIDES, type AlsProblem, type FactorPair, type Gram, type HalfSweepSolver, type Side, type SolverFactory } from './als-driver.js';
import { cgSolveChunk, extraPenalty, sparseLossTerm } from './cg-solve.js';
import type { CompiledAlsOptions } from './options.js';
import { planProblem, type Chunk, type SidePlan } from './plan.js';
import { subspaceSolveChunk } from './subspace-solve.js';

/** Tensors of one chunk kept on the device for the whole training (indices and confidences only). */
export interface DeviceChunk {
  batch: number;
  length: number;
  rows: tf.Tensor2D; // [B, 1] int32
  cols: tf.Tensor2D; // [B * L, 1] int32
  conf: tf.Tensor3D; // [B, L, 1]
  w: tf.Tensor3D; // [B, L, 1] c - alpha0 on real entries, 0 on padding
  extra?: tf.Tensor2D; // [B, 1] lambda_u - base of each row (per-row regularization only)
}
interface DeviceSide {
  plan: SidePlan;
  chunks: DeviceChunk[];
  position: tf.Tensor2D; // [rows, 1] int32
}

/** w = c - alpha0 on a chunk's real entries, 0 on padding. */
export const chunkW = (conf: Float32Array, alpha0: number): Float32Array => conf.map((v) => (v > 0 ? v - alpha0 : 0));

/** lambda_r - base of a chunk's rows, from the side's per-row values. */
export const chunkExtra = (rows: Int32Array, extra: Float32Array): Float32Array => Float32Array.from(rows, (r) => extra[r]!);

/**
 * A chunk's index and confidence tensors (see plan.ts); `w` = chunkW(c.conf, alpha0) (the caller's copy
 * when it has one), `extra` the rows' lambda_r - base when the regularization is per row.
 */
export function uploadChunk(c: Chunk, w: Float32Array, extra?: Float32Array): DeviceChunk {
  return {
    batch: c.batch,
    length: c.length,
    rows: tf.tensor2d(c.rows, [c.batch, 1], 'int32'),
    cols: tf.tensor2d(c.cols, [c.batch * c.length, 1], 'int32'),
    conf: tf.tensor3d(c.conf, [c.batch, c.length, 1], 'float32'),
    w: tf.tensor3d(w, [c.batch, c.length, 1], 'float32'),
    ...(extra ? { extra: tf.tensor2d(extra, [c.batch, 1], 'float32') } : {}),
  };
}

export function disposeChunk(c: DeviceChunk): void {
  tf.dispose([c.rows, c.cols, c.conf, c.w, ...(c.extra ? [c.extra] : [])]);
}

/** What solveChunk needs of the options. */
export type ChunkSolveOptions = Pick<CompiledAlsOptions, 'solver' | 'cgSteps' | 'blockSize' | 'unobservedWeight'>;

/**
 * One chunk of a half-sweep: gathers the other side's rows once into [B, L, k], runs the row solver from
 * x0 ([B, k], the rows' current factors) and, with `withLoss`, returns the chunk's sparse loss term; with
 * per-row regularization also the chunk's part of the penalty, sum_u (lambda_u - base) |x_u|^2.
 * Call inside tf.tidy.
 */
export function solveChunk(
  other: tf.Tensor2D, x0: tf.Tensor2D, c: DeviceChunk, areg: tf.Tensor2D, o: ChunkSolveOptions, withLoss: boolean,
): { xs: tf.Tensor2D; term?: tf.Scalar; penalty?: tf.Scalar } {
  const k = other.shape[1];
  const g = tf.reshape(tf.gatherND(other, c.cols), [c.batch, c.length, k]) as tf.Tensor3D;
  const { x: xs, gx } = o.solver === 'subspace'
    ? subspaceSolveChunk(g, x0, c.conf, c.w, areg, Math.min(o.blockSize, k), c.extra)
    : cgSolveChunk(g, x0, c.conf, c.w, areg, o.cgSteps, withLoss, c.extra);
  return {
    xs,
    term: withLoss && gx ? sparseLossTerm(c.conf, gx, o.unobservedWeight) : undefined,
    penalty: c.extra ? extraPenalty(xs, c.extra) : undefined,
  };
}

function upload(plan: SidePlan, p: AlsProblem, side: Side): DeviceSide {
  const extra = p.reg.extra?.[side];
  return {
    plan,
    chunks: plan.chunks.map((c) => uploadChunk(c, chunkW(c.conf, p.options.unobservedWeight), extra && chunkExtra(c.rows, extra))),
    position: tf.tensor2d(plan.position, [plan.rows, 1], 'int32'),
  };
}

function disposeSide(s: DeviceSide | undefined): void {
  if (!s) return;
  for (const c of s.chunks) disposeChunk(c);
  s.position.dispose();
}

/**
 * Gram matrix T^T T. An explicit transpose then a plain matmul: wasm's BatchMatMul with transposeA takes
 * a slow path (6x slower on [50000, 64]).
 */
export const gram = (t: tf.Tensor2D): tf.Tensor2D => tf.tidy(() => tf.matMul(tf.transpose(t), t));

/** A host copy of a tensor's values (async: the only read the webgpu backend allows). */
export const readFloats = async (t: tf.Tensor): Promise<Float32Array> => new Float32Array(await t.data());

/** areg = A0 = alpha0 G + base I as a device tensor, from a host Gram (`lambdaEye` = base I). */
export function aregTensor(g: Gram, k: number, lambdaEye: tf.Tensor2D, alpha0: number): tf.Tensor2D {
  return tf.tidy(() => {
    const t = tf.tensor2d(g instanceof Float32Array ? g : Float32Array.from(g), [k, k]);
    return tf.add(alpha0 === 1 ? t : tf.mul(t, alpha0), lambdaEye) as tf.Tensor2D;
  });
}

export const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** The tensor solver on the active tfjs backend (`device` says where that runs). */
export function tensorSolver(device: string): SolverFactory {
  return async (p, initial) => {
    const o = p.options;
    const k = o.factors;
    const plans = planProblem(p);
    const sides: Partial<Record<Side, DeviceSide>> = {};
    const f: Partial<Record<Side, tf.Tensor2D>> = {};
    const lambdaEye = tf.tidy(() => tf.mul(tf.eye(k), p.reg.base) as tf.Tensor2D);
    const dispose = async () => {
      for (const side of SIDES) disposeSide(sides[side]);
      tf.dispose([lambdaEye, ...SIDES.flatMap((s) => f[s] ?? [])]);
    };
    try {
      for (const side of SIDES) sides[side] = upload(plans[side], p, side);
      f.sources = tf.tensor2d(initial.sourceFactors, [p.csr.sources.rows, k]);
      f.targets = tf.tensor2d(initial.targetFactors, [p.csr.targets.rows, k]);
    } catch (err) {
      await dispose();
      throw err;
    }
    const solver: HalfSweepSolver = {
      device,
      work: { sources: plans.sources.paddedNonzeros, targets: plans.targets.paddedNonzeros },
      async gram(side) {
        const g = gram(f[side]!);
        try { return await readFloats(g); } finally { g.dispose(); }
      },
      async update(side, otherGram, ctx) {
        const mine = f[side]!, other = f[side === 'sources' ? 'targets' : 'sources']!;
        const areg = aregTensor(otherGram, k, lambdaEye, o.unobservedWeight);
        const parts: tf.Tensor2D[] = [];
        let lossSum: tf.Scalar | undefined = ctx.withLoss ? tf.scalar(0) : undefined;
        let penaltySum: tf.Scalar | undefined = p.reg.extra ? tf.scalar(0) : undefined;
        let gramSum: tf.Tensor2D = tf.zeros([k, k]);
        let next: tf.Tensor2D | undefined;
        let work = 0;
        try {
          for (const c of sides[side]!.chunks) {
            ctx.throwIfCancelled();
            const out = tf.tidy(() => {
              const { xs, term: t, penalty: e } = solveChunk(other, tf.gatherND(mine, c.rows) as tf.Tensor2D, c, areg, o, ctx.withLoss);
              const term = lossSum && t ? tf.add(lossSum, t) as tf.Scalar : undefined;
              const penalty = penaltySum && e ? tf.add(penaltySum, e) as tf.Scalar : undefined;
              return { xs, term, penalty, g: tf.add(gramSum, gram(xs)) as tf.Tensor2D };
            });
            parts.push(out.xs);
            if (out.term) { lossSum!.dispose(); lossSum = out.term; }
            if (out.penalty) { penaltySum!.dispose(); penaltySum = out.penalty; }
            gramSum.dispose();
            gramSum = out.g;
            work += c.batch * c.length;
            ctx.progress(work);
            await nextTurn(); // lets abort messages and timers in
          }
          next = tf.tidy(() => tf.gatherND(tf.concat([...parts, tf.zeros([1, k])], 0), sides[side]!.position) as tf.Tensor2D);
          const g = await readFloats(gramSum);
          const sparseLoss = lossSum ? (await lossSum.data())[0]! : undefined;
          const penalty = penaltySum ? (await penaltySum.data())[0]! : undefined;
          mine.dispose();
          f[side] = next;
          next = undefined;
          return { gram: g, sparseLoss, penalty };
        } finally {
          tf.dispose([...parts, areg, gramSum, ...(lossSum ? [lossSum] : []), ...(penaltySum ? [penaltySum] : []), ...(next ? [next] : [])]);
        }
      },
      async factors(): Promise<FactorPair> {
        return { sourceFactors: await readFloats(f.sources!), targetFactors: await readFloats(f.targets!) };
      },
      dispose,
    };
    return solver;
  };
}

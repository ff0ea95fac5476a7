/**
 * The tensor solver: the half-sweep (als-driver.ts) as tfjs-core ops, the one code path of every tfjs
 * backend (tensorflow, webgpu, wasm, cpu). Only kernels all of them implement are used: GatherNd,
 * BatchMatMul, Reshape, Slice, Concat, Sum and elementwise ops.
 *
 * A half-sweep is cut into chunks (plan.ts); per chunk the other side's factor rows are gathered once into
 * [B, L, k] and the row solver runs on that block: CG steps (cg-solve.ts) or one subspace pass over the
 * coordinate blocks (subspace-solve.ts). Solver pcg (CG preconditioned by A0, native-cpu/kernel-js.ts pcgRow)
 * factors A0 = L L^T once per half-sweep on the host (float64, cholesky.ts pcgFactors), takes the fixed side
 * as Y' = Y L^-T (one matmul per half-sweep) and runs the same CG steps with A0 = I on z = L^T x, per chunk
 * z0 = x0 L and x = z L^-1 in row form; where pcgFactors refuses A0 the half-sweep runs plain CG.
 * The new rows of all chunks are concatenated
 * and put back in row order by one gather. Each half-sweep also sums the Gram matrix of the rows it solved,
 * chunk by chunk in plan order (X^T X = sum over chunks of xs^T xs: rows without data are zero), so the next
 * half-sweep's Gram needs no pass over all the factors; the sparse loss term comes from the blocks already
 * in hand. The factors stay on the device for the whole training.
 */
import * as tf from '@tensorflow/tfjs-core';
import { SIDES, type AlsProblem, type FactorPair, type Gram, type HalfSweepSolver, type Side, type SolverFactory } from './als-driver.js';
import { cgSolveChunk, extraPenalty, sparseLossTerm } from './cg-solve.js';
import { pcgFactors } from './cholesky.js';
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

/**
 * A half-sweep's shared part of the row systems: A0 = alpha0 Y^T Y + base I (`areg`), or for solver pcg
 * the maps into and out of the coordinates where A0 = I, with A0 = L L^T: z_row = x_row L, x_row = z_row
 * L^-1, and L^-T for the fixed side Y' = Y L^-T (fixedSide). All [k, k].
 */
export type SharedSystem = { areg: tf.Tensor2D } | { l: tf.Tensor2D; lInv: tf.Tensor2D; lInvT: tf.Tensor2D };

/** Solver pcg's maps of one half-sweep on the host (float32, k x k row-major): L, L^-1 and L^-T. */
export interface PcgMaps { l: Float32Array; lInv: Float32Array; lInvT: Float32Array }

/**
 * Solver pcg's maps for A0 = alpha0 G + base I from the other side's Gram G (float64 Cholesky), or undefined
 * where pcgFactors refuses A0 (not positive definite, or too near singular): the half-sweep runs plain CG.
 */
export function pcgMaps(g: Gram, k: number, alpha0: number, base: number): PcgMaps | undefined {
  const f = pcgFactors(g, k, alpha0, base);
  if (!f) return undefined;
  return { l: Float32Array.from(f.l), lInv: Float32Array.from(f.lInv), lInvT: Float32Array.from(f.lInvT) };
}

/** A SharedSystem of solver pcg from its host maps. */
export const pcgSystem = (m: PcgMaps, k: number): SharedSystem => ({
  l: tf.tensor2d(m.l, [k, k]), lInv: tf.tensor2d(m.lInv, [k, k]), lInvT: tf.tensor2d(m.lInvT, [k, k]),
});

export const systemTensors = (s: SharedSystem): tf.Tensor2D[] => ('areg' in s ? [s.areg] : [s.l, s.lInv, s.lInvT]);

/** The fixed side as the row solves gather it: Y, or for solver pcg Y' = Y L^-T (a new tensor: one matmul). */
export const fixedSide = (other: tf.Tensor2D, s: SharedSystem): tf.Tensor2D => ('areg' in s ? other : tf.matMul(other, s.lInvT));

/** What solveChunk needs of the options. */
export type ChunkSolveOptions = Pick<CompiledAlsOptions, 'solver' | 'cgSteps' | 'blockSize' | 'unobservedWeight'>;

/**
 * One chunk of a half-sweep: gathers the fixed side's rows (`fixed` = fixedSide(Y, sys)) once into [B, L, k],
 * runs the row solver from x0 ([B, k], the rows' current factors) and, with `withLoss`, returns the chunk's
 * sparse loss term; with per-row regularization also the chunk's part of the penalty, sum_u (lambda_u - base) |x_u|^2.
 * With a pcg system, CG with A0 = I from z0 = x0 L, mapped back by x = z L^-1 (the predictions G' z = G x
 * need no mapping). Call inside tf.tidy.
 */
export function solveChunk(
  fixed: tf.Tensor2D, x0: tf.Tensor2D, c: DeviceChunk, sys: SharedSystem, o: ChunkSolveOptions, withLoss: boolean,
): { xs: tf.Tensor2D; term?: tf.Scalar; penalty?: tf.Scalar } {
  const k = fixed.shape[1];
  const g = tf.reshape(tf.gatherND(fixed, c.cols), [c.batch, c.length, k]) as tf.Tensor3D;
  let xs: tf.Tensor2D, gx: tf.Tensor3D | undefined;
  if (!('areg' in sys)) {
    const z = cgSolveChunk(g, tf.matMul(x0, sys.l), c.conf, c.w, undefined, o.cgSteps, withLoss);
    xs = tf.matMul(z.x, sys.lInv);
    gx = z.gx;
  } else {
    ({ x: xs, gx } = o.solver === 'subspace'
      ? subspaceSolveChunk(g, x0, c.conf, c.w, sys.areg, Math.min(o.blockSize, k), c.extra)
      : cgSolveChunk(g, x0, c.conf, c.w, sys.areg, o.cgSteps, withLoss, c.extra));
  }
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
        const maps = o.solver === 'pcg' ? pcgMaps(otherGram, k, o.unobservedWeight, p.reg.base) : undefined;
        const sys: SharedSystem = maps ? pcgSystem(maps, k) : { areg: aregTensor(otherGram, k, lambdaEye, o.unobservedWeight) };
        const fixed = fixedSide(other, sys);
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
              const { xs, term: t, penalty: e } = solveChunk(fixed, tf.gatherND(mine, c.rows) as tf.Tensor2D, c, sys, o, ctx.withLoss);
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
          tf.dispose([...parts, ...systemTensors(sys), ...(fixed === other ? [] : [fixed]), gramSum, ...(lossSum ? [lossSum] : []), ...(penaltySum ? [penaltySum] : []), ...(next ? [next] : [])]);
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

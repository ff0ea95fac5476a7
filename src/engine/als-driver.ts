/**
 * The one ALS training loop, shared by every backend (as benfred/implicit's `fit` swaps only its solver,
 * and Spark's ALS has one `computeFactors` for both sides). It owns the iterations, the half-sweep order
 * (sources, then targets), cancellation, the finiteness check, the exact loss, progress and the one
 * divergence error; a backend implements only `HalfSweepSolver`: update one side given the other.
 *
 * Objective, in the symbols of Rendle, Krichene, Zhang, Koren, "Revisiting the Performance of iALS on Item
 * Recommendation Benchmarks" (RecSys 2022), on top of Hu, Koren, Volinsky 2008 ("Collaborative Filtering for
 * Implicit Feedback Datasets"). Users u in U are our sources (rows w_u of W = X, m x k), items i in I our
 * targets (rows h_i of H = Y, n x k); S is the set of observed pairs (the CSR's entries), I_u the items of
 * u, U_i the users of i; r_ui the aggregated weight of (u, i) in S and c_ui = 1 + alpha r_ui its confidence
 * (or 1 + alpha log(1 + r_ui / epsilon), confidence.ts); s_ui = <w_u, h_i>:
 *
 *   L(W, H) = sum_{(u,i) in S} c_ui (1 - s_ui)^2  +  alpha0 sum_{(u,i) not in S} s_ui^2
 *           + sum_u lambda_u |w_u|^2 + sum_i lambda_i |h_i|^2,
 *   lambda_u = lambda (|I_u| + w |I|)^nu,   lambda_i = lambda (|U_i| + w |U|)^nu      (regularization.ts)
 *
 * alpha0 = unobserved_weight, nu = regularization_exponent, lambda = regularization, w =
 * regularization_frequency_weight, which is alpha0 unless set (the paper has w = alpha0). alpha0 = 1 and
 * nu = 0 is Hu, Koren & Volinsky's objective (their eq. 3) exactly; alpha0 = 1, nu = 1, w = 0 is Spark's
 * implicit ALS (ALS-WR's lambda |I_u|).
 * Departure from the paper: its observed term is sum_S (1 - s_ui)^2 (weight 1) and its alpha0 term runs over
 * ALL pairs, observed ones included (alpha0 sum_{U x I} s_ui^2); we keep Hu et al.'s confidences c_ui on S and
 * put alpha0 on the unobserved pairs only, so that alpha0 = 1 is the model this engine trained before
 * (the paper's form is ours with c_ui (1 - s)^2 replaced by (1 - s)^2 + alpha0 s^2 on S).
 *
 * Alternating: with H fixed every w_u has a closed form (and symmetrically every h_i with W fixed):
 *
 *   A_u w_u = b_u,   A_u = alpha0 H^T H + lambda_u I + sum_{i in I_u} (c_ui - alpha0) h_i h_i^T,   b_u = sum_{i in I_u} c_ui h_i
 *
 * H^T H is the same for every row (the other side's Gram, which the loop hands to the solver), so the
 * solvers form A0 = alpha0 H^T H + base I once per half-sweep and add lambda_u - base per row
 * (regularization.ts: base = lambda when nu = 0, and then nothing is added per row). The rest only involves
 * the row's observed entries. Solvers (`solver`):
 *  - reference.ts solves it exactly (float64 Cholesky), for tests;
 *  - `cg`: s steps of conjugate gradient (Takacs, Pilaszy, Tikk 2011), warm-started from the current w_u and
 *    never forming A_u:  r = b - A w;  p = r;  repeat s times: a = r^T r / p^T A p;  w += a p;  r -= a A p;
 *    p = r + (r'^T r' / r^T r) p;
 *  - `subspace`: iALS++ (Rendle, Krichene, Zhang, Koren 2021, "iALS++: Speeding up Matrix Factorization with
 *    Subspace Optimization"): the k coordinates are cut into blocks B of block_size b, and for each block in
 *    turn the block of w_u is solved exactly with the others fixed: A_u[B,B] d = (b_u - A_u w_u)[B],
 *    w_u[B] += d (b x b Cholesky), keeping s_ui = <w_u, h_i> on I_u up to date. One pass over the blocks per
 *    half-sweep: O(|I_u| k b + k^2 + k b^2) per row instead of CG's O(s (|I_u| k + k^2)). b = k is the exact
 *    solve, b = 1 coordinate descent (iCD). Departure from the paper: it interleaves the two sides block by
 *    block (users' block 1, items' block 1, users' block 2, ...); we sweep every block of one side before the
 *    other, so that a half-sweep is one side's update like every other solver's.
 *
 * Loss after each iteration, exact (every one of the m n pairs) without visiting the unobserved ones:
 *
 *   L = sum_{(u,i) in S} [c_ui (1 - s_ui)^2 - alpha0 s_ui^2] + alpha0 <W^T W, H^T H> + sum_u lambda_u |w_u|^2 + sum_i lambda_i |h_i|^2
 *
 * The solver returns the sparse sum (from the target half-sweep, with the new W and H), the new side's Gram
 * and its per-row penalty sum_r (lambda_r - base) |f_r|^2; the loop adds alpha0 <W^T W, H^T H> and
 * base (tr W^T W + tr H^T H) from the two Grams (with per-row lambdas the penalty is no longer the Gram's
 * trace alone) and reports L / (sum_S c_ui + alpha0 (m n - |S|)), the total weight (as implicit normalises).
 * A NaN or Inf factor makes its Gram's diagonal NaN or Inf, so finiteness is checked on k^2 values.
 * Departures from the papers otherwise: float32 factors, rows without data fixed at zero.
 */
import { CancelledError, InvalidArgumentError, TrainingDivergedError } from '../errors.js';
import { confidences } from './confidence.js';
import { rowCounts, transposeCsr, validateCsr } from './csr.js';
import { baseLambda, extraLambdas } from './regularization.js';
import { initFactors } from './init.js';
import type { CompiledAlsOptions } from './options.js';
import { progressReporter } from './progress.js';
import type { CsrMatrix, TrainHooks } from './types.js';

/** The two sides, in the order each iteration updates them. */
export const SIDES = ['sources', 'targets'] as const;
export type Side = (typeof SIDES)[number];

export interface FactorPair {
  /** m x k, row-major */
  sourceFactors: Float32Array;
  /** n x k, row-major */
  targetFactors: Float32Array;
}

/** A side's Gram matrix F^T F of its current factors F (k x k, row-major, symmetric). */
export type Gram = Float32Array | Float64Array;

/** The training problem, prepared once by the loop for whichever solver runs it. */
export interface AlsProblem {
  /** sources: the matrix (m x n, validated); targets: its transpose. */
  csr: Readonly<Record<Side, CsrMatrix>>;
  /** c_ui of each entry of each side's CSR. */
  conf: Readonly<Record<Side, Float32Array>>;
  /**
   * Row regularization lambda_r = base + extra[side][r] (regularization.ts): `base` goes into the shared
   * A0 = alpha0 G + base I; `extra` is absent when it is 0 for every row (nu = 0).
   */
  reg: { base: number; extra?: Readonly<Record<Side, Float32Array>> };
  options: CompiledAlsOptions;
}

/** What a solver gets for one half-sweep. */
export interface UpdateContext {
  /** Return the sparse loss term (the loop asks on the target half-sweep). */
  withLoss: boolean;
  /** Aborts when training is cancelled. */
  signal?: AbortSignal;
  /** Throws CancelledError once training is cancelled: call between units of work. */
  throwIfCancelled(): void;
  /** Work done so far in this half-sweep, in the solver's `work` units (the loop throttles reports). */
  progress(done: number): void;
  /** For work done off this thread: the loop polls `done()` at the progress interval until the update settles. */
  watch(done: () => number): void;
}

export interface SideUpdate {
  /** The Gram of the side's new factors. */
  gram: Gram;
  /** sum over observed pairs of c (1 - s)^2 - alpha0 s^2 with the new factors, when asked (`withLoss`). */
  sparseLoss?: number;
  /** sum over the side's rows of (lambda_r - base) |f_r|^2 with the new factors; required when `reg.extra` is set. */
  penalty?: number;
}

/** A backend's update of one side given the other (see the module comment). */
export interface HalfSweepSolver {
  /** Where it runs, e.g. "CPU (wasm SIMD, 1 thread; ...) x 2 worker threads". */
  readonly device: string;
  /** Relative work of each side's half-sweep (progress units). */
  readonly work: Readonly<Record<Side, number>>;
  /** The Gram of a side's current factors (the loop asks once, for the targets, before the first update). */
  gram(side: Side): Promise<Gram>;
  /** Updates every row of `side` given the other side's current factors, whose Gram is `otherGram`. */
  update(side: Side, otherGram: Gram, ctx: UpdateContext): Promise<SideUpdate>;
  /** The current factors (copies). */
  factors(): Promise<FactorPair>;
  /** Frees what the solver holds (tensors, threads); called once, whatever happened. */
  dispose(): Promise<void>;
}

/** Starts a solver on `problem` from `initial` (which it may keep or copy). */
export type SolverFactory = (problem: AlsProblem, initial: FactorPair, hooks: TrainHooks) => Promise<HalfSweepSolver>;

export interface DriverResult extends FactorPair {
  lossCurve: number[];
  device: string;
}

/** The one error for NaN/Inf in factors or loss, naming the likely causes. */
export function divergedError(iteration: number, what: string, regularization: number): TrainingDivergedError {
  return new TrainingDivergedError(
    `training diverged: ${what} contain NaN or Inf after iteration ${iteration}. ` +
      `Likely cause: confidences too large for float32 (lower alpha, or enable log_scaling for large weights) ` +
      `or regularization too small (raise regularization; current ${regularization})`,
    { field: 'hyperparameters.regularization' },
  );
}

/** Whether every entry of a Gram matrix is finite (see the module comment). */
function gramFinite(g: ArrayLike<number>): boolean {
  for (let j = 0; j < g.length; j++) if (!Number.isFinite(g[j]!)) return false;
  return true;
}

/** alpha0 <X^T X, Y^T Y> + base (tr X^T X + tr Y^T Y), in float64. */
function denseLoss(xtx: Gram, yty: Gram, k: number, alpha0: number, base: number): number {
  let dense = 0, trace = 0;
  for (let q = 0; q < k * k; q++) dense += xtx[q]! * yty[q]!;
  for (let a = 0; a < k; a++) trace += xtx[a * k + a]! + yty[a * k + a]!;
  return alpha0 * dense + base * trace;
}

/** Confidences, the transpose and the row regularization, once per training (every backend solves from these). */
export function prepareProblem(matrix: CsrMatrix, options: CompiledAlsOptions): AlsProblem {
  const { alpha, logScaling, logEpsilon } = options;
  const targets = transposeCsr(matrix);
  const es = extraLambdas(options, matrix.indptr, matrix.cols);
  const et = extraLambdas(options, targets.indptr, targets.cols);
  return {
    csr: { sources: matrix, targets },
    conf: { sources: confidences(matrix.data, alpha, logScaling, logEpsilon), targets: confidences(targets.data, alpha, logScaling, logEpsilon) },
    reg: { base: baseLambda(options), extra: es && et ? { sources: es, targets: et } : undefined },
    options,
  };
}

/** The seeded initial factors (init.ts), or `given` (a warm start) after checking its shape. */
function initialFactors(p: AlsProblem, given: FactorPair | undefined): FactorPair {
  const k = p.options.factors;
  const { sources, targets } = p.csr;
  if (!given) {
    return {
      sourceFactors: initFactors(rowCounts(sources.indptr), k, p.options.seed, 0),
      targetFactors: initFactors(rowCounts(targets.indptr), k, p.options.seed, 1),
    };
  }
  for (const [name, f, rows] of [['sourceFactors', given.sourceFactors, sources.rows], ['targetFactors', given.targetFactors, targets.rows]] as const) {
    if (f.length !== rows * k) throw new InvalidArgumentError(`initial ${name} has ${f.length} values, expected ${rows} x ${k}`, { field: `initial.${name}` });
  }
  return given;
}

/**
 * Trains implicit ALS on `matrix` with the solver `createSolver` starts: `options.iterations` iterations
 * from `initial` (default: the seeded draw). Rejects with CancelledError when `hooks.signal` aborts,
 * TrainingDivergedError on NaN/Inf, InvalidArgumentError on a matrix that breaks the CSR rule (csr.ts).
 */
export async function runAls(matrix: CsrMatrix, o: CompiledAlsOptions, hooks: TrainHooks, createSolver: SolverFactory, initial?: FactorPair): Promise<DriverResult> {
  const started = performance.now();
  const { signal } = hooks;
  const cancelled = () => new CancelledError('training cancelled', { cause: signal?.reason });
  const throwIfCancelled = () => { if (signal?.aborted) throw cancelled(); };
  throwIfCancelled();
  validateCsr(matrix);
  const report = progressReporter(hooks.onProgress, o.iterations, started);
  report({ fraction: 0, iteration: 0, phase: 'setup' });
  const problem = prepareProblem(matrix, o);
  // pcg's (and hybrid's) change of coordinates needs the one A0 every row shares; resolveSolver runs cg instead
  if ((o.solver === 'pcg' || o.solver === 'hybrid') && problem.reg.extra) throw new Error(`solver ${o.solver} takes no per-row regularization (resolveSolver runs cg there)`);
  const { rows: m, cols: n } = matrix;
  let totalConfidence = o.unobservedWeight * (m * n - matrix.indices.length);
  for (const c of problem.conf.targets) totalConfidence += c;

  let solver: HalfSweepSolver | undefined;
  try {
    solver = await createSolver(problem, initialFactors(problem, initial), hooks);
    hooks.log?.('ALS solver ready', { device: solver.device, setupMs: Math.round(performance.now() - started) });
    const totalWork = solver.work.sources + solver.work.targets || 1;
    const lossCurve: number[] = [];
    let lastReport = performance.now();
    const grams = {} as Record<Side, Gram>;
    grams.targets = await solver.gram('targets');
    for (let it = 1; it <= o.iterations; it++) {
      let sparse = 0, penalty = 0;
      for (const side of SIDES) {
        throwIfCancelled();
        const before = side === 'targets' ? solver.work.sources : 0;
        const within = (done: number) => report({
          fraction: Math.min(1, (it - 1 + (before + done) / totalWork) / o.iterations), iteration: it, loss: lossCurve.at(-1), phase: side,
        });
        let timer: NodeJS.Timeout | undefined;
        const ctx: UpdateContext = {
          withLoss: side === 'targets',
          signal,
          throwIfCancelled,
          progress: (done) => {
            const now = performance.now();
            if (now - lastReport < o.progressIntervalMs) return;
            lastReport = now;
            within(done);
          },
          watch: (done) => {
            clearInterval(timer);
            timer = setInterval(() => within(done()), Math.max(20, o.progressIntervalMs));
          },
        };
        let r: SideUpdate;
        try {
          r = await solver.update(side, grams[side === 'sources' ? 'targets' : 'sources'], ctx);
        } finally {
          clearInterval(timer);
        }
        throwIfCancelled();
        if (!gramFinite(r.gram)) throw divergedError(it, `${side === 'sources' ? 'source' : 'target'} factors`, o.regularization);
        grams[side] = r.gram;
        if (r.sparseLoss !== undefined) sparse += r.sparseLoss;
        if (problem.reg.extra) {
          if (r.penalty === undefined) throw new Error(`ALS solver ${solver.device}: no penalty for per-row regularization`);
          penalty += r.penalty;
        }
      }
      const dense = denseLoss(grams.sources, grams.targets, o.factors, o.unobservedWeight, problem.reg.base);
      const loss = (problem.reg.extra ? sparse + penalty + dense : sparse + dense) / totalConfidence;
      if (!Number.isFinite(loss)) throw divergedError(it, 'the loss terms', o.regularization);
      lossCurve.push(loss);
      lastReport = performance.now();
      report({ fraction: it / o.iterations, iteration: it, loss, phase: it === o.iterations ? 'done' : 'loss' });
    }
    return { ...(await solver.factors()), lossCurve, device: solver.device };
  } catch (err) {
    if (signal?.aborted) throw cancelled();
    throw err;
  } finally {
    await solver?.dispose();
  }
}

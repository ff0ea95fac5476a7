/**
 * The one ALS training loop, shared by every backend (as benfred/implicit's `fit` swaps only its solver,
 * and Spark's ALS has one `computeFactors` for both sides). It owns the iterations, the half-sweep order
 * (sources, then targets), cancellation, the finiteness check, the exact loss, progress and the one
 * divergence error; a backend implements only `HalfSweepSolver`: update one side given the other.
 *
 * Model (Hu, Koren, Volinsky 2008, "Collaborative Filtering for Implicit Feedback Datasets"): sources u
 * (users, rows x_u of X, m x f) and targets i (items, rows y_i of Y, n x f); r_ui the aggregated weight
 * of an observed pair (u, i) in N, preference p_ui = 1 on N and 0 elsewhere, confidence c_ui = 1 + alpha r_ui
 * on N (or 1 + alpha log(1 + r_ui / epsilon), confidence.ts) and 1 elsewhere:
 *
 *   min_{X,Y}  L = sum_{u,i} c_ui (p_ui - x_u^T y_i)^2 + lambda (sum_u |x_u|^2 + sum_i |y_i|^2)        (eq. 3)
 *
 * Alternating: with Y fixed every x_u has a closed form, and symmetrically every y_i with X fixed (C^u =
 * diag(c_u.), p(u) the row of preferences):
 *
 *   x_u = (Y^T Y + Y^T (C^u - I) Y + lambda I)^{-1} Y^T C^u p(u)                                         (eq. 4)
 *
 * Y^T Y is the same for every row (the other side's Gram, which the loop hands to the solver); the rest
 * only involves the row's observed entries. Solvers: reference.ts solves it exactly (float64 Cholesky);
 * the fast ones run s steps of conjugate gradient (Takacs, Pilaszy, Tikk 2011) on A_u x_u = b_u,
 * A_u = Y^T Y + lambda I + sum_{i in N(u)} (c_ui - 1) y_i y_i^T, b_u = sum_{i in N(u)} c_ui y_i, warm-started
 * from the current x_u and never forming A_u:
 *
 *   r = b - A x;  p = r;  repeat s times:  a = r^T r / p^T A p;  x += a p;  r -= a A p;  p = r + (r'^T r' / r^T r) p
 *
 * Loss after each iteration, exact (every one of the m n pairs) without visiting the unobserved ones:
 *
 *   L = sum_{(u,i) in N} [c_ui (1 - s_ui)^2 - s_ui^2] + <X^T X, Y^T Y> + lambda (tr X^T X + tr Y^T Y),  s_ui = x_u^T y_i
 *
 * The solver returns the sparse sum (from the target half-sweep, with the new X and Y) and the new side's
 * Gram; the loop adds the dense terms from the two Grams and reports L / sum_{u,i} c_ui (as implicit does).
 * A NaN or Inf factor makes its Gram's diagonal NaN or Inf, so finiteness is checked on k^2 values.
 * Departures from the paper: float32 factors, CG instead of the exact solve (as Takacs et al.), rows
 * without data fixed at zero.
 */
import { CancelledError, InvalidArgumentError, TrainingDivergedError } from '../errors.js';
import { confidences } from './confidence.js';
import { rowCounts, transposeCsr, validateCsr } from './csr.js';
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
  /** sum over observed pairs of c (1 - s)^2 - s^2 with the new factors, when asked (`withLoss`). */
  sparseLoss?: number;
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

/** <X^T X, Y^T Y> + lambda (tr X^T X + tr Y^T Y), in float64. */
function denseLoss(xtx: Gram, yty: Gram, k: number, lambda: number): number {
  let dense = 0, trace = 0;
  for (let q = 0; q < k * k; q++) dense += xtx[q]! * yty[q]!;
  for (let a = 0; a < k; a++) trace += xtx[a * k + a]! + yty[a * k + a]!;
  return dense + lambda * trace;
}

/** Confidences and the transpose, once per training (every backend solves from these). */
function prepareProblem(matrix: CsrMatrix, options: CompiledAlsOptions): AlsProblem {
  const { alpha, logScaling, logEpsilon } = options;
  const targets = transposeCsr(matrix);
  return {
    csr: { sources: matrix, targets },
    conf: { sources: confidences(matrix.data, alpha, logScaling, logEpsilon), targets: confidences(targets.data, alpha, logScaling, logEpsilon) },
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
  const { rows: m, cols: n } = matrix;
  let totalConfidence = m * n - matrix.indices.length;
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
      let sparse = 0;
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
      }
      const loss = (sparse + denseLoss(grams.sources, grams.targets, o.factors, o.regularization)) / totalConfidence;
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

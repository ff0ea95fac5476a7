/**
 * Training options (a job's hyperparameters) as a caller gives them (all optional). `compileAlsOptions`
 * is the one place that applies the engine's defaults and validates; the engine takes only
 * `CompiledAlsOptions`. Error fields are named as in the request (`hyperparameters.<snake_case>`).
 * How the process runs the engine is not an option but a setting (settings.ts).
 */
import { availableParallelism } from 'node:os';
import { InvalidArgumentError } from '../errors.js';

/** "spark" is trained by the service's Spark trainer (service/spark), never by the engine. */
export const ENGINE_BACKENDS = ['auto', 'tensorflow', 'webgpu', 'wasm', 'cpu', 'native-cpu', 'spark'] as const;
export type EngineBackend = (typeof ENGINE_BACKENDS)[number];

/**
 * Row solvers of the one ALS driver (als-driver.ts): conjugate gradient, iALS++ subspace (block
 * coordinate) descent, pcg (every backend: CG preconditioned by A0, run as plain CG in the coordinates where
 * A0 = I), or hybrid (native-cpu: pcg with short rows solved exactly there, native-cpu/exact-rows.ts); pcg and
 * hybrid are cg with per-row regularization; `auto` picks one per backend and rank (`resolveSolver`).
 */
export const ALS_SOLVERS = ['auto', 'cg', 'subspace', 'hybrid', 'pcg'] as const;
export type AlsSolver = (typeof ALS_SOLVERS)[number];
/** A solver the backends run. */
export type RowSolver = Exclude<AlsSolver, 'auto'>;

/** From this many factors, `auto` takes the hybrid solver on native-cpu (measured, bench/README.md "Training speed"). */
export const HYBRID_MIN_FACTORS = 96;

/**
 * The solver `auto` means on a backend (measured side by side, bench/README.md "Training speed"): on native-cpu
 * hybrid (pcg with exact short rows) from 96 factors up (CPU time against CG's: at 1M 0.69x at k = 128 and 0.60x
 * at 256, at 10M 0.77x and 0.75x; never slower than pcg: 0.88-1.00x pcg's) and pcg below (k = 64: 0.74-0.82x
 * CG's CPU time in four of six runs, 1.12x and 1.16x in the other two; hybrid's exact rows do not pay there:
 * 0.87-1.07x CG's); CG with per-row
 * regularization (pcg needs the one shared A0) and on the tensor path (pcg not measured faster there on wasm;
 * not yet timed on a GPU).
 */
export function resolveSolver(o: Pick<CompiledAlsOptions, 'solver' | 'factors' | 'regularizationExponent'>, backend: string): RowSolver {
  // hybrid is pcg with native-cpu's exact short-row solves: the tensor path runs its pcg part (and says so)
  if (o.solver === 'hybrid') return o.regularizationExponent !== 0 ? 'cg' : backend === 'native-cpu' ? 'hybrid' : 'pcg';
  // pcg's change of coordinates needs the one shared A0 (no per-row regularization); every backend runs it
  if (o.solver === 'pcg') return o.regularizationExponent === 0 ? 'pcg' : 'cg';
  if (o.solver !== 'auto') return o.solver;
  if (backend !== 'native-cpu' || o.regularizationExponent !== 0) return 'cg';
  return o.factors >= HYBRID_MIN_FACTORS ? 'hybrid' : 'pcg';
}

export interface AlsOptions {
  /** Latent factors k (1..1024, default 64). */
  factors?: number;
  /** L2 regularization lambda (>= 0, finite; default 30: best P@10/NDCG@10 of 10..160 on ml-latest-small, see bench/README.md). */
  regularization?: number;
  /** Confidence c = 1 + alpha * w (>= 0, finite; default 1). */
  alpha?: number;
  /** Full sweeps (sources then targets), 1..1000, default 15. */
  iterations?: number;
  /** Conjugate-gradient steps per row solve, 1..1024, default 3 (solver cg). */
  cgSteps?: number;
  /**
   * nu of the frequency-scaled regularization lambda_r = lambda (n_r + w N)^nu (regularization.ts),
   * 0..2, default 0 (a constant lambda). Rendle et al.'s recipes use 0..1; Spark's ALS-WR is nu 1 with
   * regularizationFrequencyWeight 0 (and unobservedWeight 1).
   */
  regularizationExponent?: number;
  /** alpha0, the weight of the unobserved pairs (the Gram term), 0..1, default 1 (Hu, Koren & Volinsky). */
  unobservedWeight?: number;
  /** w, the weight of N in lambda_r (>= 0, finite); unset = unobservedWeight (Rendle et al.'s coupling). */
  regularizationFrequencyWeight?: number;
  /**
   * Row solver: auto | cg | subspace (iALS++ block coordinate descent) | pcg (every backend: CG preconditioned
   * by the shared A0, cg_steps steps) | hybrid (native-cpu: pcg with short rows solved exactly); pcg and hybrid
   * run cg with regularizationExponent != 0; default auto (resolveSolver).
   */
  solver?: string;
  /** Coordinates per exact block solve of the subspace solver, 1..1024 (capped at factors), default 4 (bench/README.md). */
  blockSize?: number;
  /** Seed of the factor initialisation (uint32, default 42). */
  seed?: number;
  /** When true, w is replaced by log(1 + w / logEpsilon) before confidence. */
  logScaling?: boolean;
  /** > 0, finite; default 1. */
  logEpsilon?: number;
  /** Backend: auto | tensorflow | webgpu | wasm | cpu | native-cpu | spark (default auto). */
  backend?: string;
  /** CPU worker threads for backends that shard rows (native-cpu); default: cores; at most the caller's `maxWorkers` (the server's: config.ts). */
  workers?: number;
  /**
   * Padded nonzeros (row entries) processed per chunk of a half-sweep (default 262144). Peak engine
   * memory is about chunkNonzeros * factors * 4 bytes plus the factor matrices.
   */
  chunkNonzeros?: number;
  /** Minimum interval between progress reports within an iteration (ms, default 1000; 0 = every chunk). */
  progressIntervalMs?: number;
}

export interface CompiledAlsOptions {
  factors: number;
  regularization: number;
  alpha: number;
  iterations: number;
  cgSteps: number;
  regularizationExponent: number;
  unobservedWeight: number;
  /** Absent = unobservedWeight (regularization.ts's `frequencyWeight`), so that it follows alpha0 wherever alpha0 is set. */
  regularizationFrequencyWeight?: number;
  solver: AlsSolver;
  blockSize: number;
  seed: number;
  logScaling: boolean;
  logEpsilon: number;
  backend: EngineBackend;
  workers: number;
  chunkNonzeros: number;
  progressIntervalMs: number;
}

export const ALS_DEFAULTS = {
  factors: 64,
  regularization: 30,
  alpha: 1,
  iterations: 15,
  cgSteps: 3,
  regularizationExponent: 0,
  unobservedWeight: 1,
  solver: 'auto' as AlsSolver,
  blockSize: 4,
  seed: 42,
  logScaling: false,
  logEpsilon: 1,
  backend: 'auto' as EngineBackend,
  chunkNonzeros: 262_144,
  progressIntervalMs: 1000,
};

const F = 'hyperparameters.';

function int(name: string, v: number | undefined, dflt: number, min: number, max: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new InvalidArgumentError(`${name} must be an integer in ${min}..${max}, got ${v}`, { field: F + name });
  }
  return v;
}

function real(name: string, v: number | undefined, dflt: number, min: number, exclusiveMin = false, max = Infinity): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || (exclusiveMin && v === min) || v > max) {
    const range = max < Infinity ? `in ${min}..${max}` : `${exclusiveMin ? '>' : '>='} ${min}`;
    throw new InvalidArgumentError(`${name} must be a finite number ${range}, got ${v}`, { field: F + name });
  }
  return v;
}

/** Limits the caller (the server's configuration) puts on the options: `maxWorkers` threads (default 1024: no server limit). */
export interface AlsLimits { maxWorkers?: number }

export function compileAlsOptions(o: AlsOptions = {}, limits: AlsLimits = {}): CompiledAlsOptions {
  const maxWorkers = limits.maxWorkers ?? 1024;
  if (o.workers !== undefined && Number.isInteger(o.workers) && o.workers > maxWorkers) {
    throw new InvalidArgumentError(`workers must be at most ${maxWorkers} (the server's limit: its cores, or RECOMMENDER_MAX_WORKERS), got ${o.workers}`, { field: F + 'workers' });
  }
  const backend = (o.backend === undefined || o.backend === '' ? ALS_DEFAULTS.backend : o.backend) as EngineBackend;
  if (!(ENGINE_BACKENDS as readonly string[]).includes(backend)) {
    throw new InvalidArgumentError(`backend must be one of ${ENGINE_BACKENDS.join(', ')}, got "${o.backend}"`, { field: F + 'backend' });
  }
  if (o.logScaling !== undefined && typeof o.logScaling !== 'boolean') {
    throw new InvalidArgumentError(`log_scaling must be a boolean`, { field: F + 'log_scaling' });
  }
  const solver = (o.solver === undefined || o.solver === '' ? ALS_DEFAULTS.solver : o.solver) as AlsSolver;
  if (!(ALS_SOLVERS as readonly string[]).includes(solver)) {
    throw new InvalidArgumentError(`solver must be one of ${ALS_SOLVERS.join(', ')}, got "${o.solver}"`, { field: F + 'solver' });
  }
  const regularization = real('regularization', o.regularization, ALS_DEFAULTS.regularization, 0);
  const unobservedWeight = real('unobserved_weight', o.unobservedWeight, ALS_DEFAULTS.unobservedWeight, 0, false, 1);
  // Without both, a row with fewer interactions than factors has a singular system.
  if (unobservedWeight === 0 && regularization === 0) {
    throw new InvalidArgumentError('unobserved_weight 0 needs regularization > 0 (rows with fewer interactions than factors have no unique solution)', { field: F + 'unobserved_weight' });
  }
  return {
    factors: int('factors', o.factors, ALS_DEFAULTS.factors, 1, 1024),
    regularization,
    alpha: real('alpha', o.alpha, ALS_DEFAULTS.alpha, 0),
    iterations: int('iterations', o.iterations, ALS_DEFAULTS.iterations, 1, 1000),
    cgSteps: int('cg_steps', o.cgSteps, ALS_DEFAULTS.cgSteps, 1, 1024),
    regularizationExponent: real('regularization_exponent', o.regularizationExponent, ALS_DEFAULTS.regularizationExponent, 0, false, 2),
    unobservedWeight,
    ...(o.regularizationFrequencyWeight === undefined ? {} : { regularizationFrequencyWeight: real('regularization_frequency_weight', o.regularizationFrequencyWeight, 0, 0) }),
    solver,
    blockSize: int('block_size', o.blockSize, ALS_DEFAULTS.blockSize, 1, 1024),
    seed: int('seed', o.seed, ALS_DEFAULTS.seed, 0, 0xffffffff),
    logScaling: o.logScaling ?? ALS_DEFAULTS.logScaling,
    logEpsilon: real('log_epsilon', o.logEpsilon, ALS_DEFAULTS.logEpsilon, 0, true),
    backend,
    workers: int('workers', o.workers, Math.min(availableParallelism(), maxWorkers), 1, maxWorkers),
    chunkNonzeros: int('chunk_nonzeros', o.chunkNonzeros, ALS_DEFAULTS.chunkNonzeros, 1024, 1 << 28),
    progressIntervalMs: int('progress_interval_ms', o.progressIntervalMs, ALS_DEFAULTS.progressIntervalMs, 0, 3_600_000),
  };
}

/**
 * The engine's entry: trains implicit ALS on a CSR matrix and returns the factors (types.ts). A server
 * calls it through `trainInWorker` (worker-trainer.ts); tests and benchmarks call it in their own thread.
 *
 * `trainAls` is the ALS trainer: it starts the configured backend (backend.ts) and runs the one training
 * loop (als-driver.ts) with that backend's half-sweep solver: native-cpu's kernel, or the tensor solver
 * that every tfjs backend runs; on the one-core CPU backends (wasm, cpu) with `options.workers` > 1 and
 * enough data, the tensor solver sharded over worker threads. A trainer of another kind (one that is not a
 * half-sweep solver, e.g. a remote cluster's) is a `Trainer` of its own returning the same `AlsResult`.
 */
import { runAls, type FactorPair, type SolverFactory } from './als-driver.js';
import { initBackend } from './backend.js';
import { resolveSolver, type CompiledAlsOptions } from './options.js';
import { engineSettings, type EngineSettings } from './settings.js';
import type { AlsResult, CsrMatrix, TrainHooks } from './types.js';

/** A whole trainer: matrix and options in, factors out (see the module comment). */
export type Trainer = (
  matrix: CsrMatrix, options: CompiledAlsOptions, hooks?: TrainHooks, settings?: Partial<EngineSettings>, initial?: FactorPair,
) => Promise<AlsResult>;

/**
 * Trains in the calling thread. `initial` starts from given factors (a warm start, or more iterations of
 * an earlier training) instead of the seeded draw. Rejects with CancelledError when `hooks.signal`
 * aborts, TrainingDivergedError on NaN/Inf, InvalidArgumentError on a matrix that breaks the CSR rule.
 */
export const trainAls: Trainer = async (matrix, requested, hooks = {}, settings = {}, initial) => {
  const started = performance.now();
  const s = engineSettings(settings);
  const { backend, device } = await initBackend(requested.backend, { log: hooks.log, settings: s });
  const options = { ...requested, solver: resolveSolver(requested, backend) };
  const solver = await solverFor(backend, device, matrix, options, s);
  const r = await runAls(matrix, options, hooks, solver, initial);
  return {
    factors: options.factors,
    sourceFactors: r.sourceFactors,
    targetFactors: r.targetFactors,
    lossCurve: r.lossCurve,
    lossKind: 'exact',
    iterations: options.iterations,
    backend,
    device: r.device,
    solver: options.solver,
    seconds: (performance.now() - started) / 1000,
  };
};

async function solverFor(backend: string, device: string, matrix: CsrMatrix, options: CompiledAlsOptions, s: EngineSettings): Promise<SolverFactory> {
  if (backend === 'native-cpu') return (await import('./native-cpu/index.js')).nativeCpuSolver(s);
  const nonzeros = matrix.indptr[matrix.rows] ?? 0;
  if ((backend === 'wasm' || backend === 'cpu') && options.workers > 1 && nonzeros >= s.tensorShardMinNonzeros) {
    return (await import('./als-tensor-sharded.js')).shardedTensorSolver(backend, device, options.workers, s);
  }
  return (await import('./als-tensor.js')).tensorSolver(device);
}

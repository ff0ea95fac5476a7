import { trainTensorAls } from './als-tensor.js';
import { trainTensorAlsSharded } from './als-tensor-sharded.js';
import { initBackend, type BackendInitOptions } from './backend.js';
import type { CompiledAlsOptions } from './options.js';
import type { AlsResult, CsrMatrix, TrainHooks } from './types.js';

/**
 * Below this many nonzeros the tensor path stays on one thread: a shard's start (its own tfjs backend,
 * ~0.3-1 s) would cost more than the split saves.
 */
export const TENSOR_SHARD_MIN_NONZEROS = 200_000;

export interface TrainInit extends Omit<BackendInitOptions, 'log'> {
  /** Override of TENSOR_SHARD_MIN_NONZEROS (tests). */
  tensorShardMinNonzeros?: number;
}

/**
 * Trains implicit ALS on `matrix` in the calling thread (a server uses `trainInWorker`). Starts the
 * configured backend (logged through hooks.log); `native-cpu` goes to its own kernel, every tfjs backend
 * runs the one tensor code path (als-tensor.ts); on the one-core CPU backends (wasm, cpu) with
 * `options.workers` > 1 and enough data, that path is sharded over worker threads (als-tensor-sharded.ts).
 * Rejects with CancelledError when `hooks.signal` aborts, TrainingDivergedError on NaN/Inf.
 */
export async function trainAls(matrix: CsrMatrix, options: CompiledAlsOptions, hooks: TrainHooks = {}, init: TrainInit = {}): Promise<AlsResult> {
  const started = performance.now();
  const { backend, device } = await initBackend(options.backend, { ...init, log: hooks.log });
  if (backend === 'native-cpu') {
    const { trainNativeCpu } = await import('./native-cpu/index.js');
    return trainNativeCpu(matrix, options, hooks);
  }
  const shard = (backend === 'wasm' || backend === 'cpu') && options.workers > 1 && matrix.indptr[matrix.rows]! >= (init.tensorShardMinNonzeros ?? TENSOR_SHARD_MIN_NONZEROS);
  const r = shard
    ? await trainTensorAlsSharded(matrix, options, backend, options.workers, hooks)
    : await trainTensorAls(matrix, options, hooks);
  return {
    factors: options.factors,
    sourceFactors: r.sourceFactors,
    targetFactors: r.targetFactors,
    lossCurve: r.lossCurve,
    lossKind: 'exact',
    iterations: options.iterations,
    backend,
    device: shard ? `${device} x ${options.workers} worker threads` : device,
    seconds: (performance.now() - started) / 1000,
  };
}

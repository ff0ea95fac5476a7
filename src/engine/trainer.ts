import { trainTensorAls } from './als-tensor.js';
import { initBackend, type BackendInitOptions } from './backend.js';
import type { CompiledAlsOptions } from './options.js';
import type { AlsResult, CsrMatrix, TrainHooks } from './types.js';

/**
 * Trains implicit ALS on `matrix` in the calling thread (a server uses `trainInWorker`). Starts the
 * configured backend (logged through hooks.log); `native-cpu` goes to its own kernel, every tfjs backend
 * runs the one tensor code path (als-tensor.ts).
 * Rejects with CancelledError when `hooks.signal` aborts, TrainingDivergedError on NaN/Inf.
 */
export async function trainAls(matrix: CsrMatrix, options: CompiledAlsOptions, hooks: TrainHooks = {}, init: Omit<BackendInitOptions, 'log'> = {}): Promise<AlsResult> {
  const started = performance.now();
  const { backend, device } = await initBackend(options.backend, { ...init, log: hooks.log });
  if (backend === 'native-cpu') {
    const { trainNativeCpu } = await import('./native-cpu/index.js');
    return trainNativeCpu(matrix, options, hooks);
  }
  const r = await trainTensorAls(matrix, options, hooks);
  return {
    factors: options.factors,
    sourceFactors: r.sourceFactors,
    targetFactors: r.targetFactors,
    lossCurve: r.lossCurve,
    lossKind: 'exact',
    iterations: options.iterations,
    backend,
    device,
    seconds: (performance.now() - started) / 1000,
  };
}

import type { CompiledAlsOptions } from './options.js';
import type { AlsResult, CsrMatrix, TrainHooks } from './types.js';

/**
 * Trains implicit ALS on `matrix` in the calling thread (use `trainInWorker` from a server).
 * Rejects with CancelledError when `hooks.signal` aborts, TrainingDivergedError on NaN/Inf.
 */
export async function trainAls(matrix: CsrMatrix, options: CompiledAlsOptions, hooks: TrainHooks = {}): Promise<AlsResult> {
  void matrix; void options; void hooks;
  throw new Error('trainAls: not implemented yet');
}

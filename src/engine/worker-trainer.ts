import type { CompiledAlsOptions } from './options.js';
import type { AlsResult, CsrMatrix, TrainHooks } from './types.js';

/**
 * Runs `trainAls` in a worker thread so the caller's event loop stays free. Progress and log lines are
 * forwarded to `hooks`; aborting `hooks.signal` stops the worker (terminated after a short grace).
 * Errors come back as the same domain error classes.
 */
export async function trainInWorker(matrix: CsrMatrix, options: CompiledAlsOptions, hooks: TrainHooks = {}): Promise<AlsResult> {
  void matrix; void options; void hooks;
  throw new Error('trainInWorker: not implemented yet');
}

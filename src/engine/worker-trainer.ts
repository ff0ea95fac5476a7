import { startModuleWorker } from '../util/module-worker.js';
import { CancelledError, InternalError } from '../errors.js';
import type { CompiledAlsOptions } from './options.js';
import type { AlsResult, CsrMatrix, TrainHooks } from './types.js';
import { deserializeError, type FromWorker, type ToWorker } from './worker-protocol.js';

export interface WorkerTrainOptions {
  /** Transfer (detach) the caller's CSR buffers instead of copying them. Default false. */
  transfer?: boolean;
  /** After an abort, how long the worker may take to stop by itself before it is terminated (ms, default 2000). */
  abortGraceMs?: number;
}

/**
 * Runs `trainAls` in a worker thread so the caller's event loop stays free. Progress and log lines are
 * forwarded to `hooks`; aborting `hooks.signal` asks the worker to stop (it checks once per chunk) and
 * terminates it if it has not stopped within `abortGraceMs`; the worker's memory goes with it.
 * Errors come back as the same domain error classes (name, message and field carried over).
 */
export async function trainInWorker(matrix: CsrMatrix, options: CompiledAlsOptions, hooks: TrainHooks = {}, wo: WorkerTrainOptions = {}): Promise<AlsResult> {
  const { signal } = hooks;
  if (signal?.aborted) throw new CancelledError('training cancelled', { cause: signal.reason });
  const m: CsrMatrix = wo.transfer
    ? matrix
    : { rows: matrix.rows, cols: matrix.cols, indptr: matrix.indptr.slice(), indices: matrix.indices.slice(), data: matrix.data.slice() };
  const worker = startModuleWorker(import.meta.url, 'train-worker');
  return new Promise<AlsResult>((resolve, reject) => {
    let settled = false;
    let graceTimer: NodeJS.Timeout | undefined;
    const finish = (err: Error | undefined, result?: AlsResult) => {
      if (settled) return;
      settled = true;
      if (graceTimer) clearTimeout(graceTimer);
      signal?.removeEventListener('abort', onAbort);
      void worker.terminate();
      if (err) reject(err);
      else resolve(result!);
    };
    const onAbort = () => {
      worker.postMessage({ type: 'abort' } satisfies ToWorker);
      graceTimer = setTimeout(() => finish(new CancelledError('training cancelled (worker terminated after the grace period)', { cause: signal?.reason })), wo.abortGraceMs ?? 2000);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    worker.on('message', (msg: FromWorker) => {
      switch (msg.type) {
        case 'progress':
          hooks.onProgress?.(msg.progress);
          break;
        case 'log':
          hooks.log?.(msg.msg, msg.fields);
          break;
        case 'result':
          finish(undefined, msg.result);
          break;
        case 'error':
          finish(deserializeError(msg.error));
          break;
      }
    });
    worker.on('error', (err) => finish(new InternalError(`training worker crashed: ${err.message}`, { cause: err })));
    worker.on('exit', (code) => finish(new InternalError(`training worker exited unexpectedly (code ${code})`)));
    worker.postMessage({ type: 'start', matrix: m, options } satisfies ToWorker, [m.indptr.buffer, m.indices.buffer, m.data.buffer] as ArrayBuffer[]);
  });
}

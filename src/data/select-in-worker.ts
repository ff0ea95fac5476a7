import { startModuleWorker } from '../util/module-worker.js';
import { deserializeError } from '../errors.js';
import { InternalError } from '../errors.js';
import type { Selection, SelectionParams, StoredBatchRef } from './selection.js';
import type { SelectionWorkerIn, SelectionWorkerOut } from './selection-worker.js';

function abortError(signal: AbortSignal): Error {
  // What selectTrainingData throws when it sees the abort itself.
  return signal.reason instanceof Error ? signal.reason : new Error('aborted');
}

/**
 * `selectTrainingData` in a worker thread, so reading the stored Arrow batches, filtering and building the
 * id maps and the CSR never block the caller's event loop. The inputs (batch refs, compiled filters, now,
 * age, type weights) are cloned to the worker; the CSR buffers come back transferred. Aborting `p.signal`
 * terminates the worker at once and rejects with the signal's reason, as the in-thread selection does.
 * Errors come back as the same domain error classes (name, message and field carried over).
 */
export async function selectInWorker(
  interactionBatches: readonly StoredBatchRef[], entityBatches: readonly StoredBatchRef[], p: SelectionParams,
  mode: 'train' | 'count' = 'train',
): Promise<Selection> {
  const { signal, ...params } = p;
  if (signal?.aborted) throw abortError(signal);
  const worker = startModuleWorker(import.meta.url, 'selection-worker');
  return new Promise<Selection>((resolve, reject) => {
    let settled = false;
    const finish = (err: Error | undefined, result?: Selection) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      void worker.terminate();
      if (err) reject(err);
      else resolve(result!);
    };
    const onAbort = () => finish(abortError(signal!));
    signal?.addEventListener('abort', onAbort, { once: true });
    worker.on('message', (msg: SelectionWorkerOut) => {
      if (msg.type === 'result') finish(undefined, msg.selection);
      else finish(deserializeError(msg.error, 'selection worker'));
    });
    worker.on('error', (err) => finish(new InternalError(`selection worker crashed: ${err.message}`, { cause: err })));
    worker.on('exit', (code) => finish(new InternalError(`selection worker exited unexpectedly (code ${code})`)));
    worker.postMessage({ interactionBatches: [...interactionBatches], entityBatches: [...entityBatches], params, mode } satisfies SelectionWorkerIn);
  });
}

/** Worker-thread entry of `selectInWorker`: runs `selectTrainingData` and posts the result back once. */
import { parentPort } from 'node:worker_threads';
import { serializeError } from '../errors.js';
import { selectTrainingData, type Selection, type SelectionParams, type StoredBatchRef } from './selection.js';

/** Messages between `selectInWorker` (parent) and this worker. */
export interface SelectionWorkerIn {
  interactionBatches: StoredBatchRef[];
  entityBatches: StoredBatchRef[];
  /** Plain data (the filters' Sets survive the structured clone); no signal: the parent terminates the worker. */
  params: Omit<SelectionParams, 'signal'>;
  mode: 'train' | 'count';
}
export type SelectionWorkerOut =
  | { type: 'result'; selection: Selection }
  | { type: 'error'; error: ReturnType<typeof serializeError> };

const port = parentPort;
if (!port) throw new Error('selection-worker.ts must run in a worker thread');
port.once('message', (m: SelectionWorkerIn) => {
  selectTrainingData(m.interactionBatches, m.entityBatches, m.params, m.mode).then(
    (selection) => {
      const { indptr, indices, data } = selection.matrix;
      const transfer = [...new Set([indptr.buffer, indices.buffer, data.buffer])] as ArrayBuffer[];
      port.postMessage({ type: 'result', selection } satisfies SelectionWorkerOut, transfer);
    },
    (err) => port.postMessage({ type: 'error', error: serializeError(err) } satisfies SelectionWorkerOut),
  );
});

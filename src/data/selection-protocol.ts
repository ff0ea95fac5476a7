/** Protocol of the selection worker (selection-worker.ts; parent side: select-in-worker.ts), over util/worker-rpc.ts. */
import type { PackedSelection, SelectionParams, StoredBatchRef } from './selection.js';

export interface SelectionRequest {
  interactionBatches: StoredBatchRef[];
  entityBatches: StoredBatchRef[];
  /** Plain data (the filters' Sets survive the structured clone); an abort terminates the worker instead. */
  params: Omit<SelectionParams, 'signal'>;
  mode: 'train' | 'count';
}

export type SelectionProtocol = {
  /** `selectTrainingData`, packed; every buffer comes back transferred. */
  select: { request: SelectionRequest; response: PackedSelection };
};

/**
 * `selectTrainingData` off the caller's event loop, so reading the stored Arrow batches, filtering and
 * building the id maps and the CSR never block it. Selections run in worker threads
 * (selection-worker.ts) started on first use and kept for the next one (a Train or DescribeDataset
 * does not pay a worker start-up); two selections at once use two workers, and at most `keepIdle` stay
 * when they are done. The inputs (batch refs, compiled filters, now, age, type weights) are cloned to
 * the worker; the selection comes back packed (ids and entity attributes as buffers), every buffer transferred,
 * so the caller's event loop never clones millions of strings. A worker that selected a large dataset is ended
 * afterwards, giving its heap back. Aborting `p.signal` terminates that selection's
 * worker at once (the next selection starts a fresh one) and rejects with the signal's reason, as the
 * in-thread selection does. Errors come back as the same domain error classes (name, message and
 * field carried over); others as InternalError "selection worker failed: ...".
 */
import { WorkerClient } from '../util/worker-rpc.js';
import { WorkerPool } from '../util/worker-pool.js';
import type { PackedSelection, SelectionParams, StoredBatchRef } from './selection.js';
import type { SelectionProtocol } from './selection-protocol.js';

function abortError(signal: AbortSignal): Error {
  // What selectTrainingData throws when it sees the abort itself.
  return signal.reason instanceof Error ? signal.reason : new Error('aborted');
}

/** A worker that selected more interactions than this is ended afterwards (its heap given back) rather than kept idle. */
const KEEP_WORKER_BELOW_INTERACTIONS = 1_000_000;

export class SelectionWorkers {
  private readonly pool: WorkerPool<SelectionProtocol>;

  constructor(keepIdle = 1) {
    this.pool = new WorkerPool(() => WorkerClient.start<SelectionProtocol>(import.meta.url, 'selection-worker', { label: 'selection worker' }), { keepIdle });
  }

  /** Workers started so far (diagnostics and tests: reuse means this stays small). */
  get started(): number { return this.pool.started; }

  async select(
    interactionBatches: readonly StoredBatchRef[], entityBatches: readonly StoredBatchRef[], p: SelectionParams,
    mode: 'train' | 'count' = 'train',
  ): Promise<PackedSelection> {
    const { signal, ...params } = p;
    if (signal?.aborted) throw abortError(signal);
    const w = await this.pool.take();
    let keep = true;
    try {
      const sel = await w.call('select', { interactionBatches: [...interactionBatches], entityBatches: [...entityBatches], params, mode }, { signal, abortGraceMs: 0 });
      keep = sel.counts.interactions < KEEP_WORKER_BELOW_INTERACTIONS;
      return sel;
    } catch (err) {
      throw signal?.aborted ? abortError(signal) : err;
    } finally {
      this.pool.give(w, keep);
    }
  }

  /** Ends every worker; selections in flight reject. */
  close(): Promise<void> {
    return this.pool.close();
  }
}

/**
 * `selectTrainingData` off the caller's event loop, so reading the stored Arrow batches, filtering and
 * building the id maps and the CSR never block it. Selections run in worker threads
 * (selection-worker.ts) started on first use and kept for the next one (a Train or DescribeDataset
 * does not pay a worker start-up); two selections at once use two workers, and at most `keepIdle` stay
 * when they are done. The inputs (batch refs, compiled filters, now, age, type weights) are cloned to
 * the worker; the CSR buffers come back transferred. Aborting `p.signal` terminates that selection's
 * worker at once (the next selection starts a fresh one) and rejects with the signal's reason, as the
 * in-thread selection does. Errors come back as the same domain error classes (name, message and
 * field carried over); others as InternalError "selection worker failed: ...".
 */
import { UnavailableError } from '../errors.js';
import { WorkerClient } from '../util/worker-rpc.js';
import type { Selection, SelectionParams, StoredBatchRef } from './selection.js';
import type { SelectionProtocol } from './selection-protocol.js';

function abortError(signal: AbortSignal): Error {
  // What selectTrainingData throws when it sees the abort itself.
  return signal.reason instanceof Error ? signal.reason : new Error('aborted');
}

type Client = WorkerClient<SelectionProtocol>;

export class SelectionWorkers {
  private readonly idle: Client[] = [];
  private readonly busy = new Set<Client>();
  private closed = false;
  /** Workers started so far (diagnostics and tests: reuse means this stays small). */
  started = 0;

  constructor(private readonly keepIdle = 1) {}

  async select(
    interactionBatches: readonly StoredBatchRef[], entityBatches: readonly StoredBatchRef[], p: SelectionParams,
    mode: 'train' | 'count' = 'train',
  ): Promise<Selection> {
    const { signal, ...params } = p;
    if (signal?.aborted) throw abortError(signal);
    const w = this.take();
    try {
      return await w.call('select', { interactionBatches: [...interactionBatches], entityBatches: [...entityBatches], params, mode }, { signal, abortGraceMs: 0 });
    } catch (err) {
      throw signal?.aborted ? abortError(signal) : err;
    } finally {
      this.give(w);
    }
  }

  /** Ends every worker; selections in flight reject. */
  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.idle.splice(0), ...this.busy];
    await Promise.all(all.map((w) => w.terminate()));
  }

  private take(): Client {
    if (this.closed) throw new UnavailableError('the server is shutting down');
    let w = this.idle.pop();
    while (w && !w.alive) w = this.idle.pop();
    if (!w) {
      w = WorkerClient.start<SelectionProtocol>(import.meta.url, 'selection-worker', { label: 'selection worker' });
      this.started++;
    }
    w.worker.ref(); // a selection in flight keeps the process alive; an idle worker does not
    this.busy.add(w);
    return w;
  }

  private give(w: Client): void {
    this.busy.delete(w);
    if (w.alive && !this.closed && this.idle.length < this.keepIdle) {
      w.worker.unref();
      this.idle.push(w);
    } else {
      void w.terminate();
    }
  }
}

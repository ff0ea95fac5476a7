import { WorkerClient } from '../util/worker-rpc.js';
import { PartitionedHash64Set } from './hash64-set.js';
import type { DistinctProtocol } from './distinct-protocol.js';

/** What an import learns about its rows (becomes the batch's catalog row). */
export interface IngestStats {
  rows: number;
  /** Record batches of the upload. */
  inputBatches: number;
  /** Bytes of Arrow IPC received. */
  inputBytes: number;
  minInteractionMs?: number;
  maxInteractionMs?: number;
  untimestampedCount: number;
  /** Interactions: distinct source_id / target_id (exact up to 64-bit hash collisions, see hash64-set.ts). Entities: distinct id as source, 0 target. */
  distinctSourceCount: number;
  distinctTargetCount: number;
}

/**
 * Uploads larger than this many rows count their distinct ids on a worker thread (the second core on the
 * 2-core target), the first rows having been counted here; smaller ones never start a worker.
 */
export const DISTINCT_OFFLOAD_AFTER_ROWS = 1 << 18;
/** Rows sent to the worker and not yet counted by it before `keepUp()` waits (bounds the queued copies: ~24 bytes a row). */
const MAX_PENDING_ROWS = 4 << 20;

/**
 * Exact distinct counting of the id columns (PartitionedHash64Set), in this thread for the first
 * `offloadAfterRows` rows, then in a worker thread (distinct-worker.ts) fed with copies of the id columns
 * (offsets + bytes, transferred), which carries on from a snapshot of the sets counted here: the count is
 * the same either way. Call `close()` when the import fails so the worker is stopped.
 */
class DistinctCounter {
  private sources: PartitionedHash64Set | undefined = new PartitionedHash64Set();
  private targets: PartitionedHash64Set | undefined = new PartitionedHash64Set();
  private rows = 0;
  private worker: WorkerClient<DistinctProtocol> | undefined;
  private failure: Error | undefined;
  private pending = 0;
  private wake: (() => void) | undefined;

  constructor(private readonly offloadAfterRows: number) {}

  add(which: 'sources' | 'targets', offsets: Int32Array, bytes: Uint8Array, n: number): void {
    if (which === 'sources') this.rows += n;
    if (this.worker === undefined && this.rows > this.offloadAfterRows) this.startWorker();
    if (this.worker === undefined) {
      (which === 'sources' ? this.sources! : this.targets!).addUtf8(offsets, bytes, n);
      return;
    }
    // Fresh copies (never views: transferring a view's buffer would detach the Arrow message it came from).
    const o = new Int32Array(n + 1);
    o.set(offsets.subarray(0, n + 1));
    const b = new Uint8Array(o[n]! - o[0]!);
    b.set(bytes.subarray(o[0]!, o[n]!));
    this.pending += n;
    this.worker.call('add', { which, offsets: o, bytes: b }, { transfer: [o.buffer, b.buffer] }).then((rows) => {
      this.pending -= rows;
      if (this.pending <= MAX_PENDING_ROWS) this.wakeUp();
    }, (err: Error) => this.fail(err));
  }

  /** Waits while the worker is more than MAX_PENDING_ROWS behind (a worker failure is thrown by counts()). */
  async keepUp(): Promise<void> {
    while (this.worker && this.pending > MAX_PENDING_ROWS && !this.failure) await new Promise<void>((r) => { this.wake = r; });
  }

  private startWorker(): void {
    const w = WorkerClient.start<DistinctProtocol>(import.meta.url, 'distinct-worker', { label: 'distinct-count worker' });
    this.worker = w;
    const sources = this.sources!.snapshot();
    const targets = this.targets!.snapshot();
    this.sources = this.targets = undefined;
    const transfer = [...sources.parts, ...targets.parts].map((p) => p.table.buffer as ArrayBuffer);
    w.call('init', { sources, targets }, { transfer }).catch((err: Error) => this.fail(err));
  }

  private fail(err: Error): void {
    this.failure ??= err;
    this.wakeUp();
  }

  private wakeUp(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  async counts(): Promise<{ sources: number; targets: number }> {
    if (this.failure) throw this.failure;
    if (!this.worker) return { sources: this.sources!.size, targets: this.targets!.size };
    try {
      return await this.worker.call('result', null);
    } finally {
      await this.close();
    }
  }

  async close(): Promise<void> {
    const w = this.worker;
    if (!w) return;
    this.worker = undefined;
    await w.terminate();
  }
}

export class StatsAccumulator {
  rows = 0;
  inputBatches = 0;
  inputBytes = 0;
  min = Infinity;
  max = -Infinity;
  untimestamped = 0;
  private readonly distinct: DistinctCounter;

  constructor(offloadAfterRows = DISTINCT_OFFLOAD_AFTER_ROWS) {
    this.distinct = new DistinctCounter(offloadAfterRows);
  }

  /** Counts the ids of one record batch's source (or entity id) / target column (Utf8 offsets + bytes, no nulls). */
  ids(which: 'sources' | 'targets', offsets: Int32Array, bytes: Uint8Array, n: number): void {
    this.distinct.add(which, offsets, bytes, n);
  }

  timestamps(min: number, max: number, nulls: number): void {
    if (min < this.min) this.min = min;
    if (max > this.max) this.max = max;
    this.untimestamped += nulls;
  }

  /** Between record batches: waits if the distinct-count worker is far behind. */
  keepUp(): Promise<void> { return this.distinct.keepUp(); }

  /** Stops the worker (if any) of an import that failed. */
  close(): Promise<void> { return this.distinct.close(); }

  async result(): Promise<IngestStats> {
    const d = await this.distinct.counts();
    return {
      rows: this.rows, inputBatches: this.inputBatches, inputBytes: this.inputBytes,
      minInteractionMs: Number.isFinite(this.min) ? this.min : undefined,
      maxInteractionMs: Number.isFinite(this.max) ? this.max : undefined,
      untimestampedCount: this.untimestamped,
      distinctSourceCount: d.sources, distinctTargetCount: d.targets,
    };
  }
}

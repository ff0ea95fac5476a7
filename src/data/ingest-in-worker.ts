/**
 * Imports off the caller's event loop: each upload is validated, decoded, hashed and written by an ingest
 * worker thread (ingest-worker.ts), so health checks and every other call keep answering while a big or
 * hostile upload is processed. The caller's thread only copies the received chunks into transferable
 * pieces of about FEED_PIECE_BYTES and pushes them (bounded read-ahead: a push waits while the worker has
 * INGEST_READ_AHEAD_BYTES queued).
 *
 * At most `maxConcurrent` uploads run at once (later ones wait for a worker); one idle worker is kept for
 * the next upload, unless its upload was large (its heap is given back by ending it). Aborting the signal
 * cancels the upload: the worker removes its temp file, or, if it does not answer within the grace period,
 * it is terminated and the temp file is removed here.
 */
import { rm } from 'node:fs/promises';
import { tempPathFor } from '../util/atomic-file.js';
import { WorkerClient } from '../util/worker-rpc.js';
import { WorkerPool } from '../util/worker-pool.js';
import type { IngestProtocol, IngestResult } from './ingest-protocol.js';
import type { BatchKindName } from './layout.js';

/** Received bytes are forwarded to the worker in pieces of about this size (fewer messages, one copy). */
export const FEED_PIECE_BYTES = 1024 * 1024;
/** A worker whose upload was bigger than this is ended afterwards rather than kept idle (gives its heap back). */
const KEEP_WORKER_BELOW_BYTES = 64 * 1024 * 1024;
const ABORT_GRACE_MS = 2000;

export interface IngestJob {
  kind: BatchKindName;
  /** The batch file's final path (committed there by the worker). */
  path: string;
  /** The data directory (named in a disk-full error). */
  dataDir: string;
  signal?: AbortSignal;
  distinctOffloadAfterRows?: number;
}

/** Fresh, transferable pieces of about `size` bytes (never views of the received buffers, which may be pooled). */
async function* pieces(source: AsyncIterable<Uint8Array>, size: number): AsyncGenerator<Uint8Array> {
  let parts: Uint8Array[] = [];
  let n = 0;
  const flush = () => {
    const out = new Uint8Array(n);
    let at = 0;
    for (const p of parts) { out.set(p, at); at += p.byteLength; }
    parts = [];
    n = 0;
    return out;
  };
  for await (const c of source) {
    parts.push(c);
    n += c.byteLength;
    if (n >= size) yield flush();
  }
  if (n > 0) yield flush();
}

export class IngestWorkers {
  private readonly pool: WorkerPool<IngestProtocol>;
  private nextId = 1;

  constructor(maxConcurrent: number, keepIdle = 1) {
    this.pool = new WorkerPool(() => WorkerClient.start<IngestProtocol>(import.meta.url, 'ingest-worker', { label: 'ingest worker' }), { keepIdle, maxBusy: maxConcurrent });
  }

  /** Runs one upload: `chunks` are its Arrow bytes; resolves with the stats once the batch file is committed at `job.path`. */
  async ingest(job: IngestJob, chunks: AsyncIterable<Uint8Array>): Promise<IngestResult> {
    const w = await this.pool.take();
    const tempPath = tempPathFor(job.path);
    const stop = new AbortController();
    const signal = job.signal ? AbortSignal.any([job.signal, stop.signal]) : stop.signal;
    const id = this.nextId++;
    let fed = 0;
    let feedError: unknown;
    const done = w.call('ingest', { id, kind: job.kind, path: job.path, tempPath, dataDir: job.dataDir, distinctOffloadAfterRows: job.distinctOffloadAfterRows },
      { signal, abortGraceMs: ABORT_GRACE_MS });
    let over = false;
    done.then(() => undefined, () => undefined).finally(() => { over = true; });
    const feeding = (async () => {
      for await (const piece of pieces(chunks, FEED_PIECE_BYTES)) {
        if (over) return;
        fed += piece.byteLength;
        await w.call('push', { id, chunk: piece }, { transfer: [piece.buffer as ArrayBuffer] });
      }
      if (!over) await w.call('push', { id, chunk: null });
    })().catch((err: unknown) => {
      // The input failed (upload limit, a second header, the client went away): the worker's upload stops too.
      if (!over) { feedError = err; stop.abort(err); }
    });
    try {
      const result = await done;
      await feeding;
      return result;
    } catch (err) {
      throw feedError ?? err;
    } finally {
      // A terminated worker could not remove its temp file.
      if (!w.alive) await rm(tempPath, { force: true }).catch(() => undefined);
      this.pool.give(w, fed < KEEP_WORKER_BELOW_BYTES);
    }
  }

  /** Ends every worker; uploads in flight fail, later ones are UNAVAILABLE. */
  close(): Promise<void> {
    return this.pool.close();
  }
}

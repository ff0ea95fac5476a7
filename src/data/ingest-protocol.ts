/**
 * Protocol of the ingest worker (ingest-worker.ts; parent side: ingest-in-worker.ts), over util/worker-rpc.ts.
 * One upload = one `ingest` call (validate, decode, hash, write and commit the batch file, answer the stats),
 * fed by `push` calls carrying its Arrow bytes (transferred copies), `chunk: null` at the end of the input.
 * A `push` answers when the worker has room for more (at most INGEST_READ_AHEAD_BYTES wait), so the
 * upload's memory stays bounded; pushes for an upload that already ended are answered at once.
 */
import type { BatchKindName } from './layout.js';
import type { IngestStats } from './ingest-stats.js';

export const INGEST_READ_AHEAD_BYTES = 8 * 1024 * 1024;

export interface IngestRequest {
  id: number;
  kind: BatchKindName;
  /** The batch file's final path, and the temp path it is written to until the commit. */
  path: string;
  tempPath: string;
  /** The data directory (named in a disk-full error). */
  dataDir: string;
  distinctOffloadAfterRows?: number;
}

export interface IngestResult { stats: IngestStats; bytes: number }

export type IngestProtocol = {
  ingest: { request: IngestRequest; response: IngestResult };
  push: { request: { id: number; chunk: Uint8Array | null }; response: null };
};

/**
 * Protocol of the distinct-count worker of an import (distinct-worker.ts; parent side: ingest-stats.ts),
 * over util/worker-rpc.ts: `init` with snapshots of what the main thread counted so far, then one `add`
 * per id column of a record batch (copies, transferred; offsets not rebased: the bytes start at
 * offsets[0]), then `result`.
 */
import type { PartitionedSnapshot } from './hash64-set.js';

export type DistinctProtocol = {
  init: { request: { sources: PartitionedSnapshot; targets: PartitionedSnapshot }; response: null };
  /** Answers the number of rows counted. */
  add: { request: { which: 'sources' | 'targets'; offsets: Int32Array; bytes: Uint8Array }; response: number };
  result: { request: null; response: { sources: number; targets: number } };
};

import { parentPort } from 'node:worker_threads';
import { PartitionedHash64Set, type PartitionedSnapshot } from './hash64-set.js';

/**
 * Worker side of the distinct counting of an import (ingest-stats.ts): receives the id columns of each
 * record batch (copies, transferred) and counts distinct sources / targets with the same sets the main
 * thread would use, so hashing and probing run on another core while the main thread decodes and writes.
 *
 * Messages in: {op:'init', sources, targets} (snapshots of what the main thread counted so far), then
 * {op:'add', which, offsets, bytes} per column of a record batch (offsets not rebased: bytes start at
 * offsets[0]), then {op:'result'}. Out: {op:'ack', rows} after each add, {op:'result', sources, targets}.
 */
export type DistinctWorkerIn =
  | { op: 'init'; sources: PartitionedSnapshot; targets: PartitionedSnapshot }
  | { op: 'add'; which: 'sources' | 'targets'; offsets: Int32Array; bytes: Uint8Array }
  | { op: 'result' };
export type DistinctWorkerOut = { op: 'ack'; rows: number } | { op: 'result'; sources: number; targets: number };

let sources = new PartitionedHash64Set();
let targets = new PartitionedHash64Set();
const port = parentPort!;
port.on('message', (m: DistinctWorkerIn) => {
  if (m.op === 'init') {
    sources = PartitionedHash64Set.fromSnapshot(m.sources);
    targets = PartitionedHash64Set.fromSnapshot(m.targets);
  } else if (m.op === 'add') {
    const n = m.offsets.length - 1;
    const base = m.offsets[0]!;
    if (base !== 0) for (let i = 0; i <= n; i++) m.offsets[i] = m.offsets[i]! - base;
    (m.which === 'sources' ? sources : targets).addUtf8(m.offsets, m.bytes, n);
    port.postMessage({ op: 'ack', rows: n } satisfies DistinctWorkerOut);
  } else {
    port.postMessage({ op: 'result', sources: sources.size, targets: targets.size } satisfies DistinctWorkerOut);
  }
});

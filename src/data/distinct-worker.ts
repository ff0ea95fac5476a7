/**
 * Worker side of the distinct counting of an import (ingest-stats.ts): counts distinct sources / targets
 * of the id columns it is sent with the same sets the main thread would use, so hashing and probing run
 * on another core while the main thread decodes and writes.
 */
import { serveWorker } from '../util/worker-rpc.js';
import { PartitionedHash64Set } from './hash64-set.js';
import type { DistinctProtocol } from './distinct-protocol.js';

let sources = new PartitionedHash64Set();
let targets = new PartitionedHash64Set();

serveWorker<DistinctProtocol>({
  init: (m) => {
    sources = PartitionedHash64Set.fromSnapshot(m.sources);
    targets = PartitionedHash64Set.fromSnapshot(m.targets);
    return null;
  },
  add: (m) => {
    const n = m.offsets.length - 1;
    const base = m.offsets[0]!;
    if (base !== 0) for (let i = 0; i <= n; i++) m.offsets[i] = m.offsets[i]! - base;
    (m.which === 'sources' ? sources : targets).addUtf8(m.offsets, m.bytes, n);
    return n;
  },
  result: () => ({ sources: sources.size, targets: targets.size }),
});

import type { Chunk } from './plan.js';
import type { EngineBackend } from './options.js';

/** Messages between the sharded tensor trainer (als-tensor-sharded.ts) and a shard worker (tensor-shard-worker.ts). */
export type ToShard =
  /**
   * Start `backend`, upload this shard's chunks of both sides (chunks[0]: sources, chunks[1]: targets).
   * X (rows x k) and Y (cols x k) are the factors, shared by every shard; `work` counts padded nonzeros done.
   */
  | { t: 'init'; backend: EngineBackend; k: number; steps: number; rows: number; cols: number; X: SharedArrayBuffer; Y: SharedArrayBuffer; work: SharedArrayBuffer; chunks: [Chunk[], Chunk[]] }
  /** Solve this shard's rows of `side` given the other side and areg = G + lambda I (k x k); writes them into X or Y. */
  | { t: 'sweep'; side: 0 | 1; areg: Float32Array; withLoss: boolean }
  | { t: 'abort' };

export type FromShard =
  | { t: 'ready'; device: string }
  | { t: 'swept'; loss: number }
  | { t: 'failed'; message: string; name: string };

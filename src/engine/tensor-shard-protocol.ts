/**
 * Protocol of a tensor shard (tensor-shard-worker.ts), driven by the sharded tensor solver
 * (als-tensor-sharded.ts) through util/worker-rpc.ts.
 */
import type { ChunkSolveOptions, PcgMaps } from './als-tensor.js';
import type { EngineBackend } from './options.js';
import type { EngineSettings } from './settings.js';

/**
 * One side's chunks (plan.ts) packed into SharedArrayBuffers that every shard reads: chunk c has `batch[c]`
 * rows at rows[rowStart[c]..] (and, with per-row regularization, their lambda_r - base at extra[rowStart[c]..]),
 * and batch[c] * length[c] padded entries at cols/conf/w[entryStart[c]..] (w = c - alpha0 on real entries,
 * 0 on padding). `order` lists the chunk indices in the order shards claim them.
 */
export interface PackedSide {
  batch: Int32Array;
  length: Int32Array;
  rowStart: Int32Array;
  entryStart: Float64Array;
  order: Int32Array;
  rows: Int32Array;
  cols: Int32Array;
  conf: Float32Array;
  w: Float32Array;
  extra?: Float32Array;
}

/**
 * Start `backend` (with the caller's engine settings). X (rows x k) and Y (cols x k) are the factors and
 * `sides` the chunks of both sides (0: sources, 1: targets), all shared by every shard; `solve` the row
 * solver's options. `claim` ([2] int32) is the next position in each side's claim order; `work` ([1] int32)
 * counts padded nonzeros done; `grams[side]` holds one k x k Gram matrix per chunk, `penalties[side]` one
 * per-row penalty part per chunk (per-row regularization) and `losses` one sparse loss term per target chunk.
 */
export interface ShardInit {
  backend: EngineBackend; settings: EngineSettings; k: number; solve: ChunkSolveOptions; rows: number; cols: number;
  X: SharedArrayBuffer; Y: SharedArrayBuffer; sides: [PackedSide, PackedSide];
  claim: SharedArrayBuffer; work: SharedArrayBuffer; grams: [SharedArrayBuffer, SharedArrayBuffer];
  penalties: [SharedArrayBuffer, SharedArrayBuffer]; losses: SharedArrayBuffer;
}

/** A half-sweep's shared system (als-tensor.ts SharedSystem) as host arrays: A0 (k x k), or solver pcg's maps. */
export type ShardSystem = { areg: Float32Array } | PcgMaps;

export type TensorShardProtocol = {
  init: { request: ShardInit; response: { device: string } };
  /**
   * Claim and solve chunks of `side` until none is left, given the shared system: areg = A0 = alpha0 G + base I
   * (k x k), or solver pcg's maps of A0 = L L^T; writes their rows into X or Y.
   */
  sweep: { request: { side: 0 | 1; system: ShardSystem; withLoss: boolean }; response: null };
};

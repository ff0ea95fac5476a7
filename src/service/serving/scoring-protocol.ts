/**
 * Protocol of a scoring worker (scoring-worker.ts; parent side: scoring-pool.ts), over
 * util/worker-rpc.ts. Every typed array travels as its own buffer (copied by structured clone; results
 * are transferred back).
 */
import type { AnnMeta } from './ann-index.js';
import type { ScorerShare } from './wasm-scorer.js';

export interface RankRequest {
  /** The pool's id of the model; `share` is sent with the first request of a model to this worker. */
  model: number;
  share?: ScorerShare;
  x: Float32Array;
  count: number;
  mask?: Uint8Array;
  seen?: Int32Array;
  /** Candidates to fetch from the model's ANN index (0/absent = exact); `ann` is sent with the first such request of a model to this worker. */
  wanted?: number;
  ann?: { path: string; meta: Pick<AnnMeta, 'factors' | 'quantization'> };
}

export interface Ranked {
  indices: Int32Array;
  scores: Float64Array;
  /** How many sources were scored in the same pass over the factors (1 = alone). */
  group: number;
  /** Answered through the ANN index. */
  approximate?: boolean;
}

export type ScoringProtocol = {
  /** Which scratch slot of each model's memory this worker uses (sent first). */
  attach: { request: { slot: number }; response: null };
  /** Batched: the requests queued when the worker wakes are scored together. */
  rank: { request: RankRequest; response: Ranked };
  /** The event loop released the model: drop its memory (after the requests already queued for it). */
  drop: { request: { model: number }; response: null };
  /** Holds the worker thread until flag[0] becomes non-zero (lets a caller have a request in flight behind it, deterministically). */
  hold: { request: Int32Array; response: null };
};

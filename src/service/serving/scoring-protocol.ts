import type { ScorerShare } from './wasm-scorer.js';

/**
 * Messages between the event loop (scoring-pool.ts) and a scoring worker (scoring-worker.ts).
 * Every typed array travels as its own buffer (copied by structured clone; results are transferred).
 */
export type ToScorer =
  /** Rank the targets for x. `share` is sent with the first request of a model to this worker. */
  | { t: 'rank'; id: number; model: number; share?: ScorerShare; x: Float32Array; count: number; mask?: Uint8Array; seen?: Int32Array }
  /** The model was released by the event loop: drop its memory. */
  | { t: 'drop'; model: number };

export type FromScorer =
  /** `group`: how many sources were scored in the same pass over the factors (1 = alone). */
  | { t: 'ranked'; id: number; indices: Int32Array; scores: Float64Array; group: number }
  | { t: 'failed'; id: number; message: string };

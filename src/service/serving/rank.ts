/** Ranking of a served model's targets for one source: by score (exact top-k) or, cold, by popularity. */
import type { ServedModel } from '../models/served-model.js';
import type { Candidates } from './candidates.js';
import { dotAll } from './scores.js';
import { TopKHeap, topKOfScores, type TopK } from './top-k.js';

/** Reused score buffer (scoring is synchronous, so one buffer per process is enough). */
let buf = new Float64Array(0);
function scoreBuffer(n: number): Float64Array {
  if (buf.length < n) buf = new Float64Array(n);
  return buf;
}

/**
 * The `count` best candidates for a source vector x: score(i) = x . y_i, exact top-k with a bounded
 * heap (ties -> lower target index), never a target in `seen` (sorted or not) nor outside `cand`.
 */
export function rankByScore(served: ServedModel, x: ArrayLike<number>, count: number, cand: Candidates, seen?: ArrayLike<number>): TopK {
  const { k } = served;
  const Y = served.model.targetFactors;
  const heap = new TopKHeap(count);
  if (cand.list) {
    const skip = seen && seen.length > 0 ? new Set(Array.from(seen)) : undefined;
    for (const i of cand.list) {
      if (skip?.has(i)) continue;
      let s = 0;
      for (let f = 0, o = i * k; f < k; f++) s += x[f]! * Y[o + f]!;
      heap.push(i, s);
    }
    return heap.drain();
  }
  if (served.scorer) return served.scorer.top(x, count, cand.mask, seen);
  const n = served.targetCount;
  const scores = scoreBuffer(n).subarray(0, n);
  dotAll(x, Y, k, scores, n);
  return topKOfScores(scores, undefined, count, cand.mask, seen);
}

/** Cold-start fallback: the most popular candidates in training (score = number of distinct training sources). */
export function rankByPopularity(served: ServedModel, count: number, cand: Candidates, seen?: ArrayLike<number>): TopK {
  const skip = seen && seen.length > 0 ? new Set(Array.from(seen)) : undefined;
  const order = served.popularityOrder;
  const pop = served.model.targetPopularity;
  const idx: number[] = [];
  for (let j = 0; j < order.length && idx.length < count; j++) {
    const i = order[j]!;
    if ((cand.mask && !cand.mask[i]) || skip?.has(i)) continue;
    idx.push(i);
  }
  return { indices: Int32Array.from(idx), scores: Float64Array.from(idx, (i) => pop[i]!) };
}

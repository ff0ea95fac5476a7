import type { ServedModel } from '../models/served-model.js';
import type { Candidates } from './candidates.js';
import { dotAll } from './scores.js';
import { TopKHeap, type TopK } from './top-k.js';
import { SCORE_BLOCK } from './wasm-scorer.js';

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

/**
 * The `count` best of `scores` (one per target; ties -> lower index), leaving out targets in `seen`
 * (marked NaN in `scores`, which is scratch) and where `mask` is 0. `maxima` (optional): an upper bound
 * of the scores per block of SCORE_BLOCK targets, taken before the seen targets were marked.
 */
export function topKOfScores(scores: Float64Array | Float32Array, maxima: Float32Array | undefined, count: number, mask: Uint8Array | null | undefined, seen?: ArrayLike<number>): TopK {
  const n = scores.length;
  const heap = new TopKHeap(count);
  if (seen) for (let j = 0; j < seen.length; j++) scores[seen[j]!] = NaN;
  if (count <= 0) return heap.drain();
  // Fill the heap with the first `count` candidates, then scan against a local threshold: targets come in
  // ascending index, so a score equal to the threshold loses its tie and `s > thr` is the whole test (NaN
  // marks seen targets and never passes it). With the block maxima (an upper bound per SCORE_BLOCK targets,
  // taken before the seen targets were marked), a block whose maximum does not beat the threshold is skipped.
  let i = 0;
  for (; i < n && heap.size < count; i++) {
    const s = scores[i]!;
    if (s !== s || (mask && !mask[i])) continue;
    heap.push(i, s);
  }
  let thr = heap.threshold;
  let b = maxima ? Math.ceil(i / SCORE_BLOCK) : 0;
  for (;;) {
    const end = maxima ? Math.min(n, b * SCORE_BLOCK) : n;
    if (mask) {
      for (; i < end; i++) {
        const s = scores[i]!;
        if (s > thr && mask[i]) { heap.push(i, s); thr = heap.threshold; }
      }
    } else {
      for (; i < end; i++) {
        const s = scores[i]!;
        if (s > thr) { heap.push(i, s); thr = heap.threshold; }
      }
    }
    if (!maxima || i >= n) break;
    while (b < maxima.length && !(maxima[b]! > thr)) b++;
    if (b >= maxima.length) break;
    i = b * SCORE_BLOCK;
    b++;
  }
  return heap.drain();
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

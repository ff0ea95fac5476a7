/**
 * Ranking of a served model's targets for one source: by score (exact top-k, or through the model's ANN
 * index with exact re-ranking) or, cold, by popularity.
 */
import type { ServedModel } from '../models/served-model.js';
import { annWanted, rerankCandidates } from './ann-index.js';
import type { Candidates } from './candidates.js';
import { dotAll, dotRows } from './scores.js';
import { TopKHeap, topKOfScores, type TopK } from './top-k.js';

/** Work of one candidate fetched from the index, in multiply-adds per factor (bench/README.md "Serving": a search vs an exact pass). */
export const ANN_WORK_PER_CANDIDATE = 128;

/** Reused score buffer (scoring is synchronous, so one buffer per process is enough). */
let buf = new Float64Array(0);
function scoreBuffer(n: number): Float64Array {
  if (buf.length < n) buf = new Float64Array(n);
  return buf;
}

/**
 * Candidates a ranking fetches from the model's ANN index (ann-index.ts annWanted); 0 = rank exactly: the
 * request asked for `exact`, names its targets (include ids), or the model has no usable index.
 */
export function annWantedFor(served: ServedModel, count: number, cand: Candidates, seen: ArrayLike<number> | undefined, exact: boolean): number {
  const ann = served.ann;
  if (exact || !ann || cand.list) return 0;
  return annWanted(ann.meta, count, cand.allowed, seen?.length ?? 0);
}

/** The work of a ranking (multiply-adds): `wanted` candidates through the index, or the whole catalog when 0. */
export function rankingWork(served: ServedModel, wanted: number): number {
  return wanted > 0 ? wanted * served.k * ANN_WORK_PER_CANDIDATE : served.targetCount * served.k;
}

let annScores = new Float64Array(0);
let annScratch = new Int32Array(0);

/**
 * The top `count` through the model's index: `wanted` candidates, filtered (mask, seen: sorted), rescored
 * exactly with the kernel of the exact path; undefined when the index cannot answer (too few candidates
 * survived, or it could not be opened).
 */
export function rankByAnn(served: ServedModel, x: ArrayLike<number>, count: number, mask: Uint8Array | null, seen: ArrayLike<number> | undefined, wanted: number): TopK | undefined {
  const index = served.annIndex();
  if (!index) return undefined;
  const cands = index.candidates(x instanceof Float32Array ? x : Float32Array.from(x), wanted);
  if (served.scorer) return served.scorer.annTop(x, cands, count, mask, seen);
  if (annScratch.length < cands.length) { annScratch = new Int32Array(cands.length); annScores = new Float64Array(cands.length); }
  const Y = served.model.targetFactors;
  return rerankCandidates(cands, count, mask, seen, annScratch, (idx, m) => { dotRows(x, Y, served.k, idx, m, annScores); return annScores; });
}

/**
 * The `count` best candidates for a source vector x: score(i) = x . y_i, exact top-k with a bounded
 * heap (ties -> lower target index), never a target in `seen` (sorted or not) nor outside `cand`.
 * With `wanted` > 0 (annWantedFor), through the model's ANN index when it can answer (`approximate` set).
 */
export function rankByScore(served: ServedModel, x: ArrayLike<number>, count: number, cand: Candidates, seen?: ArrayLike<number>, wanted = 0): TopK {
  if (wanted > 0 && !cand.list) {
    const t = rankByAnn(served, x, count, cand.mask, seen, wanted);
    if (t) return { ...t, approximate: true };
  }
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

/**
 * Offline ranking metrics at cutoff K, with the definitions of implicit's `ranking_metrics_at_k`
 * (benfred/implicit, evaluation.pyx), over the sources u that have test items T_u (others skipped).
 * R_u = the top-K targets for u by score, leaving out u's training targets (and non-candidates).
 *
 *   hits_u    = |R_u ∩ T_u|
 *   precision = Σ_u hits_u / Σ_u min(K, |T_u|)              (micro-averaged, as implicit's precision_at_k)
 *   recall    = mean_u hits_u / |T_u|
 *   NDCG      = mean_u ( Σ_{i<K, R_u[i] ∈ T_u} 1/log2(i+2) ) / ( Σ_{i<min(K,|T_u|)} 1/log2(i+2) )
 *   MAP       = mean_u ( Σ_{i<K, R_u[i] ∈ T_u} hits_u(≤i) / (i+1) ) / min(K, |T_u|)
 *   coverage  = |∪_u R_u| / number of targets
 *
 * Field names follow the proto's RankingMetrics, so the object can be put in an Evaluation message.
 */
import type { CsrMatrix } from '../../engine/types.js';
import { dotAll } from '../serving/scores.js';
import { TopKHeap } from '../serving/top-k.js';
import { WasmScorer } from '../serving/wasm-scorer.js';

export interface RankingMetrics {
  precision_at_k: number;
  recall_at_k: number;
  ndcg_at_k: number;
  map_at_k: number;
  catalog_coverage: number;
}

/** The evaluation stored with a model (proto `Evaluation`, int64 fields as numbers). */
export interface EvaluationSummary {
  k: number;
  holdout_fraction: number;
  seed: number;
  /** Test entries (held-out pairs). */
  test_interactions: number;
  /** Sources with at least one test entry (the users averaged over). */
  test_sources: number;
  model: RankingMetrics;
  baseline: RankingMetrics;
}

export interface RankingInput {
  /** Row-major (train.rows x factors) and (train.cols x factors). */
  sourceFactors: Float32Array;
  targetFactors: Float32Array;
  factors: number;
  train: CsrMatrix;
  test: CsrMatrix;
  k: number;
  /** Only these target indices may be recommended (default: all). */
  candidates?: Int32Array;
  /**
   * Rank with the serving's SIMD kernel (serving/wasm-scorer.ts: float32 scores, exact top-k through the
   * int8 prefilter, ~10x the float64 JS pass at 64 factors) where wasm is available. The lists can differ
   * from the default pass's only where float32 rounding reorders near-ties; the tuning's validation uses
   * it (its cost is a search's, repeated at every checkpoint), reports keep the default.
   */
  simd?: boolean;
}

/**
 * Accumulates the metrics from each source's ranked list. `rank(u, exclude)` returns u's top-K target
 * indices, best first, never one marked in `exclude` (a per-target mask).
 */
function accumulate(train: CsrMatrix, test: CsrMatrix, k: number, rank: (u: number, exclude: Uint8Array) => Int32Array): RankingMetrics {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`k must be an integer >= 1, got ${k}`);
  if (train.rows !== test.rows || train.cols !== test.cols) throw new RangeError('train and test shapes differ');
  const cg = new Float64Array(k);
  const cgSum = new Float64Array(k);
  for (let i = 0; i < k; i++) { cg[i] = 1 / Math.log2(i + 2); cgSum[i] = cg[i]! + (i > 0 ? cgSum[i - 1]! : 0); }
  const exclude = new Uint8Array(train.cols);
  const liked = new Uint8Array(train.cols);
  const covered = new Uint8Array(train.cols);
  let relevant = 0, prDiv = 0, recall = 0, ndcg = 0, map = 0, users = 0;
  for (let u = 0; u < test.rows; u++) {
    const t0 = test.indptr[u]!, t1 = test.indptr[u + 1]!;
    if (t0 === t1) continue;
    const r0 = train.indptr[u]!, r1 = train.indptr[u + 1]!;
    for (let e = r0; e < r1; e++) exclude[train.indices[e]!] = 1;
    for (let e = t0; e < t1; e++) liked[test.indices[e]!] = 1;
    const likes = t1 - t0;
    const ids = rank(u, exclude);
    let hit = 0, ap = 0, dcg = 0;
    for (let i = 0; i < ids.length && i < k; i++) {
      const id = ids[i]!;
      covered[id] = 1;
      if (liked[id]) { hit++; ap += hit / (i + 1); dcg += cg[i]!; }
    }
    const denom = Math.min(k, likes);
    relevant += hit;
    prDiv += denom;
    recall += hit / likes;
    ndcg += dcg / cgSum[denom - 1]!;
    map += ap / denom;
    users++;
    for (let e = r0; e < r1; e++) exclude[train.indices[e]!] = 0;
    for (let e = t0; e < t1; e++) liked[test.indices[e]!] = 0;
  }
  let distinct = 0;
  for (let i = 0; i < covered.length; i++) distinct += covered[i]!;
  if (users === 0) return { precision_at_k: 0, recall_at_k: 0, ndcg_at_k: 0, map_at_k: 0, catalog_coverage: 0 };
  return {
    precision_at_k: relevant / prDiv,
    recall_at_k: recall / users,
    ndcg_at_k: ndcg / users,
    map_at_k: map / users,
    catalog_coverage: train.cols === 0 ? 0 : distinct / train.cols,
  };
}

/** Metrics of the factor model: scores x_u . y_i, exact top-K (ties -> lower target index). */
export function evaluateRanking(input: RankingInput): RankingMetrics {
  const { sourceFactors, targetFactors, factors: f, train, test, k, candidates } = input;
  if (sourceFactors.length !== train.rows * f || targetFactors.length !== train.cols * f) throw new RangeError('factor matrix sizes do not match the matrix shape');
  let allowed: Uint8Array | undefined;
  if (candidates) { allowed = new Uint8Array(train.cols); for (const c of candidates) allowed[c] = 1; }
  const scorer = input.simd ? WasmScorer.create(targetFactors, train.cols, f) : undefined;
  if (scorer) {
    return accumulate(train, test, k, (u) => scorer.top(sourceFactors.subarray(u * f, (u + 1) * f), k, allowed, train.indices.subarray(train.indptr[u]!, train.indptr[u + 1]!)).indices);
  }
  const scores = new Float64Array(train.cols);
  const heap = new TopKHeap(k);
  return accumulate(train, test, k, (u, exclude) => {
    dotAll(sourceFactors.subarray(u * f, (u + 1) * f), targetFactors, f, scores);
    for (let i = 0; i < scores.length; i++) {
      if (exclude[i] || (allowed && !allowed[i])) continue;
      const s = scores[i]!;
      if (heap.size < heap.k || s > heap.threshold) heap.push(i, s);
    }
    return heap.drain().indices;
  });
}

/** Number of distinct sources per target in `train` (the popularity used by the fallback and baseline). */
export function targetPopularity(train: CsrMatrix): Float32Array {
  const pop = new Float32Array(train.cols);
  const nnz = train.indptr[train.rows]!;
  for (let e = 0; e < nnz; e++) pop[train.indices[e]!]!++;
  return pop;
}

/** Metrics of the most-popular baseline: every source gets the most popular training targets it has not seen. */
export function evaluatePopularity(train: CsrMatrix, test: CsrMatrix, k: number): RankingMetrics {
  const pop = targetPopularity(train);
  const order = Array.from({ length: train.cols }, (_, i) => i).sort((a, b) => pop[b]! - pop[a]! || a - b);
  return accumulate(train, test, k, (_u, exclude) => {
    const out: number[] = [];
    for (let j = 0; j < order.length && out.length < k; j++) if (!exclude[order[j]!]) out.push(order[j]!);
    return Int32Array.from(out);
  });
}

/** Test counts for the stored evaluation. */
export function testCounts(test: CsrMatrix): { test_interactions: number; test_sources: number } {
  let sources = 0;
  for (let u = 0; u < test.rows; u++) if (test.indptr[u + 1]! > test.indptr[u]!) sources++;
  return { test_interactions: test.indptr[test.rows]!, test_sources: sources };
}

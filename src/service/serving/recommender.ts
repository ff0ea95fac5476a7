import { InvalidArgumentError, NotFoundError } from '../../errors.js';
import type { Recommendation } from '../../gen/recommender/v1/Recommendation.js';
import type { RecommendRequest__Output } from '../../gen/recommender/v1/RecommendRequest.js';
import type { RecommendResponse } from '../../gen/recommender/v1/RecommendResponse.js';
import type { SourceRecommendations } from '../../gen/recommender/v1/SourceRecommendations.js';
import type { ServedModel } from '../models/served-model.js';
import { candidatesFor, compileTargetSelection, type Candidates } from './candidates.js';
import { foldIn, validateFoldInInteractions } from './fold-in.js';
import { MAX_SOURCES_PER_CALL, requireModelId, resultCount } from './limits.js';
import { annWantedFor, rankByPopularity, rankByScore, rankingWork } from './rank.js';
import type { ScoringPool } from './scoring-pool.js';
import type { TopK } from './top-k.js';

/** Where serving gets models from (ModelCache in production). */
export interface ModelSource {
  get(modelId: string): Promise<ServedModel>;
}

/** Ranked results with the user's ids (never indices); rank is 1-based. */
export function toRecommendations(served: ServedModel, top: TopK): Recommendation[] {
  return Array.from(top.indices, (i, j) => ({ target_id: served.targetId(i), score: top.scores[j]!, rank: j + 1 }));
}

/** The training targets of source u (sorted target indices). */
export function seenOf(served: ServedModel, u: number): Int32Array {
  const { indptr, indices } = served.model.seen;
  return indices.subarray(indptr[u]!, indptr[u + 1]!);
}

/**
 * rankByScore, through the model's ANN index unless `exact` (or the index cannot answer the request), on a
 * scoring worker when a pool is given and the work is worth the thread hop (same results either way).
 */
async function rank(scoring: ScoringPool | undefined, served: ServedModel, x: Float32Array | Float64Array, count: number, cand: Candidates, seen: Int32Array | undefined, exact: boolean): Promise<TopK> {
  const wanted = annWantedFor(served, count, cand, seen, exact);
  const top = scoring && !cand.list && scoring.takes(served, rankingWork(served, wanted))
    ? await scoring.rank(served, x, count, cand.mask, seen, wanted)
    : rankByScore(served, x, count, cand, seen, wanted);
  if (wanted > 0) {
    if (top.approximate) served.annCounts.approximate++; else served.annCounts.fallback++;
  }
  return top;
}

/**
 * Recommend: per requested source, in request order,
 *  - `interactions` given (one source at most, may be new or known): fold-in, strategy "fold_in";
 *    targets of unknown ids are ignored; if none is known -> popularity (NOT_FOUND in strict mode);
 *  - known source: its trained row, strategy "model";
 *  - unknown source: the most popular targets (same filters and exclusions), strategy "popularity",
 *    or NOT_FOUND naming the source when `strict`.
 * exclude_seen (default true) leaves out the source's training targets (fold-in: the given ones).
 * Models with an ANN index rank through it (exact re-ranking of its candidates) unless `exact` is set;
 * `exact` gives the exact path's results, bit for bit.
 */
export async function recommend(models: ModelSource, req: RecommendRequest__Output, scoring?: ScoringPool): Promise<RecommendResponse> {
  const modelId = requireModelId(req.model_id);
  const sourceIds: Array<{ id: string; field: string }> = [];
  if (req.source_id && req.source_ids.length > 0) {
    throw new InvalidArgumentError('give either source_id or source_ids, not both', { field: 'source_ids' });
  }
  if (req.source_id) sourceIds.push({ id: req.source_id, field: 'source_id' });
  req.source_ids.forEach((id, i) => {
    if (!id) throw new InvalidArgumentError(`source_ids[${i}] must not be empty`, { field: `source_ids[${i}]` });
    sourceIds.push({ id, field: `source_ids[${i}]` });
  });
  const foldInList = req.interactions ?? [];
  if (foldInList.length > 0) {
    validateFoldInInteractions(foldInList);
    if (sourceIds.length > 1) throw new InvalidArgumentError('interactions (fold-in) apply to a single source: give at most one source id', { field: 'source_ids' });
  } else if (sourceIds.length === 0) {
    throw new InvalidArgumentError('source_id (or source_ids, or interactions for fold-in) is required', { field: 'source_id' });
  }
  if (sourceIds.length > MAX_SOURCES_PER_CALL) {
    throw new InvalidArgumentError(`source_ids lists ${sourceIds.length} sources; at most ${MAX_SOURCES_PER_CALL} per call (use RecommendAll for batches)`, { field: 'source_ids' });
  }
  const count = resultCount(req.max_recommendations, 'max_recommendations');
  const excludeSeen = req.exclude_seen ?? true;
  const exact = req.exact ?? false;
  const sel = compileTargetSelection(req);

  const served = await models.get(modelId); // the one model reference of this request
  const cand = candidatesFor(served, sel);
  const results: SourceRecommendations[] = [];
  if (foldInList.length > 0) {
    const id = sourceIds[0]?.id ?? '';
    const f = foldIn(served, foldInList);
    if (f.known === 0) {
      if (req.strict) throw new NotFoundError(`none of the ${foldInList.length} interactions names a target of model "${modelId}"`, { field: 'interactions' });
      results.push({ source_id: id, recommendations: toRecommendations(served, rankByPopularity(served, count, cand, excludeSeen ? f.seen : undefined)), strategy: 'popularity' });
    } else {
      results.push({ source_id: id, recommendations: toRecommendations(served, await rank(scoring, served, f.x, count, cand, excludeSeen ? f.seen : undefined, exact)), strategy: 'fold_in' });
    }
  } else {
    for (const { id, field } of sourceIds) {
      const u = served.sourceIndex.get(id);
      if (u !== undefined) {
        const x = served.model.sourceFactors.subarray(u * served.k, (u + 1) * served.k);
        results.push({ source_id: id, recommendations: toRecommendations(served, await rank(scoring, served, x, count, cand, excludeSeen ? seenOf(served, u) : undefined, exact)), strategy: 'model' });
      } else if (req.strict) {
        throw new NotFoundError(`source "${id}" is not in model "${modelId}"`, { field });
      } else {
        results.push({ source_id: id, recommendations: toRecommendations(served, rankByPopularity(served, count, cand)), strategy: 'popularity' });
      }
    }
  }
  return { results, model_id: served.modelId, job_id: served.jobId };
}

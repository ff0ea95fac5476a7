import { InvalidArgumentError, NotFoundError } from '../../errors.js';
import type { SimilarItemsRequest__Output } from '../../gen/recommender/v1/SimilarItemsRequest.js';
import type { SimilarItemsResponse } from '../../gen/recommender/v1/SimilarItemsResponse.js';
import { candidatesFor, compileTargetSelection } from './candidates.js';
import { requireModelId, resultCount } from './limits.js';
import { toRecommendations, type ModelSource } from './recommender.js';
import { dotAll } from './scores.js';
import { TopKHeap } from './top-k.js';

let buf = new Float64Array(0);

/**
 * SimilarItems: cosine similarity of target factors, cos(t, i) = y_t . y_i / (|y_t| |y_i|) (norms cached
 * per loaded model; a zero vector has similarity 0 with everything), exact top-k (ties -> lower index),
 * never the item itself, with the same target filters as Recommend. Unknown target -> NOT_FOUND.
 */
export async function similarItems(models: ModelSource, req: SimilarItemsRequest__Output): Promise<SimilarItemsResponse> {
  const modelId = requireModelId(req.model_id);
  if (!req.target_id) throw new InvalidArgumentError('target_id is required', { field: 'target_id' });
  const count = resultCount(req.max_results, 'max_results');
  const sel = compileTargetSelection(req);
  const served = await models.get(modelId);
  const t = served.targetIndex.get(req.target_id);
  if (t === undefined) throw new NotFoundError(`target "${req.target_id}" is not in model "${modelId}"`, { field: 'target_id' });
  const cand = candidatesFor(served, sel);
  const { k } = served;
  const Y = served.model.targetFactors;
  const norms = served.targetNorms();
  const nt = norms[t]!;
  const y = Y.subarray(t * k, (t + 1) * k);
  const heap = new TopKHeap(count);
  const cos = (i: number, dot: number) => (nt > 0 && norms[i]! > 0 ? dot / (nt * norms[i]!) : 0);
  if (cand.list) {
    for (const i of cand.list) {
      if (i === t) continue;
      let d = 0;
      for (let f = 0; f < k; f++) d += y[f]! * Y[i * k + f]!;
      heap.push(i, cos(i, d));
    }
  } else {
    const n = served.targetCount;
    let dots: Float64Array | Float32Array;
    if (served.scorer) dots = served.scorer.scores(Float64Array.from(y));
    else { if (buf.length < n) buf = new Float64Array(n); dotAll(y, Y, k, buf, n); dots = buf; }
    const mask = cand.mask;
    for (let i = 0; i < n; i++) {
      if (i === t || (mask && !mask[i])) continue;
      const s = cos(i, dots[i]!);
      if (heap.size < count || s > heap.threshold) heap.push(i, s);
    }
  }
  return { target_id: req.target_id, similar: toRecommendations(served, heap.drain()), model_id: served.modelId };
}

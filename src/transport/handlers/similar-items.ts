import type { RecommenderHandlers } from '../../gen/recommender/v1/Recommender.js';
import type { Logger } from '../../log.js';
import type { ModelSource } from '../../service/serving/recommender.js';
import { similarItems } from '../../service/serving/similar-items.js';
import { unary } from '../call.js';

export function similarItemsHandlers(log: Logger, models: ModelSource): Pick<RecommenderHandlers, 'SimilarItems'> {
  return { SimilarItems: unary(log, 'SimilarItems', (req) => similarItems(models, req)) };
}

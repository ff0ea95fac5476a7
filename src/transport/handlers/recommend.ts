import type { RecommenderHandlers } from '../../gen/recommender/v1/Recommender.js';
import type { Logger } from '../../log.js';
import { recommend, type ModelSource } from '../../service/serving/recommender.js';
import { unary } from '../call.js';

export function recommendHandlers(log: Logger, models: ModelSource): Pick<RecommenderHandlers, 'Recommend'> {
  return { Recommend: unary(log, 'Recommend', (req) => recommend(models, req)) };
}

import type { RecommenderHandlers } from '../../gen/recommender/v1/Recommender.js';
import type { Logger } from '../../log.js';
import { recommend, type ModelSource } from '../../service/serving/recommender.js';
import type { ScoringPool } from '../../service/serving/scoring-pool.js';
import type { ServiceMetrics } from '../../service/metrics.js';
import { unary } from '../call.js';

/** Recommend; scoring runs on `scoring`'s worker threads when given, else on the event loop. Latency into `metrics`. */
export function recommendHandlers(log: Logger, models: ModelSource, scoring?: ScoringPool, metrics?: ServiceMetrics): Pick<RecommenderHandlers, 'Recommend'> {
  if (!metrics) return { Recommend: unary(log, 'Recommend', (req) => recommend(models, req, scoring)) };
  return {
    Recommend: unary(log, 'Recommend', (req) => {
      const end = metrics.recommendSeconds.startTimer();
      return recommend(models, req, scoring).finally(end);
    }),
  };
}

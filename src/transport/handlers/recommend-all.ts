import { UnavailableError } from '../../errors.js';
import type { RecommenderHandlers } from '../../gen/recommender/v1/Recommender.js';
import type { Logger } from '../../log.js';
import { recommendAll } from '../../service/serving/recommend-all.js';
import type { ModelSource } from '../../service/serving/recommender.js';
import { serverStreaming, writeWithBackpressure } from '../call.js';

/**
 * Streams chunks, pulling the next one only after the previous was accepted by the transport
 * (backpressure). Ends when the client cancels, or with UNAVAILABLE when `shutdown` aborts.
 */
export function recommendAllHandlers(log: Logger, models: ModelSource, shutdown?: AbortSignal): Pick<RecommenderHandlers, 'RecommendAll'> {
  return {
    RecommendAll: serverStreaming(log, 'RecommendAll', async (call, ctx) => {
      const signal = shutdown ? AbortSignal.any([ctx.signal, shutdown]) : ctx.signal;
      try {
        for await (const msg of recommendAll(models, call.request, signal)) await writeWithBackpressure(call, msg);
      } catch (err) {
        if (shutdown?.aborted) throw new UnavailableError('server shutting down; RecommendAll stopped', { cause: err });
        throw err;
      }
    }),
  };
}

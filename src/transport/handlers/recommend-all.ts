import { UnavailableError } from '../../errors.js';
import type { RecommenderHandlers } from '../../gen/recommender/v1/Recommender.js';
import type { Logger } from '../../log.js';
import { recommendAll } from '../../service/serving/recommend-all.js';
import type { ModelSource } from '../../service/serving/recommender.js';
import { serverStreaming, writeWithBackpressure } from '../call.js';
import { toServiceError } from '../grpc-status.js';

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
        const e = shutdown?.aborted && !ctx.signal.aborted ? new UnavailableError('server shutting down; RecommendAll stopped', { cause: err }) : err;
        // grpc-js sends a server stream's status from an 'error' event (call.destroy(err) does not reach
        // the client; see serverStreaming in transport/call.ts); the wrapper then logs the failure.
        if (!call.cancelled) call.emit('error', toServiceError(e));
        throw e;
      }
    }),
  };
}

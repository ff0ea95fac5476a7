import type { CallbackStatus } from '../../gen/recommender/v1/CallbackStatus.js';
import type { CallbackDeliveryStatus } from './dispatcher.js';

/** The delivery state as the proto's CallbackStatus (TrainingStatus.callback). */
export function toCallbackStatusMessage(s: CallbackDeliveryStatus): CallbackStatus {
  return {
    url: s.url,
    state: s.state,
    attempts: s.attempts,
    last_http_status: s.lastHttpStatus ?? 0,
    last_error: s.lastError ?? '',
    next_attempt_time:
      s.nextAttemptMs === undefined ? null : { seconds: String(Math.floor(s.nextAttemptMs / 1000)), nanos: (s.nextAttemptMs % 1000) * 1e6 },
    webhook_id: s.webhookId,
  };
}

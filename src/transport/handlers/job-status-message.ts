import type { CallbackStatus } from '../../gen/recommender/v1/CallbackStatus.js';
import { toTimestamp } from '../timestamp.js';
import type { TrainingStatus } from '../../gen/recommender/v1/TrainingStatus.js';
import type { CallbackState } from '../../service/jobs/job-scheduler.js';
import { isTerminal, type JobRecord } from '../../service/jobs/job-record.js';

export function callbackMessage(c: CallbackState | undefined, url: string): CallbackStatus | null {
  if (!url) return null;
  if (!c) return { url, state: 'pending', attempts: 0 };
  return {
    url: c.url || url, state: c.state, attempts: c.attempts, last_http_status: c.lastHttpStatus ?? 0, last_error: c.lastError ?? '',
    next_attempt_time: c.state === 'pending' ? toTimestamp(c.nextAttemptMs) : null, webhook_id: c.webhookId ?? c.id ?? '',
  };
}

/** The proto TrainingStatus of a job. */
export function jobStatusMessage(j: JobRecord, callback: CallbackState | undefined, heartbeat = false): TrainingStatus {
  const msg: TrainingStatus = {
    model_id: j.modelId, start_time: toTimestamp(j.startMs), end_time: toTimestamp(j.endMs), status: j.status, error: j.error,
    progress: j.progress, batch_ids: j.batchIds, job_id: j.jobId, iteration: j.iteration, total_iterations: j.totalIterations,
    backend: j.backend, device: j.device,
    data: j.data ? {
      interactions: j.data.interactions, pairs: j.data.pairs, sources: j.data.sources, targets: j.data.targets, entities: j.data.entities,
      dropped_by_age: j.data.droppedByAge, dropped_by_filter: j.data.droppedByFilter,
    } : null,
    sequence: String(j.sequence), heartbeat, create_time: toTimestamp(j.createMs), callback: callbackMessage(callback, j.callbackUrl),
    evaluation: (j.evaluation as TrainingStatus['evaluation']) ?? null, request_id: j.requestId ?? '',
    phase: j.status === 'QUEUED' ? 'queued' : isTerminal(j.status) ? 'done' : j.phase ?? '',
    version: j.version ?? 0, promoted: j.promoted ?? false, promotion: j.promotion ?? '',
  };
  if (j.loss !== undefined && Number.isFinite(j.loss)) msg.loss = j.loss;
  if (j.etaSeconds !== undefined && Number.isFinite(j.etaSeconds)) msg.eta_seconds = j.etaSeconds;
  if (j.tuning) {
    msg.tuning = { trial: j.tuning.trial, trials: j.tuning.trials, metric: j.tuning.metric, ...(j.tuning.bestMetric === undefined ? {} : { best_metric: j.tuning.bestMetric }) };
  }
  return msg;
}

import type { handleUnaryCall } from '@grpc/grpc-js';
import { InvalidArgumentError, NotFoundError } from '../../errors.js';
import type { GetModelRequest__Output } from '../../gen/recommender/v1/GetModelRequest.js';
import type { AnnIndex } from '../../gen/recommender/v1/AnnIndex.js';
import type { Model } from '../../gen/recommender/v1/Model.js';
import type { TuningResult } from '../../gen/recommender/v1/TuningResult.js';
import type { TuningSummary } from '../../service/tuning/search.js';
import { ANN_KIND } from '../../service/serving/ann-index.js';
import type { Hyperparameters } from '../../gen/recommender/v1/Hyperparameters.js';
import type { ModelHyperparameters } from '../../data/trained-model.js';
import type { Logger } from '../../log.js';
import type { JobScheduler } from '../../service/jobs/job-scheduler.js';
import type { AnnStatus, ModelCache } from '../../service/models/model-cache.js';
import type { ModelRegistry } from '../../service/models/model-registry.js';
import type { ModelRow } from '../../service/models/model-repo.js';
import { unary } from '../call.js';
import { toTimestamp } from '../timestamp.js';
import { jobStatusMessage } from './job-status-message.js';

/** The Hyperparameters message of a model's effective hyperparameters. */
export function hyperparametersMessage(h: ModelHyperparameters): Hyperparameters {
  return {
    factors: h.factors, regularization: h.regularization, alpha: h.alpha, iterations: h.iterations, cg_steps: h.cgSteps, seed: h.seed,
    type_weights: h.typeWeights, log_scaling: h.logScaling, log_epsilon: h.logEpsilon,
    backend: h.backend, workers: h.workers,
    // models stored before these existed trained with today's defaults of the first two and CG
    regularization_exponent: h.regularizationExponent ?? 0, unobserved_weight: h.unobservedWeight ?? 1,
    // unset: it follows unobserved_weight (the engine's regularization.ts)
    regularization_frequency_weight: h.regularizationFrequencyWeight ?? h.unobservedWeight ?? 1,
    solver: h.solver ?? 'cg', ...(h.solver === 'subspace' ? { block_size: h.blockSize } : {}),
  };
}

/** Model.tuning of a stored search (trial settings as Hyperparameters messages, with the model's type weights). */
export function tuningMessage(t: TuningSummary, typeWeights: Record<string, number>): TuningResult {
  return {
    metric: t.metric, k: t.k, validation_fraction: t.validationFraction, best_trial: t.bestTrial, seconds: t.seconds, budget_exhausted: t.budgetExhausted,
    chosen: hyperparametersMessage({ ...t.chosen, typeWeights }),
    trials: t.trials.map((x) => ({
      trial: x.trial, hyperparameters: hyperparametersMessage({ ...x.hyperparameters, typeWeights }), metric: x.metric, iterations: x.iterations, state: x.state, seconds: x.seconds,
      phase: x.phase ?? 'global',
    })),
  };
}

/** Served model's metadata (from the `models` row) + the latest job. */
export function modelMessage(jobs: JobScheduler, row: ModelRow): Model {
  const latest = jobs.latestJob(row.modelId);
  const meta = row.meta;
  const msg: Model = {
    model_id: row.modelId, serving: Boolean(row.jobId && meta), latest_job: latest ? jobStatusMessage(latest, jobs.callbackState(latest.jobId)) : null,
  };
  if (row.jobId && meta) {
    Object.assign(msg, {
      job_id: row.jobId, trained_time: toTimestamp(meta.trainedMs), factors: meta.factors, source_count: meta.data.sources,
      target_count: meta.data.targets, backend: meta.backend, device: meta.device, batch_ids: meta.batchIds,
      hyperparameters: hyperparametersMessage(meta.hyperparameters),
      evaluation: meta.evaluation ?? null, loss_curve: meta.lossCurve, train_seconds: meta.trainSeconds, version: row.version ?? 0,
      chosen: meta.chosen ?? [],
      tuning: meta.tuning ? tuningMessage(meta.tuning as TuningSummary, meta.hyperparameters.typeWeights ?? {}) : null,
    } satisfies Partial<Model>);
  }
  return msg;
}

/** Model.ann from the serving side's view of the served version's index. */
export function annMessage(s: AnnStatus): AnnIndex {
  const m = s.meta;
  return {
    kind: m?.kind ?? ANN_KIND, state: s.state, threshold_targets: String(s.thresholdTargets),
    recall_at_10: m?.recallAt10 ?? 0, build_seconds: m?.buildSeconds ?? 0, bytes: String(m?.bytes ?? 0), breadth: m?.breadth ?? 0,
  };
}

export function getModelHandler(log: Logger, jobs: JobScheduler, models: ModelRegistry, serving?: ModelCache): handleUnaryCall<GetModelRequest__Output, Model> {
  return unary(log, 'GetModel', async (req: GetModelRequest__Output) => {
    if (!req.model_id) throw new InvalidArgumentError('model_id is required', { field: 'model_id' });
    const row = models.get(req.model_id);
    if (!row) throw new NotFoundError(`no model "${req.model_id}"`, { field: 'model_id' });
    const msg = modelMessage(jobs, row);
    const served = row.jobId && row.meta ? models.served(row.modelId) : undefined;
    if (serving && served && row.meta) {
      const ann = await serving.annStatus(row.modelId, served.jobId, served.dir, row.meta.data.targets, row.meta.factors);
      if (ann) msg.ann = annMessage(ann);
    }
    return msg;
  });
}

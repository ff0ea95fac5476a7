/**
 * Validation of Train and DescribeDataset requests into the parameters a job runs with (every error an
 * InvalidArgumentError naming the request field), and the request as a job stores it to run later.
 */
import { randomBytes } from 'node:crypto';
import type { CompiledServerOptions } from '../../config.js';
import { compileDataFilters, type CompiledDataFilters } from '../../data/filters.js';
import { validateMaxAgeDays, validateTypeWeights } from '../../data/selection.js';
import { compileAlsOptions, type AlsOptions, type CompiledAlsOptions } from '../../engine/options.js';
import { echo, InvalidArgumentError } from '../../errors.js';
import { PromotePolicy } from '../../gen/recommender/v1/PromotePolicy.js';
import { enumName } from '../../util/proto-enum.js';
import { validateRequestId } from '../request-limits.js';
import type { DataFilters__Output } from '../../gen/recommender/v1/DataFilters.js';
import type { Hyperparameters__Output } from '../../gen/recommender/v1/Hyperparameters.js';
import type { TrainRequest__Output } from '../../gen/recommender/v1/TrainRequest.js';
import { compilePromoteParams, type PromoteParams } from '../models/promotion.js';
import type { TagMatchMode } from '../store/batch-record.js';
import { SPARK_DEFAULT_REGULARIZATION, SPARK_OBJECTIVE, validateSparkHyperparameters } from '../spark/hyperparameters.js';
import { tagMatchOf, validateTags } from '../store/tags.js';
import { compileTuning, type TuningParams } from '../tuning/tuning-params.js';

/** A Train (or DescribeDataset) request's data selection, validated. */
export interface DataSelectionParams {
  tags: string[];
  tagMatch: TagMatchMode;
  maxAgeDays?: number;
  /** The call time the age is relative to (epoch ms). */
  nowMs: number;
  filters: CompiledDataFilters;
}

/** A Train request, validated: everything a job needs to run later. */
export interface TrainParams extends DataSelectionParams {
  modelId: string;
  /**
   * The hyperparameters as the call gave them (undefined = left unset), beside their compiled form: steps
   * before `train` (data-aware defaults, the tuning search) choose only what the call left unset, and
   * replace `als` with the options they compiled.
   */
  requested: AlsOptions;
  als: CompiledAlsOptions;
  typeWeights?: Record<string, number>;
  evaluation?: { holdoutFraction: number; seed: number; k: number };
  /** The promote gate (undefined = PROMOTE_ALWAYS). */
  promote?: PromoteParams;
  /** The hyperparameter search before training (TrainRequest.tuning; undefined = none). */
  tuning?: TuningParams;
}

export const MODEL_ID_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export function generateModelId(): string {
  return `model-${randomBytes(5).toString('hex')}`;
}

export function validateModelId(id: string, field = 'model_id'): string {
  if (!MODEL_ID_RE.test(id)) {
    throw new InvalidArgumentError(`${field} must be 1-128 characters of letters, digits, '.', '_' or '-', starting with a letter or digit; got ${echo(id)}`, { field });
  }
  return id;
}

export function selectionParams(req: { data_tags?: string[]; tag_match?: string | number; maximum_interaction_age_days?: number; data_filters?: DataFilters__Output | null }, nowMs: number): DataSelectionParams {
  return {
    tags: validateTags(req.data_tags, 'data_tags'),
    tagMatch: tagMatchOf(req.tag_match),
    maxAgeDays: validateMaxAgeDays(req.maximum_interaction_age_days),
    nowMs,
    filters: compileDataFilters(req.data_filters),
  };
}

export function alsOptionsOf(h: Hyperparameters__Output | null | undefined, server: CompiledServerOptions): AlsOptions {
  const backend = h?.backend ? h.backend : server.backend;
  // a spark job's objective is Spark's (validateSparkHyperparameters refuses other values)
  const spark = backend === 'spark' ? SPARK_OBJECTIVE : undefined;
  return {
    factors: h?.factors ?? undefined,
    regularization: h?.regularization ?? (backend === 'spark' ? SPARK_DEFAULT_REGULARIZATION : undefined),
    alpha: h?.alpha ?? undefined,
    iterations: h?.iterations ?? undefined,
    cgSteps: h?.cg_steps ?? undefined,
    regularizationExponent: h?.regularization_exponent ?? spark?.regularizationExponent,
    unobservedWeight: h?.unobserved_weight ?? spark?.unobservedWeight,
    regularizationFrequencyWeight: h?.regularization_frequency_weight ?? spark?.regularizationFrequencyWeight,
    solver: h?.solver ? h.solver : undefined,
    blockSize: h?.block_size ?? undefined,
    seed: h?.seed ?? undefined,
    logScaling: h?.log_scaling ?? undefined,
    logEpsilon: h?.log_epsilon ?? undefined,
    backend,
    workers: h?.workers ?? server.workers,
  };
}

/** Validates the whole Train request (throws InvalidArgumentError naming the field). */
export function compileTrainParams(req: TrainRequest__Output, server: CompiledServerOptions, nowMs: number): TrainParams {
  validateRequestId(req.request_id, 'request_id');
  enumName(req.promote, PromotePolicy, 'promote');
  const modelId = req.model_id ? validateModelId(req.model_id) : generateModelId();
  const sel = selectionParams(req, nowMs);
  const requested = alsOptionsOf(req.hyperparameters, server);
  const als = compileAlsOptions(requested, { maxWorkers: server.maxWorkers });
  if (als.backend === 'spark') validateSparkHyperparameters(req.hyperparameters);
  const typeWeights = validateTypeWeights(req.hyperparameters?.type_weights);
  let evaluation: TrainParams['evaluation'];
  const ev = req.evaluation;
  if (ev && Number(ev.holdout_fraction) !== 0) {
    const f = Number(ev.holdout_fraction);
    if (!(f > 0 && f < 1)) throw new InvalidArgumentError(`evaluation.holdout_fraction must be in (0, 1), got ${ev.holdout_fraction}`, { field: 'evaluation.holdout_fraction' });
    const k = ev.k ?? 10;
    if (!Number.isInteger(k) || k < 1 || k > 1000) throw new InvalidArgumentError(`evaluation.k must be an integer in 1..1000, got ${k}`, { field: 'evaluation.k' });
    evaluation = { holdoutFraction: f, seed: ev.seed ?? 42, k };
  }
  const promote = compilePromoteParams(req, evaluation !== undefined);
  const tuning = compileTuning(req.tuning, requested, als.backend);
  return { ...sel, modelId, requested, als, typeWeights, evaluation, promote, ...(tuning ? { tuning } : {}) };
}

/** A Train request as its job stores it (JobRecord.requestJson): compiled again when the job runs. */
interface StoredRequest {
  request: TrainRequest__Output;
  modelId: string;
  /** The call time (the age of interactions is relative to it). */
  nowMs: number;
}

export function storeTrainRequest(request: TrainRequest__Output, modelId: string, nowMs: number): string {
  return JSON.stringify({ request, modelId, nowMs } satisfies StoredRequest);
}

/** The parameters of a stored request (JobRecord.requestJson), with the server's current defaults. */
export function storedTrainParams(requestJson: string, server: CompiledServerOptions): TrainParams {
  const stored = JSON.parse(requestJson) as StoredRequest;
  return compileTrainParams({ ...stored.request, model_id: stored.modelId }, server, stored.nowMs);
}

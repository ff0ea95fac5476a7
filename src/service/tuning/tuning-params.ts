/**
 * TrainRequest.tuning validated into the parameters of a search (every error an InvalidArgumentError naming
 * the field, e.g. `tuning.search[1].min`). Defaults: 300 s, trials one per 3 s of the time budget (16 to
 * 1000: 100 for 300 s; a search that converges or runs out of time ends sooner), ndcg at 10, validation
 * fraction 0.1, seed 42, the default search space (search-space.ts).
 */
import type { AlsOptions } from '../../engine/options.js';
import { InvalidArgumentError } from '../../errors.js';
import type { TuningOptions__Output } from '../../gen/recommender/v1/TuningOptions.js';
import { compileSearchSpace, type SearchDim } from './search-space.js';

export const TUNING_METRICS = ['ndcg', 'recall', 'precision', 'map'] as const;
export type TuningMetric = (typeof TUNING_METRICS)[number];

export const TUNING_DEFAULTS = { timeBudgetSeconds: 300, metric: 'ndcg' as TuningMetric, k: 10, validationFraction: 0.1, seed: 42 };

/** Seconds of time budget per trial of the default max_trials, and its bounds. */
export const SECONDS_PER_DEFAULT_TRIAL = 3;
export const MIN_DEFAULT_TRIALS = 16, MAX_TRIALS = 1000;

/** max_trials when the call leaves it unset: the trials grow with the time budget (a longer budget is meant to be used). */
export function defaultMaxTrials(timeBudgetSeconds: number): number {
  return Math.min(MAX_TRIALS, Math.max(MIN_DEFAULT_TRIALS, Math.ceil(timeBudgetSeconds / SECONDS_PER_DEFAULT_TRIAL)));
}

export interface TuningParams {
  maxTrials: number;
  timeBudgetSeconds: number;
  metric: TuningMetric;
  k: number;
  validationFraction: number;
  seed: number;
  search: SearchDim[];
}

function int(field: string, v: number | null | undefined, dflt: number, min: number, max: number): number {
  if (v === undefined || v === null) return dflt;
  if (!Number.isInteger(v) || v < min || v > max) throw new InvalidArgumentError(`tuning.${field} must be an integer in ${min}..${max}, got ${v}`, { field: `tuning.${field}` });
  return v;
}

/** The search a Train request asks for, or undefined when it has no `tuning`. */
export function compileTuning(t: TuningOptions__Output | null | undefined, requested: AlsOptions, backend: string): TuningParams | undefined {
  if (!t) return undefined;
  if (backend === 'spark') throw new InvalidArgumentError('tuning is not available with backend "spark" (each trial would be a cluster job): tune on an engine backend, then train on Spark with the chosen settings', { field: 'tuning' });
  const metric = (t.metric || TUNING_DEFAULTS.metric) as TuningMetric;
  if (!TUNING_METRICS.includes(metric)) throw new InvalidArgumentError(`tuning.metric must be one of ${TUNING_METRICS.join(', ')}, got "${t.metric}"`, { field: 'tuning.metric' });
  const f = t.validation_fraction ?? TUNING_DEFAULTS.validationFraction;
  if (!(Number.isFinite(f) && f > 0 && f < 1)) throw new InvalidArgumentError(`tuning.validation_fraction must be in (0, 1), got ${t.validation_fraction}`, { field: 'tuning.validation_fraction' });
  const timeBudgetSeconds = int('time_budget_seconds', t.time_budget_seconds, TUNING_DEFAULTS.timeBudgetSeconds, 1, 7 * 86400);
  return {
    maxTrials: int('max_trials', t.max_trials, defaultMaxTrials(timeBudgetSeconds), 1, MAX_TRIALS),
    timeBudgetSeconds,
    metric,
    k: int('k', t.k, TUNING_DEFAULTS.k, 1, 1000),
    validationFraction: f,
    seed: int('seed', t.seed, TUNING_DEFAULTS.seed, 0, 0xffffffff),
    search: compileSearchSpace(t.search, requested),
  };
}

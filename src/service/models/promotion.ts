/**
 * The quality gate of a training (`TrainRequest.promote`): PROMOTE_ALWAYS (default) serves every completed
 * version; PROMOTE_IF_BETTER serves the new version only if its evaluation metric (`promote_metric`:
 * ndcg (default), precision, recall or map, at the evaluation's k) is not lower than the serving version's
 * by more than `promote_tolerance` (absolute, default 0). A refused version is kept as a version that does
 * not serve; the reason goes to the job's status (`promotion`) and its webhook. No serving version, or one
 * without an evaluation: promoted (nothing to compare with), saying so.
 */
import { InvalidArgumentError } from '../../errors.js';
import type { EvaluationSummary, RankingMetrics } from '../evaluation/metrics.js';
import type { VersionRow } from './model-repo.js';
import type { Promotion, PromotionGate } from './model-registry.js';

export const PROMOTE_METRICS = { ndcg: 'ndcg_at_k', precision: 'precision_at_k', recall: 'recall_at_k', map: 'map_at_k' } as const satisfies Record<string, keyof RankingMetrics>;
export type PromoteMetric = keyof typeof PROMOTE_METRICS;

/** A Train request's gate, validated (undefined = PROMOTE_ALWAYS). */
export interface PromoteParams {
  metric: PromoteMetric;
  tolerance: number;
}

/** Validates the promote fields of a Train request; IF_BETTER needs an evaluation (`hasEvaluation`). */
export function compilePromoteParams(
  req: { promote?: string | number | null; promote_tolerance?: number | null; promote_metric?: string | null }, hasEvaluation: boolean,
): PromoteParams | undefined {
  const policy = req.promote ?? 'PROMOTE_POLICY_UNSPECIFIED';
  const metric = (req.promote_metric || 'ndcg').toLowerCase();
  if (!(metric in PROMOTE_METRICS)) {
    throw new InvalidArgumentError(`promote_metric must be one of ${Object.keys(PROMOTE_METRICS).join(', ')}, got "${req.promote_metric}"`, { field: 'promote_metric' });
  }
  const tolerance = req.promote_tolerance ?? 0;
  if (!Number.isFinite(tolerance) || tolerance < 0) {
    throw new InvalidArgumentError(`promote_tolerance must be a finite number >= 0, got ${req.promote_tolerance}`, { field: 'promote_tolerance' });
  }
  if (policy === 'PROMOTE_ALWAYS' || policy === 1 || policy === 'PROMOTE_POLICY_UNSPECIFIED' || policy === 0) return undefined;
  if (policy !== 'PROMOTE_IF_BETTER' && policy !== 2) throw new InvalidArgumentError(`promote must be PROMOTE_ALWAYS or PROMOTE_IF_BETTER, got ${policy}`, { field: 'promote' });
  if (!hasEvaluation) {
    throw new InvalidArgumentError('promote PROMOTE_IF_BETTER compares evaluations: set evaluation.holdout_fraction (e.g. 0.2)', { field: 'evaluation.holdout_fraction' });
  }
  return { metric: metric as PromoteMetric, tolerance };
}

const fmt = (x: number) => x.toFixed(4);

/** The gate of a new version with `evaluation`: PROMOTE_ALWAYS without params. */
export function promotionGate(params: PromoteParams | undefined, evaluation: EvaluationSummary | undefined): PromotionGate | undefined {
  if (!params) return undefined;
  return (serving: VersionRow | undefined): Promotion => {
    const key = PROMOTE_METRICS[params.metric];
    if (!evaluation) return { promote: false, reason: 'not promoted: the new version has no evaluation' };
    const name = `${params.metric}@${evaluation.k}`;
    const mine = evaluation.model[key];
    if (!serving) return { promote: true, reason: `promoted: no version was serving (${name} ${fmt(mine)})` };
    const theirs = (serving.meta.evaluation as EvaluationSummary | undefined)?.model?.[key];
    if (theirs === undefined) return { promote: true, reason: `promoted: the serving version ${serving.version} has no evaluation to compare with (${name} ${fmt(mine)})` };
    const vs = `${name} ${fmt(mine)} vs ${fmt(theirs)} of the serving version ${serving.version}, tolerance ${params.tolerance}`;
    return mine >= theirs - params.tolerance
      ? { promote: true, reason: `promoted: ${vs}` }
      : { promote: false, reason: `not promoted: ${vs}: worse by ${fmt(theirs - mine)}; the serving version stays` };
  };
}

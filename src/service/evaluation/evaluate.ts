import type { CsrMatrix } from '../../engine/types.js';
import { evaluatePopularity, evaluateRanking, testCounts, type EvaluationSummary } from './metrics.js';
import { splitHoldout } from './split.js';

export { splitHoldout } from './split.js';
export { evaluatePopularity, evaluateRanking, targetPopularity, testCounts, type EvaluationSummary, type RankingMetrics, type RankingInput } from './metrics.js';

export interface HoldoutOptions {
  /** In (0, 1). */
  holdoutFraction: number;
  seed: number;
  /** Cutoff (default 10). */
  k?: number;
}

/**
 * The whole offline evaluation of a training job: split `matrix` (aggregated, as trained), fit factors
 * on the training part with `fit`, and rank the held-out part with them and with the most-popular
 * baseline on the same split. The served model is trained separately (on all of `matrix`) by the caller.
 */
export async function evaluateHoldout(
  matrix: CsrMatrix,
  options: HoldoutOptions,
  fit: (train: CsrMatrix) => Promise<{ sourceFactors: Float32Array; targetFactors: Float32Array; factors: number }>,
): Promise<EvaluationSummary> {
  const k = options.k ?? 10;
  const { train, test } = splitHoldout(matrix, options.holdoutFraction, options.seed);
  const fitted = await fit(train);
  return {
    k,
    holdout_fraction: options.holdoutFraction,
    seed: options.seed,
    ...testCounts(test),
    model: evaluateRanking({ ...fitted, train, test, k }),
    baseline: evaluatePopularity(train, test, k),
  };
}

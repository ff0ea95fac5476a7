import type { CsrMatrix } from '../../engine/types.js';
import { evaluatePopularity, evaluateRanking, testCounts, type EvaluationSummary, type RankingInput } from './metrics.js';
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

/** Fits factors on the train part; `o.moveMatrix`: `train` is the fit's to take over (the caller keeps its own copy). */
export type HoldoutFit = (train: CsrMatrix, o?: { moveMatrix?: boolean }) => Promise<{ sourceFactors: Float32Array; targetFactors: Float32Array; factors: number }>;

export type HoldoutSummaryPart = Pick<EvaluationSummary, 'test_interactions' | 'test_sources' | 'model' | 'baseline'>;

/** Where the split and the ranking run: on the caller's thread (LOCAL_HOLDOUT_STEPS) or a worker's (evaluate-in-worker.ts). */
export interface HoldoutSteps {
  /** splitHoldout, and optionally a second copy of `train` for the fit to take over. */
  split(matrix: CsrMatrix, fraction: number, seed: number): Promise<{ train: CsrMatrix; test: CsrMatrix; trainCopy?: CsrMatrix }>;
  /** summarizeHoldout of the fitted factors on the split. */
  summarize(input: Omit<RankingInput, 'candidates'>): Promise<HoldoutSummaryPart>;
}

/** The test counts, the model's ranking metrics and the most-popular baseline's, on one split. */
export function summarizeHoldout(input: Omit<RankingInput, 'candidates'>): HoldoutSummaryPart {
  return { ...testCounts(input.test), model: evaluateRanking(input), baseline: evaluatePopularity(input.train, input.test, input.k) };
}

export const LOCAL_HOLDOUT_STEPS: HoldoutSteps = {
  split: async (matrix, fraction, seed) => splitHoldout(matrix, fraction, seed),
  summarize: async (input) => summarizeHoldout(input),
};

/**
 * The whole offline evaluation of a training job: split `matrix` (aggregated, as trained), fit factors
 * on the training part with `fit`, and rank the held-out part with them and with the most-popular
 * baseline on the same split. The served model is trained separately (on all of `matrix`) by the caller.
 */
export async function evaluateHoldout(matrix: CsrMatrix, options: HoldoutOptions, fit: HoldoutFit, steps: HoldoutSteps = LOCAL_HOLDOUT_STEPS): Promise<EvaluationSummary> {
  const k = options.k ?? 10;
  const { train, test, trainCopy } = await steps.split(matrix, options.holdoutFraction, options.seed);
  const fitted = await fit(trainCopy ?? train, { moveMatrix: trainCopy !== undefined });
  return {
    k,
    holdout_fraction: options.holdoutFraction,
    seed: options.seed,
    ...(await steps.summarize({ ...fitted, train, test, k })),
  };
}

/**
 * A job's hyperparameters as Spark MLlib's ALS takes them, with the same meaning as on our own engine.
 *
 *   ours                         Spark ALS                  meaning
 *   factors                      rank
 *   iterations                   maxIter                    full sweeps (Spark: items, then users)
 *   regularization               regParam                   lambda, scaled by each row's count (below)
 *   alpha                        alpha                      confidence c = 1 + alpha * w
 *   seed                         seed                       factor initialisation (Spark's own draw)
 *   log_scaling, log_epsilon     (applied to w on export)   w -> log(1 + w / epsilon) before 1 + alpha * w
 *   (always)                     implicitPrefs = true       preference 1 where w > 0
 *   (server: --spark-checkpoint-interval)  checkpointInterval
 *   (server: --spark-blocks)     numUserBlocks, numItemBlocks
 *   cg_steps, workers, solver    -                          Spark solves every row exactly (Cholesky)
 *
 * Spark's objective is Hu, Koren & Volinsky's (the whole Gram term) with lambda_u = regParam * n_u (n_u: the
 * row's count of interactions; "ALS-WR", Zhou et al. 2008). In the frequency-scaled form of our
 * Hyperparameters, lambda_u = regularization * (n_u + regularization_frequency_weight * n)^regularization_exponent
 * with the unobserved weight on the Gram term, that is regularization_exponent 1,
 * regularization_frequency_weight 0 and unobserved_weight 1 (SPARK_OBJECTIVE): a spark job takes those
 * values when they are left out, refuses others (Spark has no other), and its model stores them, so that
 * fold-in on it solves Spark's row update and its loss is the engine's objective. Because lambda is scaled per row, a good
 * `regularization` for Spark is two orders of magnitude below our constant-lambda default;
 * SPARK_DEFAULT_REGULARIZATION is chosen on MovieLens as ours is (bench/README.md, "Spark").
 */
import type { CompiledAlsOptions } from '../../engine/options.js';
import { InvalidArgumentError } from '../../errors.js';
import type { Hyperparameters__Output } from '../../gen/recommender/v1/Hyperparameters.js';
import type { SparkAlsParams } from './job-spec.js';
import type { SparkSettings } from './settings.js';

/** The regularization of a spark job that leaves it out (bench/README.md, "Spark"). */
export const SPARK_DEFAULT_REGULARIZATION = 0.3;
/** Spark ALS's own default block count. */
const SPARK_DEFAULT_BLOCKS = 10;
/** Spark's objective in our frequency-scaled terms (module comment). */
export const SPARK_OBJECTIVE = { regularizationExponent: 1, regularizationFrequencyWeight: 0, unobservedWeight: 1 } as const;

const F = 'hyperparameters.';

/** Refuses what Spark's ALS cannot do (INVALID_ARGUMENT naming the field). */
export function validateSparkHyperparameters(h: Hyperparameters__Output | null | undefined): void {
  if (!h) return;
  const fixed = [
    ['regularization_exponent', h.regularization_exponent, SPARK_OBJECTIVE.regularizationExponent],
    ['regularization_frequency_weight', h.regularization_frequency_weight, SPARK_OBJECTIVE.regularizationFrequencyWeight],
    ['unobserved_weight', h.unobserved_weight, SPARK_OBJECTIVE.unobservedWeight],
  ] as const;
  for (const [name, v, spark] of fixed) {
    if (v !== undefined && v !== null && v !== spark) {
      throw new InvalidArgumentError(
        `${name} ${v} is not available on the spark backend: Spark's ALS scales lambda by each row's count (ALS-WR), which is regularization_exponent 1, regularization_frequency_weight 0, unobserved_weight 1 (README "Training on a Spark cluster")`,
        { field: F + name },
      );
    }
  }
  if (h.solver) {
    throw new InvalidArgumentError(`solver "${h.solver}" does not apply to the spark backend: Spark's ALS solves every row exactly (Cholesky)`, { field: F + 'solver' });
  }
}

/** Spark ALS's parameters for a job's compiled options and the server's Spark settings. */
export function sparkAlsParams(o: CompiledAlsOptions, s: SparkSettings): SparkAlsParams {
  const blocks = s.blocks || SPARK_DEFAULT_BLOCKS;
  return {
    rank: o.factors, maxIter: o.iterations, regParam: o.regularization, alpha: o.alpha, implicitPrefs: true, seed: o.seed,
    checkpointInterval: s.checkpointInterval > 0 ? s.checkpointInterval : -1, numUserBlocks: blocks, numItemBlocks: blocks,
  };
}

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
 * Spark's objective is Hu, Koren & Volinsky's with lambda_u = regParam * n_u (n_u: the row's count of
 * interactions; "ALS-WR", Zhou et al. 2008). In the frequency-scaled form of our Hyperparameters,
 * lambda_u = regularization * (n_u + unobserved_weight * n)^regularization_exponent, that is
 * regularization_exponent = 1 with unobserved_weight = 0: a spark job takes those values when they are
 * left out and refuses others (Spark has no other). Because lambda is scaled per row, a good
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
export const SPARK_REGULARIZATION_EXPONENT = 1;
export const SPARK_UNOBSERVED_WEIGHT = 0;

const F = 'hyperparameters.';

/** Refuses what Spark's ALS cannot do (INVALID_ARGUMENT naming the field). */
export function validateSparkHyperparameters(h: Hyperparameters__Output | null | undefined): void {
  if (!h) return;
  const fixed = [['regularization_exponent', h.regularization_exponent, SPARK_REGULARIZATION_EXPONENT], ['unobserved_weight', h.unobserved_weight, SPARK_UNOBSERVED_WEIGHT]] as const;
  for (const [name, v, spark] of fixed) {
    if (v !== undefined && v !== null && v !== spark) {
      throw new InvalidArgumentError(`${name} ${v} is not available on the spark backend: Spark's ALS scales lambda by each row's count (ALS-WR), which is ${name} ${spark} (README "Training on a Spark cluster")`, { field: F + name });
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

/**
 * Data-aware defaults (issue 13): values for the hyperparameters a Train call left unset, chosen from the
 * selected matrix's statistics (matrix-stats.ts, computed by the selection worker), each with the reason
 * a user reads in GetModel's `chosen` and the job's log. Explicit values are always kept. Pure and cheap
 * (a few arithmetic operations on the statistics).
 *
 * The weights w are read as one of three shapes:
 *   binary        every weight equal (check-ins, clicks, purchases)
 *   counts        heavy-tailed: q99 >= 20 q50 or max >= 100 q50 (play counts, views)
 *   ratings-like  anything else (bounded scores with few distinct values, light-tailed counts)
 * and the choices follow from the objective's scale. With c = 1 + alpha w' (w' = w, or log(1 + w / eps)
 * under log scaling), dividing the objective by alpha shows that only lambda / alpha and the weight of
 * an observed entry relative to an unobserved one, alpha w', shape the solution; so
 *   log_scaling    true for counts, epsilon 1 (w' = log(1 + w)): the tail would otherwise make a few
 *                  pairs outweigh whole rows; false for the other shapes
 *   alpha          so that alpha * mean(w') = TARGET_CONFIDENCE * sqrt(REFERENCE_DENSITY / density) (bounded):
 *                  the mean observed entry outweighs an unobserved one 3.5 times at MovieLens' density,
 *                  more on sparser data (the unobserved entries of a row are more and each observed one rarer)
 *   regularization (30 / 3.5) * alpha * mean(w') * sqrt(density / REFERENCE_DENSITY): with alpha's rule, 30
 *                  (MovieLens' measured optimum) unless alpha's density factor is bounded
 * Constants measured with bench/quality.ts (grid sweeps on ml-latest-small and the planted play counts
 * and check-ins, bench/README.md "Quality"). The frequency-scaled regularization (regularization_exponent,
 * unobserved_weight), factors, iterations and the solver are not chosen: they keep the engine's defaults.
 * Backend "spark" has its own objective (ALS-WR): only the weight transform (log_scaling, log_epsilon) is
 * chosen there; regularization keeps Spark's default and alpha the engine's.
 */
import type { MatrixStats } from './matrix-stats.js';
import type { AlsOptions } from './options.js';

/** A hyperparameter chosen because the call left it unset (proto HyperparameterChoice). */
export interface HyperparameterChoice {
  /** The Hyperparameters field name (snake_case), e.g. "regularization". */
  name: string;
  /** The value as text ("30", "true"). */
  value: string;
  reason: string;
}

export type WeightShape = 'binary' | 'counts' | 'ratings-like';

/** Heavy tail: q99 at least this many times the median, or the max at least HEAVY_MAX_RATIO times it. */
export const HEAVY_Q99_RATIO = 20;
export const HEAVY_MAX_RATIO = 100;
/**
 * alpha * mean(w') at the reference density: the mean observed entry outweighs an unobserved one this
 * many times (ml-latest-small: density 0.017, best alpha 1 on mean rating 3.5).
 */
export const TARGET_CONFIDENCE = 3.5;
export const REFERENCE_DENSITY = 0.017;
/** alpha * mean(w') grows as (REFERENCE_DENSITY / density)^DENSITY_EXPONENT: sparser rows need each entry to weigh more. */
export const DENSITY_EXPONENT = 0.5;
/** ... within these bounds of TARGET_CONFIDENCE. */
const DENSITY_FACTOR_MIN = 0.25, DENSITY_FACTOR_MAX = 10;
/**
 * lambda = REG_PER_CONFIDENCE * alpha * mean(w') * sqrt(density / REFERENCE_DENSITY): it grows with the
 * observed confidence and shrinks on sparse data as alpha grows there, so that it stays at MovieLens'
 * measured optimum, 30, wherever alpha's density factor is not bounded. (A share of a mean row's observed
 * mass fitted the three calibration sets but not planted ratings with shorter rows: 0.82x.)
 */
export const REG_PER_CONFIDENCE = 30 / 3.5;
const REG_MIN = 0.01;

export function weightShape(s: MatrixStats): WeightShape {
  const w = s.weights;
  if (w.distinct === 1) return 'binary';
  if (w.q50 > 0 && (w.q99 >= HEAVY_Q99_RATIO * w.q50 || w.max >= HEAVY_MAX_RATIO * w.q50)) return 'counts';
  return 'ratings-like';
}

const num = (x: number) => String(+x.toPrecision(3));

/**
 * The options to compile (`requested` with the chosen values filled in) and what was chosen. Only
 * undefined fields of `requested` are filled.
 */
export function chooseDefaults(stats: MatrixStats, requested: AlsOptions): { options: AlsOptions; chosen: HyperparameterChoice[] } {
  const options: AlsOptions = { ...requested };
  const chosen: HyperparameterChoice[] = [];
  if (stats.nnz === 0) return { options, chosen };
  const w = stats.weights;
  const shape = weightShape(stats);
  const described = shape === 'binary' ? `all ${stats.nnz} weights are ${num(w.max)} (binary)`
    : shape === 'counts' ? `heavy-tailed weights (median ${num(w.q50)}, q99 ${num(w.q99)}, max ${num(w.max)})`
      : `ratings-like weights (${num(w.min)}..${num(w.max)}, median ${num(w.q50)}, q99 ${num(w.q99)})`;
  if (options.logScaling === undefined) {
    options.logScaling = shape === 'counts';
    chosen.push({ name: 'log_scaling', value: String(options.logScaling), reason: shape === 'counts'
      ? `${described}: w -> log(1 + w / log_epsilon), so the tail does not outweigh whole rows`
      : `${described}: used as they are` });
  }
  if (options.logScaling && options.logEpsilon === undefined) {
    options.logEpsilon = 1;
    chosen.push({ name: 'log_epsilon', value: '1', reason: 'counts from 1 up: w -> log(1 + w)' });
  }
  // The mean weight after the transform the model uses.
  const eps = options.logEpsilon ?? 1;
  const meanW = options.logScaling ? (eps === 1 ? w.logMean : Math.log1p(w.mean / eps)) : w.mean;
  if (!(meanW > 0)) return { options, chosen };
  // Spark's objective is its own (ALS-WR): only the weight transform is chosen for it.
  if (options.backend === 'spark') return { options, chosen };
  const rowMean = stats.rowLengths.mean;
  if (options.alpha === undefined) {
    const factor = Math.min(DENSITY_FACTOR_MAX, Math.max(DENSITY_FACTOR_MIN, Math.pow(REFERENCE_DENSITY / stats.density, DENSITY_EXPONENT)));
    options.alpha = round(TARGET_CONFIDENCE * factor / meanW);
    chosen.push({ name: 'alpha', value: num(options.alpha), reason: `density ${stats.density.toExponential(2)} and mean ${options.logScaling ? 'scaled ' : ''}weight ${num(meanW)}: an observed pair weighs ${num(options.alpha * meanW)}x an unobserved one on average (c = 1 + alpha w; sparser data, more)` });
  }
  if (options.regularization === undefined) {
    const conf = options.alpha * meanW;
    const sparsity = Math.sqrt(stats.density / REFERENCE_DENSITY);
    options.regularization = round(Math.max(REG_MIN, REG_PER_CONFIDENCE * conf * sparsity));
    chosen.push({ name: 'regularization', value: num(options.regularization), reason: `${num(REG_PER_CONFIDENCE)} x the mean observed confidence ${num(conf)} x sqrt(density ${stats.density.toExponential(2)} / ${REFERENCE_DENSITY}) (${num(rowMean)} pairs per source; ${stats.rows} sources, ${stats.cols} targets)` });
  }
  return { options, chosen };
}

/** Three significant digits (the value the reason shows is the value trained with). */
function round(x: number): number {
  return +x.toPrecision(3);
}

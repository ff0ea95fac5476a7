/**
 * The objective of als-driver.ts evaluated in float64 on given factors, whoever trained them (our solvers,
 * Spark's ALS, benfred/implicit), exact over all m n pairs without visiting the unobserved ones:
 *
 *   L = sum_{(u,i) in S} [c_ui (1 - s_ui)^2 - alpha0 s_ui^2] + alpha0 <X^T X, Y^T Y> + sum_u lambda_u |x_u|^2 + sum_i lambda_i |y_i|^2
 *
 * divided by the total weight sum_S c_ui + alpha0 (m n - |S|), as the driver reports its loss curve
 * (lambda_u from regularization.ts, c_ui from confidence.ts). reference.ts's `referenceLoss` sums the same
 * L pair by pair (O(m n k)) and checks this one.
 */
import { confidences } from './confidence.js';
import type { CompiledAlsOptions } from './options.js';
import { gram } from './reference.js';
import { rowLambda } from './regularization.js';
import type { CsrMatrix } from './types.js';

export type ObjectiveOptions = Pick<
  CompiledAlsOptions,
  'factors' | 'alpha' | 'logScaling' | 'logEpsilon' | 'regularization' | 'regularizationExponent' | 'unobservedWeight' | 'regularizationFrequencyWeight'
>;

/** L / total weight (module comment) of factors `x` (m x k) and `y` (n x k) on `m`'s weights. */
export function objective(m: CsrMatrix, x: ArrayLike<number>, y: ArrayLike<number>, o: ObjectiveOptions): number {
  const k = o.factors, alpha0 = o.unobservedWeight;
  const conf = confidences(m.data, o.alpha, o.logScaling, o.logEpsilon);
  let sparse = 0, total = alpha0 * (m.rows * m.cols - m.indices.length);
  const colCounts = new Int32Array(m.cols);
  for (let u = 0; u < m.rows; u++) {
    for (let j = m.indptr[u]!; j < m.indptr[u + 1]!; j++) {
      const i = m.indices[j]!;
      let s = 0;
      for (let f = 0; f < k; f++) s += x[u * k + f]! * y[i * k + f]!;
      const c = conf[j]!;
      sparse += c * (1 - s) * (1 - s) - alpha0 * s * s;
      total += c;
      colCounts[i]!++;
    }
  }
  const xtx = gram(x, m.rows, k), yty = gram(y, m.cols, k);
  let dense = 0;
  for (let q = 0; q < k * k; q++) dense += xtx[q]! * yty[q]!;
  const penalty = (f: ArrayLike<number>, rows: number, count: (r: number) => number, otherRows: number) => {
    let s = 0;
    for (let r = 0; r < rows; r++) {
      let sq = 0;
      for (let a = 0; a < k; a++) sq += f[r * k + a]! * f[r * k + a]!;
      if (sq > 0) s += rowLambda(o, count(r), otherRows) * sq;
    }
    return s;
  };
  const reg = penalty(x, m.rows, (u) => m.indptr[u + 1]! - m.indptr[u]!, m.cols) + penalty(y, m.cols, (i) => colCounts[i]!, m.rows);
  return (sparse + alpha0 * dense + reg) / total;
}

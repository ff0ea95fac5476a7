/**
 * Slow, obvious float64 reference of implicit-feedback ALS (the objective and update in als-driver.ts:
 * Hu, Koren, Volinsky 2008, doi:10.1109/ICDM.2008.22, with Rendle et al.'s unobserved weight alpha0 and
 * frequency-scaled lambda_u), kept beside the fast solvers for tests and the quality anchor: every row
 * update is the exact A_u w_u = b_u, its k x k system formed and solved by our own Cholesky factorisation
 * in float64 (rows without data get x_u = 0), and the loss is summed over every (u, i) pair by its
 * definition. It shares no code with the fast solvers but the CSR rule, the confidences, lambda_u's formula
 * (regularization.ts, here in float64) and the initial factors, so it checks them independently.
 */
import { choleskySolve } from './cholesky.js';
import { confidences } from './confidence.js';
import { rowCounts, transposeCsr, validateCsr } from './csr.js';
import { initFactors } from './init.js';
import type { CompiledAlsOptions } from './options.js';
import { rowLambdas } from './regularization.js';
import type { CsrMatrix } from './types.js';

/** Y^T Y of a row-major rows x k matrix, in float64. */
export function gram(y: ArrayLike<number>, rows: number, k: number): Float64Array {
  const g = new Float64Array(k * k);
  for (let r = 0; r < rows; r++) {
    const o = r * k;
    for (let a = 0; a < k; a++) {
      const ya = y[o + a];
      if (ya === 0) continue;
      for (let b = 0; b < k; b++) g[a * k + b] += ya * y[o + b];
    }
  }
  return g;
}

/**
 * Exact update of every row of X given Y (one half-sweep). `m` is the side being solved (rows = X's rows,
 * cols = Y's rows); `conf` is the confidence of each nonzero of m, `lambdas` each row's lambda_u, `alpha0`
 * the unobserved weight. Returns the new X (float64).
 */
export function referenceHalfSweep(m: CsrMatrix, conf: ArrayLike<number>, y: ArrayLike<number>, k: number, lambdas: ArrayLike<number>, alpha0 = 1): Float64Array {
  const yty = gram(y, m.cols, k);
  const x = new Float64Array(m.rows * k);
  const a = new Float64Array(k * k);
  const b = new Float64Array(k);
  for (let u = 0; u < m.rows; u++) {
    const start = m.indptr[u], end = m.indptr[u + 1];
    if (end === start) continue; // no data: x_u = 0
    for (let q = 0; q < k * k; q++) a[q] = alpha0 * yty[q]; // alpha0 Y^T Y
    for (let d = 0; d < k; d++) a[d * k + d] += lambdas[u];
    b.fill(0);
    for (let j = start; j < end; j++) {
      const o = m.indices[j] * k;
      const c = conf[j];
      for (let p = 0; p < k; p++) {
        const yp = y[o + p];
        b[p] += c * yp; // Y^T C^u p(u), p_ui = 1 on nonzeros
        for (let q = 0; q < k; q++) a[p * k + q] += (c - alpha0) * yp * y[o + q]; // sum (c_ui - alpha0) y_i y_i^T
      }
    }
    if (!choleskySolve(a, b, k)) throw new Error(`reference: system of row ${u} is not positive definite (regularization 0?)`);
    x.set(b, u * k);
  }
  return x;
}

/**
 * L(X, Y) by the definition, summing over every (u, i) pair: O(rows * cols * k), the weight of an unobserved
 * pair being alpha0. `lambdas` holds lambda_u of X's rows, then lambda_i of Y's rows. Returns L and the total
 * weight sum_S c_ui + alpha0 (m n - |S|).
 */
export function referenceLoss(m: CsrMatrix, conf: ArrayLike<number>, x: ArrayLike<number>, y: ArrayLike<number>, k: number, lambdas: { rows: ArrayLike<number>; cols: ArrayLike<number> }, alpha0 = 1): { loss: number; totalConfidence: number } {
  let loss = 0, total = 0;
  const row = new Float64Array(m.cols); // c_ui of this row (0 = no data)
  for (let u = 0; u < m.rows; u++) {
    row.fill(0);
    for (let j = m.indptr[u]; j < m.indptr[u + 1]; j++) row[m.indices[j]] = conf[j];
    for (let i = 0; i < m.cols; i++) {
      let s = 0;
      for (let f = 0; f < k; f++) s += x[u * k + f] * y[i * k + f];
      const c = row[i] > 0 ? row[i] : alpha0, p = row[i] > 0 ? 1 : 0;
      loss += c * (p - s) * (p - s);
      total += c;
    }
  }
  let reg = 0;
  for (let j = 0; j < m.rows * k; j++) reg += lambdas.rows[Math.floor(j / k)] * x[j] * x[j];
  for (let j = 0; j < m.cols * k; j++) reg += lambdas.cols[Math.floor(j / k)] * y[j] * y[j];
  return { loss: loss + reg, totalConfidence: total };
}

export interface ReferenceResult {
  sourceFactors: Float64Array;
  targetFactors: Float64Array;
  /** L / sum c_ui after each iteration (only when `withLoss`; the dense loss is O(rows * cols * k)). */
  lossCurve: number[];
}

/** Full reference training from the same initial point as the tensor solver (see init.ts). */
export type ReferenceOptions = Pick<
  CompiledAlsOptions,
  'factors' | 'regularization' | 'regularizationExponent' | 'unobservedWeight' | 'regularizationFrequencyWeight' | 'alpha' | 'iterations' | 'seed' | 'logScaling' | 'logEpsilon'
>;

export function referenceAls(m: CsrMatrix, o: ReferenceOptions, withLoss = false): ReferenceResult {
  const k = o.factors;
  const alpha0 = o.unobservedWeight;
  validateCsr(m);
  const t = transposeCsr(m);
  const confRows = confidences(m.data, o.alpha, o.logScaling, o.logEpsilon);
  const confCols = confidences(t.data, o.alpha, o.logScaling, o.logEpsilon);
  const lambdas = { rows: rowLambdas(o, m.indptr, m.cols), cols: rowLambdas(o, t.indptr, t.cols) };
  let x: Float64Array = Float64Array.from(initFactors(rowCounts(m.indptr), k, o.seed, 0));
  let y: Float64Array = Float64Array.from(initFactors(rowCounts(t.indptr), k, o.seed, 1));
  const lossCurve: number[] = [];
  for (let it = 0; it < o.iterations; it++) {
    x = referenceHalfSweep(m, confRows, y, k, lambdas.rows, alpha0);
    y = referenceHalfSweep(t, confCols, x, k, lambdas.cols, alpha0);
    if (withLoss) {
      const { loss, totalConfidence } = referenceLoss(m, confRows, x, y, k, lambdas, alpha0);
      lossCurve.push(loss / totalConfidence);
    }
  }
  return { sourceFactors: x, targetFactors: y, lossCurve };
}

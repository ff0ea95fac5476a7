/**
 * Frequency-scaled regularization (Rendle, Krichene, Zhang, Koren, "Revisiting the Performance of iALS on
 * Item Recommendation Benchmarks", RecSys 2022): the one place that computes a row's lambda_r (the
 * objective is in als-driver.ts). For a row r with n_r interactions, the other side having N rows:
 *
 *   lambda_r = lambda * (n_r + w * N)^nu,   w = regularization_frequency_weight, by default alpha0
 *
 * The paper has w = alpha0 (the unobserved weight, whose Gram term alpha0 Y^T Y is the mass of the N - n_r
 * unobserved pairs); w is its own option so that the count alone can be used with the whole Gram term.
 * nu = 0 gives the constant lambda of Hu, Koren & Volinsky; nu = 1 with w = 0 and alpha0 = 1 is ALS-WR
 * (Zhou et al. 2008), lambda * n_r, as Spark's implicit ALS minimises it. The solvers split
 * lambda_r = base + extra_r: `base` is folded once into the shared matrix A0 = alpha0 Y^T Y + base I,
 * `extra_r` is added per row. With nu = 0,
 * base = lambda and there is no per-row part at all (so those models are the constant-lambda ones bit for
 * bit); otherwise base = 0 and extra_r = lambda_r, stored as float32 (the fast solvers' precision).
 * Computed in float64 ((n_r + w N)^nu, N up to 2^31, nu <= 2); a lambda_r beyond float32's range is refused.
 */
import { InvalidArgumentError } from '../errors.js';
import type { CompiledAlsOptions } from './options.js';

export type RegOptions = Pick<CompiledAlsOptions, 'regularization' | 'regularizationExponent' | 'unobservedWeight' | 'regularizationFrequencyWeight'>;

/** w, the weight of N in lambda_r: regularizationFrequencyWeight when set, otherwise alpha0. */
export function frequencyWeight(o: Pick<RegOptions, 'unobservedWeight' | 'regularizationFrequencyWeight'>): number {
  return o.regularizationFrequencyWeight ?? o.unobservedWeight;
}

/** lambda_r of a row with `count` interactions when the other side has `otherRows` rows (float64). */
export function rowLambda(o: RegOptions, count: number, otherRows: number): number {
  if (o.regularizationExponent === 0) return o.regularization;
  return o.regularization * Math.pow(count + frequencyWeight(o) * otherRows, o.regularizationExponent);
}

/** lambda_r of every row of a CSR side (float64, for the reference solver and tests). */
export function rowLambdas(o: RegOptions, indptr: Int32Array, otherRows: number): Float64Array {
  const rows = indptr.length - 1;
  const out = new Float64Array(rows);
  for (let r = 0; r < rows; r++) out[r] = rowLambda(o, indptr[r + 1]! - indptr[r]!, otherRows);
  return out;
}

/** The shared part of lambda_r (see the module comment). */
export function baseLambda(o: RegOptions): number {
  return o.regularizationExponent === 0 ? o.regularization : 0;
}

/** The per-row part lambda_r - base of a side as float32, or undefined when it is 0 for every row (nu = 0). */
export function extraLambdas(o: RegOptions, indptr: Int32Array, otherRows: number): Float32Array | undefined {
  if (o.regularizationExponent === 0) return undefined;
  const out = Float32Array.from(rowLambdas(o, indptr, otherRows));
  for (let r = 0; r < out.length; r++) {
    if (!Number.isFinite(out[r])) {
      throw new InvalidArgumentError(
        `regularization * (n + regularization_frequency_weight * N)^regularization_exponent overflows float32 at row ${r}: lower regularization or regularization_exponent`,
        { field: 'hyperparameters.regularization_exponent' },
      );
    }
  }
  return out;
}

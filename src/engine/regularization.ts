/**
 * Frequency-scaled regularization (Rendle, Krichene, Zhang, Koren, "Revisiting the Performance of iALS on
 * Item Recommendation Benchmarks", RecSys 2022): the one place that computes a row's lambda_r (the
 * objective is in als-driver.ts). For a row r with n_r interactions, the other side having N rows:
 *
 *   lambda_r = lambda * (n_r + alpha0 * N)^nu
 *
 * nu = 0 gives the constant lambda of Hu, Koren & Volinsky; nu = 1 with alpha0 = 0 scales it by the row's
 * count as ALS-WR (Zhou et al. 2008) and Spark's ALS do. The solvers split lambda_r = base + extra_r: `base`
 * is folded once into the shared matrix A0 = alpha0 Y^T Y + base I, `extra_r` is added per row. With nu = 0,
 * base = lambda and there is no per-row part at all (so those models are the constant-lambda ones bit for
 * bit); otherwise base = 0 and extra_r = lambda_r, stored as float32 (the fast solvers' precision).
 * Computed in float64: (n_r + alpha0 N)^nu with N up to 2^31 stays finite for nu <= 2 (the option's range).
 */
import { InvalidArgumentError } from '../errors.js';
import type { CompiledAlsOptions } from './options.js';

type RegOptions = Pick<CompiledAlsOptions, 'regularization' | 'regularizationExponent' | 'unobservedWeight'>;

/** lambda_r of a row with `count` interactions when the other side has `otherRows` rows (float64). */
export function rowLambda(o: RegOptions, count: number, otherRows: number): number {
  if (o.regularizationExponent === 0) return o.regularization;
  return o.regularization * Math.pow(count + o.unobservedWeight * otherRows, o.regularizationExponent);
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
        `regularization * (n + unobserved_weight * N)^regularization_exponent overflows float32 at row ${r}: lower regularization or regularization_exponent`,
        { field: 'hyperparameters.regularization_exponent' },
      );
    }
  }
  return out;
}

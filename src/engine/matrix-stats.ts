/**
 * Statistics of a training matrix that the data-aware defaults (defaults.ts) choose from: sizes and
 * density, the weight distribution (quantiles, how many distinct values, whether they are integers) and
 * the row (source) and column (target) length distributions.
 *
 * O(nnz) plus sorts of at most `MAX_SAMPLE` values: the weight quantiles come from every
 * ceil(nnz / MAX_SAMPLE)-th entry (deterministic, exact below that size), the row and column lengths
 * from all of them. A 10M-entry matrix takes well under a second; the service computes them where
 * the matrix is built, on the selection worker (data/selection.ts), never on the event loop.
 */
import type { CsrMatrix } from './types.js';

/** Largest number of values sorted for a quantile. */
const MAX_SAMPLE = 1 << 20;
/** Distinct weight values are counted up to this (beyond: "many"). */
export const DISTINCT_CAP = 64;

export interface Quantiles {
  mean: number;
  min: number;
  q50: number;
  q90: number;
  q99: number;
  max: number;
}

export interface MatrixStats {
  rows: number;
  cols: number;
  nnz: number;
  /** nnz / (rows * cols). */
  density: number;
  /** Of the (sampled) weights. */
  weights: Quantiles & {
    /** Entries the weight statistics were computed over (all up to MAX_SAMPLE, every step-th beyond). */
    sample: number;
    /** Distinct values, counted up to DISTINCT_CAP (DISTINCT_CAP + 1 = more). */
    distinct: number;
    /** Share that are integers. */
    integerShare: number;
    /** Mean of log(1 + w): the mean weight after log scaling with epsilon 1. */
    logMean: number;
  };
  /** Entries per row (sources), over the rows with at least one. */
  rowLengths: Quantiles;
  /** Entries per column (targets), over the columns with at least one. */
  colLengths: Quantiles;
}

function quantiles(sorted: Float64Array | Float32Array | Int32Array, sum: number): Quantiles {
  const n = sorted.length;
  if (n === 0) return { mean: 0, min: 0, q50: 0, q90: 0, q99: 0, max: 0 };
  const q = (p: number) => sorted[Math.min(n - 1, Math.floor(p * n))]!;
  return { mean: sum / n, min: sorted[0]!, q50: q(0.5), q90: q(0.9), q99: q(0.99), max: sorted[n - 1]! };
}

function lengthQuantiles(counts: Int32Array): Quantiles {
  let nonEmpty = 0, sum = 0;
  for (let i = 0; i < counts.length; i++) if (counts[i]! > 0) { nonEmpty++; sum += counts[i]!; }
  const v = new Int32Array(nonEmpty);
  let j = 0;
  for (let i = 0; i < counts.length; i++) if (counts[i]! > 0) v[j++] = counts[i]!;
  return quantiles(v.sort(), sum);
}

export function matrixStats(m: CsrMatrix): MatrixStats {
  const nnz = m.indptr[m.rows]!;
  const step = Math.max(1, Math.ceil(nnz / MAX_SAMPLE));
  const sample = new Float32Array(Math.ceil(nnz / step));
  let s = 0, sum = 0, logSum = 0, integers = 0;
  const distinct = new Set<number>();
  for (let e = 0; e < nnz; e += step) {
    const w = m.data[e]!;
    sample[s++] = w;
    sum += w;
    logSum += Math.log1p(w);
    if (Number.isInteger(w)) integers++;
    if (distinct.size <= DISTINCT_CAP) distinct.add(w);
  }
  const rowCounts = new Int32Array(m.rows);
  for (let r = 0; r < m.rows; r++) rowCounts[r] = m.indptr[r + 1]! - m.indptr[r]!;
  const colCounts = new Int32Array(m.cols);
  for (let e = 0; e < nnz; e++) colCounts[m.indices[e]!]!++;
  return {
    rows: m.rows,
    cols: m.cols,
    nnz,
    density: m.rows > 0 && m.cols > 0 ? nnz / (m.rows * m.cols) : 0,
    weights: { ...quantiles(sample.subarray(0, s).sort(), sum), sample: s, distinct: distinct.size, integerShare: s > 0 ? integers / s : 0, logMean: s > 0 ? logSum / s : 0 },
    rowLengths: lengthQuantiles(rowCounts),
    colLengths: lengthQuantiles(colCounts),
  };
}

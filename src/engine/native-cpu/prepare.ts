/**
 * Setup of a native-cpu training run: checks the CSR, turns weights into confidences (once), builds the
 * item-side (transposed) CSR, splits both sides into chunks of about equal work, and draws the seeded
 * initial factors. All of it is O(N + (m + n) k) and runs once.
 */
import { InvalidArgumentError } from '../../errors.js';
import type { CsrMatrix } from '../types.js';

export interface ConfidenceRule {
  alpha: number;
  logScaling: boolean;
  logEpsilon: number;
}

export function checkMatrix(m: CsrMatrix): void {
  const { rows, cols, indptr, indices, data } = m;
  if (!Number.isInteger(rows) || rows < 0 || !Number.isInteger(cols) || cols < 0) {
    throw new InvalidArgumentError(`matrix shape must be non-negative integers, got ${rows} x ${cols}`, { field: 'matrix' });
  }
  if (indptr.length !== rows + 1 || indptr[0] !== 0) {
    throw new InvalidArgumentError(`indptr must have rows + 1 = ${rows + 1} entries starting at 0`, { field: 'matrix.indptr' });
  }
  const nnz = indptr[rows];
  if (indices.length < nnz || data.length < nnz) {
    throw new InvalidArgumentError(`indices/data shorter than indptr[rows] = ${nnz}`, { field: 'matrix.indices' });
  }
  for (let r = 0; r < rows; r++) {
    if (indptr[r + 1] < indptr[r]) throw new InvalidArgumentError(`indptr decreases at row ${r}`, { field: 'matrix.indptr' });
  }
  for (let j = 0; j < nnz; j++) {
    const c = indices[j];
    if (c < 0 || c >= cols) throw new InvalidArgumentError(`column index ${c} out of range 0..${cols - 1} at entry ${j}`, { field: 'matrix.indices' });
    const w = data[j];
    if (!Number.isFinite(w) || w < 0) throw new InvalidArgumentError(`weight ${w} at entry ${j} is not a finite non-negative number`, { field: 'matrix.data' });
  }
}

/** c = 1 + alpha w, or 1 + alpha log(1 + w / eps) with log scaling; written into `out`. Returns sum c. */
export function confidences(data: Float32Array, nnz: number, rule: ConfidenceRule, out: Float32Array): number {
  const { alpha, logScaling, logEpsilon } = rule;
  let sum = 0;
  for (let j = 0; j < nnz; j++) {
    const w = data[j];
    const c = 1 + alpha * (logScaling ? Math.log1p(w / logEpsilon) : w);
    out[j] = c;
    sum += out[j];
  }
  return sum;
}

/** Transposes (indptr, indices, conf) of a rows x cols CSR into the cols x rows CSR given as out*. */
export function transpose(
  rows: number,
  cols: number,
  indptr: Int32Array,
  indices: Int32Array,
  conf: Float32Array,
  outIndptr: Int32Array,
  outIndices: Int32Array,
  outConf: Float32Array,
): void {
  const nnz = indptr[rows];
  outIndptr.fill(0);
  for (let j = 0; j < nnz; j++) outIndptr[indices[j] + 1]++;
  for (let c = 0; c < cols; c++) outIndptr[c + 1] += outIndptr[c];
  const next = outIndptr.slice(0, cols);
  for (let r = 0; r < rows; r++) {
    for (let j = indptr[r]; j < indptr[r + 1]; j++) {
      const at = next[indices[j]]++;
      outIndices[at] = r;
      outConf[at] = conf[j];
    }
  }
}

/**
 * Chunk boundaries of about equal work (row cost ~ nnz + k/2 + 1: the k x k product is ~k/2 entries'
 * worth). The split depends only on the data, k and chunkNonzeros, never on the worker count, so loss
 * sums (taken in chunk order) are the same for any number of workers. At least ~64 chunks when rows allow.
 */
export function chunkBounds(indptr: Int32Array, rows: number, k: number, chunkNonzeros: number): Int32Array {
  const cost = (r: number) => indptr[r + 1] - indptr[r] + k / 2 + 1;
  let total = 0;
  for (let r = 0; r < rows; r++) total += cost(r);
  const target = Math.max(1, Math.min(chunkNonzeros, total / 64));
  const bounds: number[] = [0];
  let acc = 0;
  for (let r = 0; r < rows; r++) {
    acc += cost(r);
    if (acc >= target) {
      bounds.push(r + 1);
      acc = 0;
    }
  }
  if (bounds[bounds.length - 1] !== rows) bounds.push(rows);
  return Int32Array.from(bounds);
}

/** Seeded uniform [0, scale) initial factors (mulberry32); a given seed always gives the same factors. */
export function initFactors(out: Float32Array, seed: number, scale = 0.01): void {
  let s = seed >>> 0;
  for (let i = 0; i < out.length; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * scale;
  }
}

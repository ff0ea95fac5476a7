/**
 * Setup of a native-cpu training run: checks the CSR, builds the
 * item-side (transposed) CSR and splits both sides into chunks of about equal work. O(N), once.
 * (Confidences and initial factors come from ../confidence.ts and ../init.ts, shared with the tensor path.)
 */
import { InvalidArgumentError } from '../../errors.js';
import type { CsrMatrix } from '../types.js';

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

/** Chunk ids by descending work (ties by id): the claim order (longest processing time first). */
export function claimOrder(indptr: Int32Array, bounds: Int32Array, k: number): Int32Array {
  const n = bounds.length - 1;
  const cost = new Float64Array(n);
  for (let c = 0; c < n; c++) cost[c] = indptr[bounds[c + 1]] - indptr[bounds[c]] + ((bounds[c + 1] - bounds[c]) * (k / 2 + 1));
  return Int32Array.from({ length: n }, (_, c) => c).sort((a, b) => cost[b] - cost[a] || a - b);
}

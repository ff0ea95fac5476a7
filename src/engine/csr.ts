/**
 * The one CSR module: the rule a training matrix obeys (types.ts `CsrMatrix`: columns sorted and
 * distinct within a row, weights finite and > 0), its one validator, its one transpose, and the one
 * builder from (row, col, weight) triplets that the data layer's selection uses. Every backend and the
 * float64 reference take matrices through `validateCsr` and transpose them with `transposeCsr`.
 */
import { InvalidArgumentError } from '../errors.js';
import type { CsrMatrix } from './types.js';

/** Checks every invariant of the CSR rule (O(nnz)); throws InvalidArgumentError naming the field. */
export function validateCsr(m: CsrMatrix): void {
  const bad = (msg: string, field: string) => new InvalidArgumentError(`training matrix: ${msg}`, { field });
  if (!Number.isInteger(m.rows) || m.rows < 0 || !Number.isInteger(m.cols) || m.cols < 0) throw bad('rows/cols must be non-negative integers', 'matrix.shape');
  if (m.indptr.length !== m.rows + 1) throw bad(`indptr has length ${m.indptr.length}, expected rows + 1 = ${m.rows + 1}`, 'matrix.indptr');
  const nnz = m.indices.length;
  if (m.data.length !== nnz) throw bad(`data has length ${m.data.length}, indices ${nnz}`, 'matrix.data');
  if (m.indptr[0] !== 0 || m.indptr[m.rows] !== nnz) throw bad('indptr must start at 0 and end at nnz', 'matrix.indptr');
  for (let r = 0; r < m.rows; r++) {
    const a = m.indptr[r]!, b = m.indptr[r + 1]!;
    if (b < a) throw bad(`indptr decreases at row ${r}`, 'matrix.indptr');
    for (let j = a; j < b; j++) {
      const c = m.indices[j]!;
      if (c < 0 || c >= m.cols) throw bad(`column ${c} of row ${r} out of range 0..${m.cols - 1}`, 'matrix.indices');
      if (j > a && c <= m.indices[j - 1]!) throw bad(`columns of row ${r} not strictly increasing (duplicates must be aggregated)`, 'matrix.indices');
      const w = m.data[j]!;
      if (!(w > 0) || !Number.isFinite(w)) throw bad(`weight ${w} of row ${r} must be finite and > 0`, 'matrix.data');
    }
  }
}

/** start[key] = first slot of each key in a counting sort of `keys` (length buckets + 1). */
function bucketStarts(keys: ArrayLike<number>, count: number, buckets: number): Int32Array {
  const start = new Int32Array(buckets + 1);
  for (let i = 0; i < count; i++) start[keys[i]! + 1]!++;
  for (let b = 0; b < buckets; b++) start[b + 1]! += start[b]!;
  return start;
}

/**
 * The transpose (cols x rows; its rows' columns come out sorted), carrying `values` (default `m.data`;
 * e.g. the entries' confidences) along with the entries.
 */
export function transposeCsr<V extends Float32Array = Float32Array>(m: CsrMatrix, values: V = m.data as V): CsrMatrix & { data: V } {
  const nnz = m.indices.length;
  const indptr = bucketStarts(m.indices, nnz, m.cols);
  const next = indptr.slice(0, m.cols);
  const indices = new Int32Array(nnz);
  const data = new (values.constructor as new (n: number) => V)(nnz);
  for (let r = 0; r < m.rows; r++) {
    for (let j = m.indptr[r]!; j < m.indptr[r + 1]!; j++) {
      const dst = next[m.indices[j]!]!++;
      indices[dst] = r;
      data[dst] = values[j]!;
    }
  }
  return { rows: m.cols, cols: m.rows, indptr, indices, data };
}

/** Entries per row of a CSR (from its indptr). */
export function rowCounts(indptr: Int32Array): Int32Array {
  const n = indptr.length - 1;
  const out = new Int32Array(n);
  for (let r = 0; r < n; r++) out[r] = indptr[r + 1]! - indptr[r]!;
  return out;
}

/**
 * Collects (row, col, weight) triplets in growable typed arrays and turns them into a CSR that obeys the
 * rule: a counting sort by column, then a stable counting sort by row (so columns come out sorted within
 * each row), then adjacent duplicates merged by summing their weights (in float64). O(nnz + rows + cols).
 * The caller pushes weights > 0 only; a sum that is not a finite float32 > 0 fails `validateCsr`.
 */
export class CooBuilder {
  private rowsArr = new Int32Array(1024);
  private colsArr = new Int32Array(1024);
  private weights = new Float64Array(1024);
  length = 0;

  push(row: number, col: number, weight: number): void {
    if (this.length === this.rowsArr.length) this.grow();
    this.rowsArr[this.length] = row;
    this.colsArr[this.length] = col;
    this.weights[this.length] = weight;
    this.length++;
  }

  private grow(): void {
    const n = this.rowsArr.length * 2;
    const r = new Int32Array(n); r.set(this.rowsArr); this.rowsArr = r;
    const c = new Int32Array(n); c.set(this.colsArr); this.colsArr = c;
    const w = new Float64Array(n); w.set(this.weights); this.weights = w;
  }

  /** Builds the CSR matrix (duplicates summed). Frees the triplets. */
  toCsr(rows: number, cols: number): CsrMatrix {
    const n = this.length;
    const R = this.rowsArr, C = this.colsArr, W = this.weights;
    // 1) counting sort by column -> permutation byCol
    const colStart = bucketStarts(C, n, cols);
    const byCol = new Int32Array(n);
    for (let i = 0; i < n; i++) byCol[colStart[C[i]!]!++] = i;
    // 2) stable counting sort of byCol by row
    const rowStart = bucketStarts(R, n, rows);
    const next = rowStart.slice(0, rows);
    const order = new Int32Array(n);
    for (let j = 0; j < n; j++) { const i = byCol[j]!; order[next[R[i]!]!++] = i; }
    // 3) merge duplicates
    const indptr = new Int32Array(rows + 1);
    const indices = new Int32Array(n);
    const sum = new Float64Array(n);
    let nnz = 0;
    for (let r = 0; r < rows; r++) {
      let prev = -1;
      for (let j = rowStart[r]!; j < rowStart[r + 1]!; j++) {
        const i = order[j]!;
        const c = C[i]!;
        if (c === prev) sum[nnz - 1]! += W[i]!;
        else { indices[nnz] = c; sum[nnz] = W[i]!; nnz++; prev = c; }
      }
      indptr[r + 1] = nnz;
    }
    this.rowsArr = new Int32Array(0); this.colsArr = new Int32Array(0); this.weights = new Float64Array(0); this.length = 0;
    return { rows, cols, indptr, indices: indices.slice(0, nnz), data: Float32Array.from(sum.subarray(0, nnz)) };
  }
}

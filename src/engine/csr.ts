import { InvalidArgumentError } from '../errors.js';
import type { CsrMatrix } from './types.js';

/** Checks the CSR invariants the engine relies on (cheap, O(nnz)). */
export function validateCsr(m: CsrMatrix): void {
  const bad = (msg: string, field: string) => new InvalidArgumentError(`training matrix: ${msg}`, { field });
  if (!Number.isInteger(m.rows) || m.rows < 0 || !Number.isInteger(m.cols) || m.cols < 0) throw bad('rows/cols must be non-negative integers', 'matrix.shape');
  if (m.indptr.length !== m.rows + 1) throw bad(`indptr has length ${m.indptr.length}, expected rows + 1 = ${m.rows + 1}`, 'matrix.indptr');
  const nnz = m.indices.length;
  if (m.data.length !== nnz) throw bad(`data has length ${m.data.length}, indices ${nnz}`, 'matrix.data');
  if (m.indptr[0] !== 0 || m.indptr[m.rows] !== nnz) throw bad('indptr must start at 0 and end at nnz', 'matrix.indptr');
  for (let r = 0; r < m.rows; r++) {
    const a = m.indptr[r], b = m.indptr[r + 1];
    if (b < a) throw bad(`indptr decreases at row ${r}`, 'matrix.indptr');
    for (let j = a; j < b; j++) {
      const c = m.indices[j];
      if (c < 0 || c >= m.cols) throw bad(`column ${c} of row ${r} out of range 0..${m.cols - 1}`, 'matrix.indices');
      if (j > a && c <= m.indices[j - 1]) throw bad(`columns of row ${r} not strictly increasing (duplicates must be aggregated)`, 'matrix.indices');
      const w = m.data[j];
      if (!(w > 0) || !Number.isFinite(w)) throw bad(`weight ${w} of row ${r} must be finite and > 0`, 'matrix.data');
    }
  }
}

/** The transpose (CSC of `m` as a CSR of cols x rows), with `data` carried along. */
export function transposeCsr(m: CsrMatrix): CsrMatrix {
  const nnz = m.indices.length;
  const indptr = new Int32Array(m.cols + 1);
  for (let j = 0; j < nnz; j++) indptr[m.indices[j] + 1]++;
  for (let c = 0; c < m.cols; c++) indptr[c + 1] += indptr[c];
  const next = indptr.slice(0, m.cols);
  const indices = new Int32Array(nnz);
  const data = new Float32Array(nnz);
  for (let r = 0; r < m.rows; r++) {
    for (let j = m.indptr[r]; j < m.indptr[r + 1]; j++) {
      const dst = next[m.indices[j]]++;
      indices[dst] = r;
      data[dst] = m.data[j];
    }
  }
  return { rows: m.cols, cols: m.rows, indptr, indices, data };
}

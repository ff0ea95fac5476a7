import type { CsrMatrix } from '../engine/types.js';

/**
 * Collects (row, col, weight) triplets in growable typed arrays and turns them into CSR:
 * a counting sort by column, then a stable counting sort by row (so columns come out sorted within
 * each row), then adjacent duplicates are merged by summing their weights (in float64). O(nnz + rows + cols).
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
    const colStart = new Int32Array(cols + 1);
    for (let i = 0; i < n; i++) colStart[C[i]! + 1]!++;
    for (let c = 0; c < cols; c++) colStart[c + 1]! += colStart[c]!;
    const byCol = new Int32Array(n);
    for (let i = 0; i < n; i++) byCol[colStart[C[i]!]!++] = i;
    // 2) stable counting sort of byCol by row
    const rowStart = new Int32Array(rows + 1);
    for (let i = 0; i < n; i++) rowStart[R[i]! + 1]!++;
    for (let r = 0; r < rows; r++) rowStart[r + 1]! += rowStart[r]!;
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

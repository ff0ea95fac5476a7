import type { CsrMatrix } from '../../engine/types.js';
import { mulberry32 } from '../../util/random.js';

/**
 * Per-interaction holdout split of an aggregated matrix (one entry per (source, target) pair): each
 * entry independently goes to `test` with probability `fraction`, drawn from a generator seeded with
 * `seed` in CSR order, so the same matrix + seed gives the same split. Both halves keep the full shape.
 */
export function splitHoldout(csr: CsrMatrix, fraction: number, seed: number): { train: CsrMatrix; test: CsrMatrix } {
  if (!(fraction > 0 && fraction < 1)) throw new RangeError(`holdout fraction must be in (0, 1), got ${fraction}`);
  const rand = mulberry32(seed);
  const nnz = csr.indptr[csr.rows]!;
  const toTest = new Uint8Array(nnz);
  for (let e = 0; e < nnz; e++) if (rand() < fraction) toTest[e] = 1;
  return splitByMask(csr, toTest);
}

/** Splits every entry of `csr` to `train` or `test` by `toTest` (1 = test), in CSR order; both keep the full shape. */
export function splitByMask(csr: CsrMatrix, toTest: Uint8Array): { train: CsrMatrix; test: CsrMatrix } {
  const nnz = csr.indptr[csr.rows]!;
  let testNnz = 0;
  for (let e = 0; e < nnz; e++) testNnz += toTest[e]!;
  const mk = (count: number): CsrMatrix => ({ rows: csr.rows, cols: csr.cols, indptr: new Int32Array(csr.rows + 1), indices: new Int32Array(count), data: new Float32Array(count) });
  const train = mk(nnz - testNnz);
  const test = mk(testNnz);
  let a = 0, b = 0;
  for (let r = 0; r < csr.rows; r++) {
    for (let e = csr.indptr[r]!; e < csr.indptr[r + 1]!; e++) {
      if (toTest[e]) { test.indices[b] = csr.indices[e]!; test.data[b++] = csr.data[e]!; }
      else { train.indices[a] = csr.indices[e]!; train.data[a++] = csr.data[e]!; }
    }
    train.indptr[r + 1] = a;
    test.indptr[r + 1] = b;
  }
  return { train, test };
}

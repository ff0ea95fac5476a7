import { mulberry32 } from '../../src/util/random.js';
import type { CsrMatrix } from '../../src/engine/types.js';

/** COO triples -> CSR (sorted, duplicates summed). */
export function csrFromTriples(rows: number, cols: number, triples: Array<[number, number, number]>): CsrMatrix {
  const byRow: Map<number, number>[] = Array.from({ length: rows }, () => new Map());
  for (const [r, c, w] of triples) byRow[r].set(c, (byRow[r].get(c) ?? 0) + w);
  const indptr = new Int32Array(rows + 1);
  const indices: number[] = [];
  const data: number[] = [];
  for (let r = 0; r < rows; r++) {
    const entries = [...byRow[r].entries()].sort((a, b) => a[0] - b[0]);
    for (const [c, w] of entries) { indices.push(c); data.push(w); }
    indptr[r + 1] = indices.length;
  }
  return { rows, cols, indptr, indices: Int32Array.from(indices), data: Float32Array.from(data) };
}

/** Uniformly random sparse matrix with integer weights 1..5; some rows/cols may be empty. */
export function randomCsr(rows: number, cols: number, density: number, seed: number): CsrMatrix {
  const r = mulberry32(seed);
  const t: Array<[number, number, number]> = [];
  for (let u = 0; u < rows; u++) for (let i = 0; i < cols; i++) if (r() < density) t.push([u, i, 1 + Math.floor(r() * 5)]);
  return csrFromTriples(rows, cols, t);
}

/**
 * Planted structure: users and items each belong to one of `groups` clusters; a user interacts with an
 * item of its own cluster with probability pIn, any other with pOut. Returns train and held-out test.
 */
export function plantedClusters(users: number, items: number, groups: number, pIn: number, pOut: number, testFraction: number, seed: number) {
  const r = mulberry32(seed);
  const train: Array<[number, number, number]> = [];
  const test: Set<number>[] = Array.from({ length: users }, () => new Set());
  for (let u = 0; u < users; u++) {
    for (let i = 0; i < items; i++) {
      if (r() < (u % groups === i % groups ? pIn : pOut)) {
        if (r() < testFraction) test[u].add(i);
        else train.push([u, i, 1]);
      }
    }
  }
  return { train: csrFromTriples(users, items, train), test };
}

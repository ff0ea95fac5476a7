import { mulberry32 } from '../../src/util/random.js';
import { CooBuilder } from '../../src/engine/csr.js';
import type { CsrMatrix } from '../../src/engine/types.js';

/** COO triples -> CSR (sorted, duplicates summed), through the engine's one builder. */
export function csrFromTriples(rows: number, cols: number, triples: Array<[number, number, number]>): CsrMatrix {
  const b = new CooBuilder();
  for (const [r, c, w] of triples) b.push(r, c, w);
  return b.toCsr(rows, cols);
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

/**
 * `pairs` seeded (row, col) draws, skewed towards low ids on both sides by `skew` (1: uniform; 2: a few
 * heavy rows and popular columns, as real interaction data), weights 1..3 (mostly 1), duplicates summed:
 * O(pairs), for large test matrices.
 */
export function skewedPairs(rows: number, cols: number, pairs: number, seed: number, skew = 2): CsrMatrix {
  const r = mulberry32(seed);
  const b = new CooBuilder();
  for (let j = 0; j < pairs; j++) b.push(Math.floor(rows * r() ** skew), Math.floor(cols * r() ** skew), 1 + Math.floor(3 * r() ** 2));
  return b.toCsr(rows, cols);
}

import type { CsrMatrix } from '../../src/engine/types.js';
import { mulberry32 } from '../../src/util/random.js';

/**
 * The held-out part restricted to `count` of its sources (a seeded shuffle of those with test entries;
 * the others' rows emptied, so the metrics skip them): the benches rank fewer sources on large catalogs.
 */
export function sampleTest(test: CsrMatrix, count: number, seed: number): CsrMatrix {
  const withTest: number[] = [];
  for (let u = 0; u < test.rows; u++) if (test.indptr[u + 1]! > test.indptr[u]!) withTest.push(u);
  if (count >= withTest.length) return test;
  const rand = mulberry32(seed);
  for (let i = withTest.length - 1; i > 0; i--) { const j = Math.floor(rand() * (i + 1)); [withTest[i], withTest[j]] = [withTest[j]!, withTest[i]!]; }
  const keep = new Uint8Array(test.rows);
  for (const u of withTest.slice(0, count)) keep[u] = 1;
  const indptr = new Int32Array(test.rows + 1), indices: number[] = [], data: number[] = [];
  for (let u = 0; u < test.rows; u++) {
    if (keep[u]) for (let e = test.indptr[u]!; e < test.indptr[u + 1]!; e++) { indices.push(test.indices[e]!); data.push(test.data[e]!); }
    indptr[u + 1] = indices.length;
  }
  return { rows: test.rows, cols: test.cols, indptr, indices: Int32Array.from(indices), data: Float32Array.from(data) };
}

/**
 * Seeded factor initialisation, shared by the tensor solver and the reference so that both start from
 * the same point: uniform [0, 0.01) like benfred/implicit, drawn from mulberry32(seed) row by row.
 * Rows without any data start (and stay) at zero, so they never contribute to X^T X.
 */
import { mulberry32 } from '../util/random.js';

/** `rowNnz[r]` = entries of row r; `stream` separates the two sides' random streams. */
export function initFactors(rowNnz: ArrayLike<number>, factors: number, seed: number, stream: number): Float32Array {
  const rows = rowNnz.length;
  const out = new Float32Array(rows * factors);
  const rand = mulberry32((seed ^ Math.imul(stream + 1, 0x9e3779b9)) >>> 0);
  for (let r = 0; r < rows; r++) {
    for (let f = 0; f < factors; f++) {
      const v = rand() * 0.01;
      if (rowNnz[r] > 0) out[r * factors + f] = v;
    }
  }
  return out;
}

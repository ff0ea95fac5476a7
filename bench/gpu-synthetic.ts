/**
 * Seeded power-law implicit-feedback matrix shaped like a given data set (default lastfm-360k:
 * 358,868 sources, 292,385 targets, 17.5M interactions), built straight into CSR.
 *
 * Shape: source activity ~ Zipf(sourceExponent) over source rank (heavy users), target popularity ~
 * Zipf(targetExponent) over target rank (head artists), weights ~ 1 + geometric play counts. Each row draws
 * targets by popularity without repetition until it has its degree, so the total is the requested count
 * (minus rounding) and every (source, target) pair appears at most once, as the engine's CSR contract wants.
 * Deterministic for a seed. Linear time: O(nnz log targets) draws plus a per-row sort.
 */
import type { CsrMatrix } from '../src/engine/types.js';
import { mulberry32 } from '../src/util/random.js';

export interface SyntheticShape {
  rows: number;
  cols: number;
  nnz: number;
  seed?: number;
  sourceExponent?: number;
  targetExponent?: number;
}

export const LASTFM_360K: SyntheticShape = { rows: 358_868, cols: 292_385, nnz: 17_500_000 };

/** Seeded uniform [0, 1) (mulberry32). */
export const rng = mulberry32;

/** Cumulative Zipf weights (r + 1)^-s over n ranks, normalised to end at 1. */
function zipfCdf(n: number, s: number): Float64Array {
  const cdf = new Float64Array(n);
  let acc = 0;
  for (let r = 0; r < n; r++) cdf[r] = acc += Math.pow(r + 1, -s);
  for (let r = 0; r < n; r++) cdf[r] /= acc;
  return cdf;
}

function draw(cdf: Float64Array, u: number): number {
  let lo = 0;
  let hi = cdf.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cdf[mid] < u) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function syntheticPowerLaw(shape: SyntheticShape): CsrMatrix {
  const { rows, cols, nnz } = shape;
  const rand = rng(shape.seed ?? 20261129);
  const sExp = shape.sourceExponent ?? 0.5;
  const tExp = shape.targetExponent ?? 0.8;
  if (nnz > rows * cols * 0.5) throw new Error('synthetic: nnz too large for a sparse matrix of this shape');

  // Degrees: proportional to Zipf weights of a random rank per row, at least 1, at most cols / 2.
  const wSum = (() => {
    let s = 0;
    for (let r = 0; r < rows; r++) s += Math.pow(r + 1, -sExp);
    return s;
  })();
  const rankOf = new Int32Array(rows);
  for (let r = 0; r < rows; r++) rankOf[r] = r;
  for (let r = rows - 1; r > 0; r--) {
    const j = Math.floor(rand() * (r + 1));
    const t = rankOf[r];
    rankOf[r] = rankOf[j];
    rankOf[j] = t;
  }
  const degree = new Int32Array(rows);
  let total = 0;
  for (let r = 0; r < rows; r++) {
    const d = Math.min(Math.floor(cols / 2), Math.max(1, Math.round((nnz * Math.pow(rankOf[r] + 1, -sExp)) / wSum)));
    degree[r] = d;
    total += d;
  }
  const indptr = new Int32Array(rows + 1);
  for (let r = 0; r < rows; r++) indptr[r + 1] = indptr[r] + degree[r];

  // Popularity order of targets is a random permutation of ids (popular targets are not all low ids).
  const targetOfRank = new Int32Array(cols);
  for (let c = 0; c < cols; c++) targetOfRank[c] = c;
  for (let c = cols - 1; c > 0; c--) {
    const j = Math.floor(rand() * (c + 1));
    const t = targetOfRank[c];
    targetOfRank[c] = targetOfRank[j];
    targetOfRank[j] = t;
  }
  const cdf = zipfCdf(cols, tExp);
  const indices = new Int32Array(total);
  const data = new Float32Array(total);
  const stamp = new Int32Array(cols).fill(-1);
  for (let r = 0; r < rows; r++) {
    const start = indptr[r];
    const d = degree[r];
    let n = 0;
    let tries = 0;
    while (n < d) {
      // After many collisions (a very heavy row), draw uniformly to finish in bounded time.
      const c = tries++ < 8 * d ? targetOfRank[draw(cdf, rand())] : Math.floor(rand() * cols);
      if (stamp[c] === r) continue;
      stamp[c] = r;
      indices[start + n++] = c;
    }
    indices.subarray(start, start + d).sort();
    for (let i = start; i < start + d; i++) data[i] = 1 + Math.floor(-Math.log(1 - rand()) * 4);
  }
  return { rows, cols, indptr, indices, data };
}

/** Scales a shape down (rows, cols and nnz by `f`), keeping at least a few rows and columns. */
export function scaled(shape: SyntheticShape, f: number): SyntheticShape {
  return {
    ...shape,
    rows: Math.max(8, Math.round(shape.rows * f)),
    cols: Math.max(8, Math.round(shape.cols * f)),
    nnz: Math.max(16, Math.round(shape.nnz * f)),
  };
}

/**
 * Deterministic power-law implicit-feedback matrices as CSR, for tests and benchmarks (here rather than in
 * bench/ because tests use them too; the GPU image copies this folder for bench/gpu-check.ts).
 *
 * - `generate`: user u's activity ~ (u+1)^-a and item i's popularity ~ (i+1)^-b (Zipf-like, a = 0.8,
 *   b = 1.0 by default), applied through a fixed random permutation of ids; pairs are drawn from the
 *   product distribution by inverse-CDF sampling with a seeded xorshift128 PRNG, duplicates aggregated
 *   (weights summed), until `nnz` distinct pairs exist. Weights: 1 + floor(3 * U^2) per draw (so 1..3,
 *   mostly 1). bench/speed.ts writes it to disk for the Python peer (bench/synthetic.ts).
 * - `syntheticPowerLaw`: shaped like a given data set (default lastfm-360k: 358,868 sources, 292,385
 *   targets, 17.5M interactions), built straight into CSR. Source activity ~ Zipf(sourceExponent) over
 *   source rank (heavy users), target popularity ~ Zipf(targetExponent) over target rank (head artists),
 *   weights ~ 1 + geometric play counts. Each row draws targets by popularity without repetition until it
 *   has its degree, so every (source, target) pair appears at most once. O(nnz log targets).
 */
import type { CsrMatrix } from '../../src/engine/types.js';
import { mulberry32 } from '../../src/util/random.js';

export interface SyntheticSpec {
  users: number;
  items: number;
  nnz: number;
  seed?: number;
  userExponent?: number;
  itemExponent?: number;
}

class Rng {
  private s0: bigint;
  private s1: bigint;
  constructor(seed: number) {
    // splitmix64 seeding
    let z = BigInt(seed >>> 0) + 0x9e3779b97f4a7c15n;
    const mix = () => {
      z = (z + 0x9e3779b97f4a7c15n) & 0xffffffffffffffffn;
      let x = z;
      x = ((x ^ (x >> 30n)) * 0xbf58476d1ce4e5b9n) & 0xffffffffffffffffn;
      x = ((x ^ (x >> 27n)) * 0x94d049bb133111ebn) & 0xffffffffffffffffn;
      return x ^ (x >> 31n);
    };
    this.s0 = mix();
    this.s1 = mix();
    // Float path: derive 4 uint32 lanes for a fast xorshift128 in Numbers.
    this.a = Number(this.s0 & 0xffffffffn) | 1;
    this.b = Number(this.s0 >> 32n);
    this.c = Number(this.s1 & 0xffffffffn);
    this.d = Number(this.s1 >> 32n);
  }
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  /** uniform [0, 1) (xorshift128) */
  next(): number {
    let t = this.d;
    const s = this.a;
    this.d = this.c;
    this.c = this.b;
    this.b = s;
    t ^= t << 11;
    t ^= t >>> 8;
    this.a = (t ^ s ^ (s >>> 19)) >>> 0;
    return this.a / 4294967296;
  }
}

/** Cumulative Zipf weights (r + 1)^-s over n ranks, normalised to end at 1. */
function zipfCdf(n: number, s: number): Float64Array {
  const cdf = new Float64Array(n);
  let acc = 0;
  for (let r = 0; r < n; r++) cdf[r] = acc += Math.pow(r + 1, -s);
  for (let r = 0; r < n; r++) cdf[r] /= acc;
  return cdf;
}

/** The rank whose cumulative weight first reaches u (inverse-CDF sampling). */
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

/** 0..n-1 shuffled (Fisher-Yates) with the uniform [0, 1) source `next`. */
export function permutation(n: number, next: () => number): Int32Array {
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    const t = p[i]!; p[i] = p[j]!; p[j] = t;
  }
  return p;
}

export function generate(spec: SyntheticSpec): CsrMatrix {
  const { users, items, nnz } = spec;
  if (nnz > users * items * 0.5) throw new Error('nnz too large for users x items (keep density <= 50%)');
  const rng = new Rng(spec.seed ?? 1);
  const uc = zipfCdf(users, spec.userExponent ?? 0.8);
  const ic = zipfCdf(items, spec.itemExponent ?? 1.0);
  const next = () => rng.next();
  const up = permutation(users, next);
  const ip = permutation(items, next);
  const weights = new Map<number, number>();
  // Heavy-tailed item draws hit the head repeatedly; stop once we have nnz distinct pairs.
  let guard = 0;
  while (weights.size < nnz) {
    if (++guard > nnz * 50) throw new Error('synthetic: too many duplicate draws; lower the item exponent');
    const u = up[draw(uc, rng.next())];
    const i = ip[draw(ic, rng.next())];
    const key = u * items + i;
    const r = rng.next();
    const w = 1 + Math.floor(3 * r * r);
    weights.set(key, (weights.get(key) ?? 0) + w);
  }
  const keys = Float64Array.from(weights.keys()).sort();
  const indptr = new Int32Array(users + 1);
  const indices = new Int32Array(nnz);
  const data = new Float32Array(nnz);
  for (let j = 0; j < nnz; j++) {
    const key = keys[j];
    const u = Math.floor(key / items);
    indptr[u + 1]++;
    indices[j] = key - u * items;
    data[j] = weights.get(key)!;
  }
  for (let u = 0; u < users; u++) indptr[u + 1] += indptr[u];
  return { rows: users, cols: items, indptr, indices, data };
}

export interface SyntheticShape {
  rows: number;
  cols: number;
  nnz: number;
  seed?: number;
  sourceExponent?: number;
  targetExponent?: number;
}

export const LASTFM_360K: SyntheticShape = { rows: 358_868, cols: 292_385, nnz: 17_500_000 };

export function syntheticPowerLaw(shape: SyntheticShape): CsrMatrix {
  const { rows, cols, nnz } = shape;
  const rand = mulberry32(shape.seed ?? 20261129);
  const sExp = shape.sourceExponent ?? 0.5;
  const tExp = shape.targetExponent ?? 0.8;
  if (nnz > rows * cols * 0.5) throw new Error('synthetic: nnz too large for a sparse matrix of this shape');

  // Degrees: proportional to Zipf weights of a random rank per row, at least 1, at most cols / 2.
  const wSum = (() => {
    let s = 0;
    for (let r = 0; r < rows; r++) s += Math.pow(r + 1, -sExp);
    return s;
  })();
  const rankOf = permutation(rows, rand);
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
  const targetOfRank = permutation(cols, rand);
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

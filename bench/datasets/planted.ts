/**
 * Seeded interaction matrices with planted structure, in the shapes of public data sets (issue 13's
 * benchmark and the data-aware defaults' tests use the same generators):
 *
 *   plantedPlayCounts  heavy-tailed play counts (lastfm-360k-like): power-law user activity and item
 *                      popularity, weights = play counts spanning 1..10^5 (Pareto, heavier for heavy users)
 *   plantedCheckins    sparse binary check-ins (Gowalla-like): 20k venues in many small
 *                      regions, weights all 1
 *   plantedRatings     explicit ratings (MovieLens-like): 0.5..5 in half steps, higher inside a user's tastes
 *
 * The planted model, common to all three: `topics` latent groups; every item belongs to one (a seeded
 * random assignment), with a Zipf popularity (item rank r ~ (r+1)^-itemExponent, ranks a random
 * permutation of ids). Each user likes 1..3 topics (random mixture weights) and has a power-law number
 * of distinct items (discrete Pareto with exponent `rowExponent`, at least `minRowLength`, capped at
 * `maxRowLength`); each of its items is drawn, with probability `focus`, from one of its topics by
 * popularity, else from the whole catalog by popularity (noise). A model that recovers the topics
 * ranks a user's held-out items above the popular ones; the popularity baseline does not.
 *
 * Deterministic for a seed (mulberry32); rows in id order, columns sorted within a row, no duplicates.
 * Sizes default to the benchmark's (bench/quality.ts: a grid sweep in minutes on 2 cores).
 */
import type { CsrMatrix } from '../../src/engine/types.js';
import { mulberry32 } from '../../src/util/random.js';
import { permutation } from './synthetic-csr.js';

export interface PlantedSpec {
  users: number;
  items: number;
  topics: number;
  seed: number;
  /** Smallest number of distinct items of a user. */
  minRowLength: number;
  /** Largest (a cap on the power law's tail). */
  maxRowLength: number;
  /** Exponent of the discrete Pareto of row lengths (larger = lighter tail). */
  rowExponent: number;
  /** Zipf exponent of item popularity. */
  itemExponent: number;
  /** Share of a user's items drawn from its topics (the rest: from the whole catalog by popularity). */
  focus: number;
}

/** The play-count generator's extra knobs. */
export interface PlayCountSpec extends PlantedSpec {
  /** Pareto shape of a play count (smaller = heavier tail); counts are capped at `maxCount`. */
  countShape: number;
  /** Largest play count (default 1e5). */
  maxCount: number;
  /** Spread (log-normal sigma) of a user's play-count scale: heavy listeners play everything more. */
  userScaleSigma: number;
}

export const PLAY_COUNTS_DEFAULTS: PlayCountSpec = {
  users: 6000, items: 10_000, topics: 40, seed: 1, minRowLength: 10, maxRowLength: 1500, rowExponent: 1.4, itemExponent: 0.9, focus: 0.75,
  countShape: 0.9, maxCount: 100_000, userScaleSigma: 1,
};

export const CHECKINS_DEFAULTS: PlantedSpec = {
  users: 8000, items: 20_000, topics: 200, seed: 2, minRowLength: 10, maxRowLength: 800, rowExponent: 1.6, itemExponent: 0.7, focus: 0.85,
};

export const RATINGS_DEFAULTS: PlantedSpec = {
  users: 600, items: 4000, topics: 20, seed: 3, minRowLength: 20, maxRowLength: 1500, rowExponent: 1.3, itemExponent: 1.0, focus: 0.7,
};

/** One planted draw: the matrix's rows as (item, in-topic) lists, before weights. */
interface Draws {
  rows: Int32Array[];
  inTopic: Uint8Array[];
  rand: () => number;
}

function cumulative(weights: Float64Array): Float64Array {
  const c = new Float64Array(weights.length);
  let s = 0;
  for (let i = 0; i < weights.length; i++) { s += weights[i]!; c[i] = s; }
  return c;
}

/** Index i with c[i-1] <= x < c[i] (x in [0, c[last])). */
function search(c: Float64Array, x: number, lo = 0, hi = c.length - 1): number {
  while (lo < hi) {
    const m = (lo + hi) >>> 1;
    if (c[m]! > x) hi = m; else lo = m + 1;
  }
  return lo;
}

function draw(s: PlantedSpec): Draws {
  if (!(s.users > 0 && s.items > 1 && s.topics > 0 && s.topics <= s.items)) throw new RangeError('planted: users > 0, items > 1, 0 < topics <= items');
  const rand = mulberry32(s.seed);
  // Items: a popularity rank (random permutation) and a topic each; items sorted by topic, popularity cumulated per topic.
  const rank = permutation(s.items, rand);
  const pop = new Float64Array(s.items);
  for (let i = 0; i < s.items; i++) pop[i] = Math.pow(rank[i]! + 1, -s.itemExponent);
  const topicOf = new Int32Array(s.items);
  for (let i = 0; i < s.items; i++) topicOf[i] = i < s.topics ? i : Math.floor(rand() * s.topics); // every topic has an item
  const byTopic = Int32Array.from({ length: s.items }, (_, i) => i).sort((a, b) => topicOf[a]! - topicOf[b]! || a - b);
  const start = new Int32Array(s.topics + 1);
  for (let i = 0; i < s.items; i++) start[topicOf[i]! + 1]++;
  for (let t = 0; t < s.topics; t++) start[t + 1] += start[t]!;
  const topicCum = cumulative(Float64Array.from(byTopic, (i) => pop[i]!));
  const globalCum = cumulative(pop);
  const rows: Int32Array[] = [], inTopic: Uint8Array[] = [];
  const mark = new Uint8Array(s.items);
  for (let u = 0; u < s.users; u++) {
    const len = Math.min(s.maxRowLength, Math.floor(s.items / 2), Math.floor(s.minRowLength * Math.pow(1 - rand(), -1 / s.rowExponent)));
    const nt = 1 + Math.floor(rand() * 3);
    const topics = Array.from({ length: nt }, () => Math.floor(rand() * s.topics));
    const mix = cumulative(Float64Array.from(topics, () => 0.2 + rand()));
    const picked: number[] = [], flags: number[] = [];
    // Small topics run out of distinct items: after many repeats a draw falls back to the whole catalog.
    for (let tries = 0; picked.length < len && tries < len * 50; tries++) {
      let item: number, own = 0;
      if (rand() < s.focus && tries < len * 20) {
        const t = topics[search(mix, rand() * mix[nt - 1]!)]!;
        const lo = start[t]!, hi = start[t + 1]!;
        const base = lo > 0 ? topicCum[lo - 1]! : 0;
        item = byTopic[search(topicCum, base + rand() * (topicCum[hi - 1]! - base), lo, hi - 1)]!;
        own = 1;
      } else {
        item = search(globalCum, rand() * globalCum[s.items - 1]!);
        own = topics.includes(topicOf[item]!) ? 1 : 0;
      }
      if (mark[item]) continue;
      mark[item] = 1;
      picked.push(item);
      flags.push(own);
    }
    for (const i of picked) mark[i] = 0;
    const order = picked.map((_, k) => k).sort((a, b) => picked[a]! - picked[b]!);
    rows.push(Int32Array.from(order, (k) => picked[k]!));
    inTopic.push(Uint8Array.from(order, (k) => flags[k]!));
  }
  return { rows, inTopic, rand };
}

function toCsr(s: PlantedSpec, d: Draws, weight: (u: number, inTopic: boolean) => number): CsrMatrix {
  const indptr = new Int32Array(s.users + 1);
  for (let u = 0; u < s.users; u++) indptr[u + 1] = indptr[u]! + d.rows[u]!.length;
  const nnz = indptr[s.users]!;
  const indices = new Int32Array(nnz), data = new Float32Array(nnz);
  for (let u = 0; u < s.users; u++) {
    const row = d.rows[u]!, own = d.inTopic[u]!, o = indptr[u]!;
    indices.set(row, o);
    for (let k = 0; k < row.length; k++) data[o + k] = weight(u, own[k] === 1);
  }
  return { rows: s.users, cols: s.items, indptr, indices, data };
}

function gauss(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

/**
 * Heavy-tailed play counts: count = min(maxCount, ceil(scale_u * Pareto(countShape))) with a user scale
 * scale_u = exp(userScaleSigma * N(0,1)), doubled for items inside the user's topics (the counts carry a
 * little of the structure, their tail mostly noise, as in listening logs).
 */
export function plantedPlayCounts(o: Partial<PlayCountSpec> = {}): CsrMatrix {
  const s: PlayCountSpec = { ...PLAY_COUNTS_DEFAULTS, ...o };
  const d = draw(s);
  const scale = Float64Array.from({ length: s.users }, () => Math.exp(s.userScaleSigma * gauss(d.rand)));
  return toCsr(s, d, (u, own) => Math.min(s.maxCount, Math.ceil(scale[u]! * (own ? 2 : 1) * Math.pow(1 - d.rand(), -1 / s.countShape))));
}

/** Sparse binary check-ins: every weight 1. */
export function plantedCheckins(o: Partial<PlantedSpec> = {}): CsrMatrix {
  const s: PlantedSpec = { ...CHECKINS_DEFAULTS, ...o };
  return toCsr(s, draw(s), () => 1);
}

/** Ratings 0.5..5 in half steps: about 4 inside the user's topics, 3 outside, normal noise (sigma 0.9). */
export function plantedRatings(o: Partial<PlantedSpec> = {}): CsrMatrix {
  const s: PlantedSpec = { ...RATINGS_DEFAULTS, ...o };
  const d = draw(s);
  return toCsr(s, d, (_u, own) => Math.min(5, Math.max(0.5, Math.round(2 * ((own ? 4 : 3) + 0.9 * gauss(d.rand))) / 2)));
}

/** The benchmark's planted shapes by name (bench/quality.ts --datasets). */
export const PLANTED_DATASETS: Readonly<Record<string, (o?: Partial<PlayCountSpec>) => CsrMatrix>> = {
  'play-counts': plantedPlayCounts,
  'check-ins': plantedCheckins,
  ratings: plantedRatings,
};

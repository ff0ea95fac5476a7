/**
 * Which ANN index (issue 16): HNSW through usearch vs IVF on our int8 kernel, measured on the same factors,
 * in-process, one thread. For each, recall@10 of the served answer (candidates re-ranked exactly, top 10)
 * against the exact top-10, and the cost per query at each setting:
 *  - HNSW (serving/ann-index.ts's AnnIndex: connectivity 16, expansion_add 64, f16 vectors): `wanted`
 *    candidates (the search beam), CPU ms per query measured; build seconds and file size.
 *  - IVF (a prototype here, not in the server): k-means on a sample (L2, 8 rounds, 4 sqrt(n) lists), lists
 *    probed by x . centroid; rows scanned per query counted, and the time the int8 kernel would take for
 *    them estimated from its measured exact pass (WasmScorer.top over the whole catalog: ns per row).
 * Factors: `random`, `clustered` (synthetic-model.ts) or `movielens` (ALS on ml-latest-small, k = 64,
 * native-cpu, the engine defaults: real factors, 9,724 targets).
 *   flock /tmp/bench.lock npx tsx bench/ann.ts [--targets 100000] [--dist clustered|random|movielens] [--queries 200]
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { compileAlsOptions } from '../src/engine/options.js';
import { trainAls } from '../src/engine/trainer.js';
import { AnnIndex } from '../src/service/serving/ann-index.js';
import { WasmScorer } from '../src/service/serving/wasm-scorer.js';
import { mulberry32 } from '../src/util/random.js';
import { readRatings } from './quality.js';
import { syntheticModel, type FactorDistribution } from './synthetic-model.js';

const { values: a } = parseArgs({
  options: {
    targets: { type: 'string', default: '100000' }, dist: { type: 'string', default: 'clustered' }, queries: { type: 'string', default: '200' },
    data: { type: 'string', default: new URL('../../shared/data/ml-latest-small/ratings.csv', import.meta.url).pathname },
  },
});
const k = 64;
const Q = Number(a.queries);

async function factors(): Promise<{ X: Float32Array; Y: Float32Array; n: number }> {
  if (a.dist === 'movielens') {
    const r = await trainAls(readRatings(a.data!), compileAlsOptions({ factors: k, backend: 'native-cpu' }));
    return { X: r.sourceFactors, Y: r.targetFactors, n: r.targetFactors.length / k };
  }
  const m = syntheticModel({ sources: Q, targets: Number(a.targets), factors: k, dist: a.dist as FactorDistribution, seenPer: 0 });
  return { X: m.sourceFactors, Y: m.targetFactors, n: m.targetIds.length };
}

const { X, Y, n } = await factors();
const queries = Math.min(Q, X.length / k);
const xs = Array.from({ length: queries }, (_, q) => X.subarray(q * k, (q + 1) * k));
const dot = (x: Float32Array, i: number) => { let s = 0; for (let f = 0; f < k; f++) s += x[f]! * Y[i * k + f]!; return s; };
const top10 = (x: Float32Array, idx: ArrayLike<number>) => Array.from(idx).map((i) => [i, dot(x, i)] as const).sort((p, q) => q[1] - p[1]).slice(0, 10).map((p) => p[0]);
const scorer = WasmScorer.create(Y, n, k)!;
const exact = xs.map((x) => new Set(scorer.top(x, 10, null).indices));
const recall = (answers: number[][]) => answers.reduce((h, ans, q) => h + ans.filter((i) => exact[q]!.has(i)).length, 0) / (10 * queries);
const cpuMs = (f: () => void) => { const c0 = process.cpuUsage(); f(); const c = process.cpuUsage(c0); return (c.user + c.system) / 1000; };

// The exact int8 pass: ns per target (the IVF estimate's unit).
const exactMs = cpuMs(() => { for (const x of xs) scorer.top(x, 10, null); }) / queries;
const nsPerRow = (exactMs * 1e6) / n;
console.log(JSON.stringify({ dist: a.dist, targets: n, factors: k, queries, loadavg: loadavg().map((x) => +x.toFixed(2)), exactMsPerQuery: +exactMs.toFixed(3), nsPerRow: +nsPerRow.toFixed(2) }));

// HNSW
let t0 = performance.now();
const hnsw = AnnIndex.create(k, 'f16');
for (let s = 0; s < n; s += 16_384) hnsw.add(Y, s, Math.min(n, s + 16_384), 2);
console.log(JSON.stringify({ index: 'hnsw (usearch)', buildS: +((performance.now() - t0) / 1000).toFixed(1), threads: 2 }));
for (const w of [10, 20, 40, 80, 160, 320, 640]) {
  let answers: number[][] = [];
  const ms = cpuMs(() => { answers = xs.map((x) => top10(x, hnsw.candidates(x, w))); }) / queries;
  console.log(JSON.stringify({ index: 'hnsw', wanted: w, recallAt10: +recall(answers).toFixed(4), cpuMsPerQuery: +ms.toFixed(3), vsExact: +(ms / exactMs).toFixed(3) }));
}

// IVF prototype
t0 = performance.now();
const r = mulberry32(3);
const nlist = Math.max(16, Math.round(4 * Math.sqrt(n)));
const cent = new Float32Array(nlist * k);
for (let c = 0; c < nlist; c++) { const p = Math.floor(r() * n) * k; cent.set(Y.subarray(p, p + k), c * k); }
const nearest = (i: number) => {
  let best = 0, bd = Infinity;
  for (let c = 0; c < nlist; c++) { let d = 0; for (let f = 0; f < k; f++) { const e = Y[i * k + f]! - cent[c * k + f]!; d += e * e; } if (d < bd) { bd = d; best = c; } }
  return best;
};
const sample = Int32Array.from({ length: Math.min(n, nlist * 40) }, () => Math.floor(r() * n));
for (let round = 0; round < 8; round++) {
  const sum = new Float64Array(nlist * k), cnt = new Int32Array(nlist);
  for (const i of sample) { const c = nearest(i); cnt[c]++; for (let f = 0; f < k; f++) sum[c * k + f] += Y[i * k + f]!; }
  for (let c = 0; c < nlist; c++) if (cnt[c]) for (let f = 0; f < k; f++) cent[c * k + f] = sum[c * k + f]! / cnt[c]!;
}
const lists: number[][] = Array.from({ length: nlist }, () => []);
for (let i = 0; i < n; i++) lists[nearest(i)]!.push(i);
console.log(JSON.stringify({ index: 'ivf (prototype, JS k-means)', lists: nlist, buildS: +((performance.now() - t0) / 1000).toFixed(1) }));
for (const probe of [4, 8, 16, 32, 64, 128]) {
  let rows = 0;
  const answers = xs.map((x) => {
    const order = Array.from({ length: nlist }, (_, c) => [c, dot2(x, c)] as const).sort((p, q) => q[1] - p[1]).slice(0, probe);
    const cand: number[] = [];
    for (const [c] of order) cand.push(...lists[c]!);
    rows += cand.length + nlist;
    return top10(x, cand);
  });
  const perQuery = rows / queries;
  console.log(JSON.stringify({ index: 'ivf', probe, recallAt10: +recall(answers).toFixed(4), rowsPerQuery: Math.round(perQuery), estInt8MsPerQuery: +((perQuery * nsPerRow) / 1e6).toFixed(3), vsExact: +(perQuery / n).toFixed(3) }));
}
function dot2(x: Float32Array, c: number): number { let s = 0; for (let f = 0; f < k; f++) s += x[f]! * cent[c * k + f]!; return s; }

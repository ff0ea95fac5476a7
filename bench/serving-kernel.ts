/**
 * Serving compute without the transport, side by side with peers, on the same synthetic shapes
 * (synthetic-model.ts; 1000 sources, 20 seen targets each, 10 results with exclude_seen), p50/p99 per request,
 * one thread each:
 *  - ours, exact (`exact: true`: SIMD kernel with the int8 prefilter) vs benfred/implicit's `recommend`
 *    (numpy/BLAS; bench/serving_peer.py);
 *  - ours through the ANN index (built as the server builds it, on the build worker) vs the ANN library
 *    alone: usearch's search for the same number of candidates our request fetches (what the re-ranking,
 *    filters and id mapping add on top), and its own top-10 (beam 16) with the recall it gets alone.
 * Recall@10 is against our exact answers for the same requests.
 *   flock /tmp/bench.lock npx tsx bench/serving-kernel.ts [--targets 20000,1000000] [--factors 64] [--dist random|clustered]
 *                                                         [--ann-threshold 100000] [--queries N]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { writeModel } from '../src/data/model-file.js';
import { ModelCache } from '../src/service/models/model-cache.js';
import { AnnBuilder } from '../src/service/serving/ann-builder.js';
import { annWanted } from '../src/service/serving/ann-index.js';
import { recommend } from '../src/service/serving/recommender.js';
import type { RecommendRequest__Output } from '../src/gen/recommender/v1/RecommendRequest.js';
import { python } from '../scripts/python.mjs';
import { syntheticModel, type FactorDistribution } from './synthetic-model.js';

const { values: a } = parseArgs({
  options: {
    targets: { type: 'string', default: '20000,1000000' }, factors: { type: 'string', default: '64' }, dist: { type: 'string', default: 'random' },
    'ann-threshold': { type: 'string', default: '100000' }, queries: { type: 'string' }, peer: { type: 'boolean', default: true },
  },
});
const k = Number(a.factors);
const m = 1000;

function pcts(lat: number[]): { meanMs: number; p50ms: number; p99ms: number } {
  const s = [...lat].sort((x, y) => x - y);
  return { meanMs: +(s.reduce((t, x) => t + x, 0) / s.length).toFixed(3), p50ms: +s[s.length >> 1]!.toFixed(3), p99ms: +s[Math.floor(s.length * 0.99)]!.toFixed(3) };
}

async function timed<T>(q: number, f: (j: number) => T | Promise<T>): Promise<{ lat: number[]; out: T[] }> {
  for (let j = 0; j < 50; j++) await f(j); // warm-up (wasm tier-up)
  const lat: number[] = [], out: T[] = [];
  for (let j = 0; j < q; j++) {
    const t0 = performance.now();
    out.push(await f(j));
    lat.push(performance.now() - t0);
  }
  return { lat, out };
}

const root = mkdtempSync(join(tmpdir(), 'serving-kernel-'));
const builder = new AnnBuilder({ threads: availableParallelism(), targetRecall: 0.95 });
try {
  console.log(JSON.stringify({ loadavg: loadavg().map((x) => +x.toFixed(2)), dist: a.dist, factors: k }));
  for (const n of a.targets!.split(',').map(Number)) {
    const dir = join(root, `m${n}`);
    await writeModel(dir, syntheticModel({ sources: m, targets: n, factors: k, dist: a.dist as FactorDistribution, modelId: 'm', jobId: 'j1' }));
    const cache = new ModelCache({
      resolveServed: () => ({ jobId: 'j1', dir }), hasAnyJob: () => true, budgetBytes: 1e11,
      ann: { thresholdTargets: Number(a['ann-threshold']), builder },
    });
    const served = await cache.get('m');
    const indexed = n >= Number(a['ann-threshold']) && Number(a['ann-threshold']) > 0;
    while (indexed && !served.ann) await new Promise((r) => setTimeout(r, 200)); // the build runs on the worker; time nothing beside it
    const q = Number(a.queries ?? (n >= 500_000 ? 200 : 2000));
    const req = (u: number, exact: boolean): RecommendRequest__Output => ({
      model_id: 'm', source_id: `user-${u % m}`, source_ids: [], max_recommendations: 10, target_type: '', include_target_ids: [], exclude_target_ids: [],
      target_filter: null, strict: false, interactions: [], exact,
    });
    const exact = await timed(q, (j) => recommend(cache, req(j, true)));
    console.log(JSON.stringify({ ours: 'recommender exact (in-process)', targets: n, ...pcts(exact.lat) }));
    if (a.peer) {
      const peer = JSON.parse(execFileSync(python, ['bench/serving_peer.py', String(n), String(k), '20', String(q)], {
        env: { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1' }, encoding: 'utf8',
      }).trim().split('\n').pop()!) as { p50ms: number };
      console.log(JSON.stringify(peer));
      console.log(JSON.stringify({ targets: n, p50RatioImplicitOverOursExact: +(peer.p50ms / pcts(exact.lat).p50ms).toFixed(2) }));
    }
    if (!served.ann) continue;
    const meta = served.ann.meta;
    console.log(JSON.stringify({ index: meta.kind, targets: n, buildS: +meta.buildSeconds.toFixed(1), fileMB: +(meta.bytes / 2 ** 20).toFixed(1), bytesPerTarget: Math.round(meta.bytes / n), calibratedRecallAt10: +meta.recallAt10.toFixed(4), breadth: meta.breadth, quantization: meta.quantization }));
    const ann = await timed(q, (j) => recommend(cache, req(j, false)));
    let hits = 0, total = 0;
    ann.out.forEach((r, j) => {
      const want = new Set(exact.out[j]!.results![0]!.recommendations!.map((x) => x.target_id));
      total += want.size;
      hits += r.results![0]!.recommendations!.filter((x) => want.has(x.target_id)).length;
    });
    console.log(JSON.stringify({ ours: 'recommender through the index (in-process)', targets: n, ...pcts(ann.lat), recallAt10: +(hits / total).toFixed(4), approximate: served.annCounts.approximate }));
    const index = served.annIndex()!;
    const X = served.model.sourceFactors;
    const x = (j: number) => X.subarray((j % m) * k, ((j % m) + 1) * k);
    const wanted = (j: number) => annWanted(meta, 10, n, served.model.seen.indptr[(j % m) + 1]! - served.model.seen.indptr[j % m]!);
    const alone = await timed(q, (j) => index.candidates(x(j), wanted(j)));
    console.log(JSON.stringify({ peer: 'usearch search alone, same candidates fetched', targets: n, ...pcts(alone.lat), meanWanted: Math.round(alone.out.reduce((t, c) => t + c.length, 0) / q) }));
    const raw = await timed(q, (j) => index.candidates(x(j), 10));
    let rawHits = 0;
    raw.out.forEach((c, j) => { // against the exact top-10 without exclusions (usearch alone knows no seen targets)
      const top = served.scorer!.top(x(j), 10, null);
      const want = new Set(top.indices);
      rawHits += Array.from(c).filter((i) => want.has(i)).length;
    });
    console.log(JSON.stringify({ peer: 'usearch search alone, top-10 (beam 16)', targets: n, ...pcts(raw.lat), recallAt10NoExclusions: +(rawHits / (10 * q)).toFixed(4) }));
  }
} finally {
  await builder.close();
  rmSync(root, { recursive: true, force: true });
}

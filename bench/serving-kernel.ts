/**
 * Serving compute without the transport, side by side with a peer: our Recommend path in-process
 * (ModelCache -> exact top-10 with exclude_seen, SIMD kernel) vs benfred/implicit's `recommend` for one
 * user (numpy/BLAS, single thread; bench/serving_peer.py), same shapes, random factors.
 *   flock /tmp/bench.lock npx tsx bench/serving-kernel.ts [--targets 20000,1000000] [--factors 64]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { writeModel } from '../src/data/model-file.js';
import { compileAlsOptions } from '../src/engine/options.js';
import { ModelCache } from '../src/service/models/model-cache.js';
import { recommend } from '../src/service/serving/recommender.js';
import type { TrainedModel } from '../src/data/trained-model.js';
import { python } from '../scripts/python.mjs';

const { values: a } = parseArgs({ options: { targets: { type: 'string', default: '20000,1000000' }, factors: { type: 'string', default: '64' } } });
const k = Number(a.factors);

/** Random factors in [-0.1, 0.1), 20 seen targets per source. */
function model(m: number, n: number): TrainedModel {
  const f = (len: number) => { const x = new Float32Array(len); for (let j = 0; j < len; j++) x[j] = (Math.random() - 0.5) * 0.2; return x; };
  const indptr = Int32Array.from({ length: m + 1 }, (_, u) => u * 20);
  const indices = new Int32Array(m * 20);
  for (let u = 0; u < m; u++) indices.set(Int32Array.from(new Set(Array.from({ length: 20 }, () => Math.floor(Math.random() * n)))).sort().subarray(0, 20), u * 20);
  for (let u = 0; u < m; u++) { const row = indices.subarray(u * 20, u * 20 + 20); row.sort(); }
  const pop = new Float32Array(n);
  for (const i of indices) pop[i]!++;
  return {
    meta: { modelId: 'm', jobId: 'j1', trainedMs: 0, factors: k, backend: '', device: '', batchIds: [], hyperparameters: { ...compileAlsOptions({ factors: k }), typeWeights: {} }, lossCurve: [], lossKind: 'exact', trainSeconds: 0,
      data: { interactions: 0, pairs: 0, sources: m, targets: n, entities: 0, droppedByAge: 0, droppedByFilter: 0 } },
    sourceIds: Array.from({ length: m }, (_, i) => `u${i}`), targetIds: Array.from({ length: n }, (_, i) => `t${i}`),
    sourceFactors: f(m * k), targetFactors: f(n * k), seen: { indptr, indices, data: new Float32Array(m * 20).fill(1) }, targetPopularity: pop,
    sourceEntities: { type: new Array(m).fill(null), metadata: new Array(m).fill(null) }, targetEntities: { type: new Array(n).fill(null), metadata: new Array(n).fill(null) },
  };
}
const root = mkdtempSync(join(tmpdir(), 'serving-kernel-'));
try {
  for (const n of a.targets!.split(',').map(Number)) {
    const m = 1000;
    const dir = join(root, `m${n}`);
    await writeModel(dir, model(m, n));
    const cache = new ModelCache({ resolveServed: () => ({ jobId: 'j1', dir }), hasAnyJob: () => true, budgetBytes: 1e11 });
    await cache.get('m');
    const q = n >= 500_000 ? 100 : 2000;
    const req = (u: number) => ({ model_id: 'm', source_id: `u${u % m}`, source_ids: [], max_recommendations: 10, target_type: '', include_target_ids: [], exclude_target_ids: [], target_filter: null, strict: false, interactions: [], exact: false });
    for (let j = 0; j < 50; j++) await recommend(cache, req(j)); // warm-up (wasm tier-up)
    const lat: number[] = [];
    for (let j = 0; j < q; j++) {
      const t0 = performance.now();
      await recommend(cache, req(j));
      lat.push(performance.now() - t0);
    }
    lat.sort((x, y) => x - y);
    const ours = { ours: 'recommender (in-process)', targets: n, factors: k, meanMs: +(lat.reduce((s, x) => s + x, 0) / q).toFixed(3), p50ms: +lat[q >> 1]!.toFixed(3), p99ms: +lat[Math.floor(q * 0.99)]!.toFixed(3) };
    const peer = JSON.parse(execFileSync(python, ['bench/serving_peer.py', String(n), String(k), '20', String(q)], {
      env: { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1' }, encoding: 'utf8',
    }).trim().split('\n').pop()!) as { p50ms: number };
    console.log(JSON.stringify(ours));
    console.log(JSON.stringify(peer));
    console.log(JSON.stringify({ targets: n, p50RatioPeerOverOurs: +(peer.p50ms / ours.p50ms).toFixed(2) }));
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}

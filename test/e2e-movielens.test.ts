import { makeVector, Table, tableToIPC, Utf8, vectorFromArray } from 'apache-arrow';
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Batch__Output } from '../src/gen/recommender/v1/Batch.js';
import type { Model__Output } from '../src/gen/recommender/v1/Model.js';
import type { RecommendRequest } from '../src/gen/recommender/v1/RecommendRequest.js';
import type { RecommendResponse__Output } from '../src/gen/recommender/v1/RecommendResponse.js';
import type { SimilarItemsRequest } from '../src/gen/recommender/v1/SimilarItemsRequest.js';
import type { SimilarItemsResponse__Output } from '../src/gen/recommender/v1/SimilarItemsResponse.js';
import type { TrainRequest } from '../src/gen/recommender/v1/TrainRequest.js';
import type { TrainingStatus__Output } from '../src/gen/recommender/v1/TrainingStatus.js';
import { call, startTestServer, type TestServer } from './helpers/server.js';
import { importBytes } from './helpers/import.js';

/**
 * End to end through the gRPC API only, on MovieLens latest-small (GroupLens; research use, see its
 * README): ImportBatch (ratings as Arrow: userId -> source_id, movieId -> target_id, rating -> weight,
 * timestamp seconds -> epoch ms) -> Train with evaluation {holdout 0.2, seed 42, k 10} -> WatchStatus to
 * completion -> GetModel metrics -> Recommend / SimilarItems.
 * Hyperparameters: the engine's defaults (none given), on the native-cpu backend (fastest here; the
 * served model and the evaluation model are both trained). bench/README.md "Engine quality" measured
 * P@10 0.353 with the defaults on this split seed; the quality anchor in NOTES (exact ALS, 32 factors)
 * is 0.329.
 */
const RATINGS = new URL('../../shared/data/ml-latest-small/ratings.csv', import.meta.url);
const present = existsSync(RATINGS);
if (!present && process.env.CI === 'true') throw new Error(`MovieLens data missing at ${RATINGS.pathname} (required in CI)`);

let srv: TestServer;
let firstUser = '';
let userMovies = new Set<string>();

function ratingsArrow(): Uint8Array {
  const lines = readFileSync(RATINGS, 'utf8').trim().split('\n').slice(1);
  const n = lines.length;
  const src: string[] = new Array(n), tgt: string[] = new Array(n);
  const w = new Float32Array(n), ts = new BigInt64Array(n);
  lines.forEach((l, j) => {
    const [u, m, r, t] = l.split(',');
    src[j] = u!; tgt[j] = m!; w[j] = Number(r); ts[j] = BigInt(t!) * 1000n;
  });
  firstUser = src[0]!;
  userMovies = new Set(tgt.filter((_, j) => src[j] === firstUser));
  const table = new Table({
    source_id: vectorFromArray(src, new Utf8()), target_id: vectorFromArray(tgt, new Utf8()),
    weight: makeVector(w), timestamp: makeVector(ts),
  });
  return tableToIPC(table, 'stream');
}

function importBatch(bytes: Uint8Array): Promise<Batch__Output> {
  return importBytes(srv.client, { kind: 'INTERACTIONS', tags: ['ml-small'], request_id: 'e2e-ml-small' }, bytes, 1024 * 1024);
}

function watchToEnd(jobId: string): Promise<TrainingStatus__Output> {
  return new Promise((resolve, reject) => {
    let last: TrainingStatus__Output | undefined;
    const s = srv.client.WatchStatus({ job_id: jobId });
    s.on('data', (st: TrainingStatus__Output) => { last = st; });
    s.on('error', reject);
    s.on('end', () => (last ? resolve(last) : reject(new Error('WatchStatus ended without a status'))));
  });
}

describe.skipIf(!present)('end to end on MovieLens latest-small', () => {
  beforeAll(async () => { srv = await startTestServer({ backend: 'native-cpu', workers: 2 }); });
  afterAll(async () => { await srv?.dispose(); });

  it('import -> train with evaluation -> metrics -> recommend', async () => {
    const batch = await importBatch(ratingsArrow());
    expect(Number(batch.interaction_count)).toBe(100_836);

    const req: TrainRequest = {
      model_id: 'ml-small', data_tags: ['ml-small'],
      evaluation: { holdout_fraction: 0.2, seed: 42, k: 10 },
    };
    const started = await call<TrainRequest, TrainingStatus__Output>(srv.client.Train.bind(srv.client), req);
    const done = await watchToEnd(started.job_id);
    expect(done.error).toBe('');
    expect(done.status).toBe('COMPLETED');

    const model = await call<{ model_id: string }, Model__Output>(srv.client.GetModel.bind(srv.client), { model_id: 'ml-small' });
    expect(model.serving).toBe(true);
    expect(Number(model.source_count)).toBe(610);
    expect(Number(model.target_count)).toBe(9724);
    const ev = model.evaluation!;
    console.log(`MovieLens e2e evaluation: ${JSON.stringify(ev)}`);
    expect(ev.k).toBe(10);
    expect(Number(ev.test_sources)).toBeGreaterThan(500);
    expect(Number(ev.test_interactions)).toBeGreaterThan(18_000);
    expect(Number(ev.test_interactions)).toBeLessThan(22_500);
    expect(ev.model!.precision_at_k).toBeGreaterThanOrEqual(0.32);
    expect(ev.model!.ndcg_at_k).toBeGreaterThan(0.3);
    expect(ev.model!.recall_at_k).toBeGreaterThan(0);
    expect(ev.model!.map_at_k).toBeGreaterThan(0);
    // the model beats the most-popular baseline on the same split and covers more of the catalog
    expect(ev.model!.precision_at_k).toBeGreaterThan(ev.baseline!.precision_at_k * 1.3);
    expect(ev.model!.catalog_coverage).toBeGreaterThan(ev.baseline!.catalog_coverage);
    expect(done.evaluation?.model?.precision_at_k).toBeCloseTo(ev.model!.precision_at_k, 12);

    const rec = await call<RecommendRequest, RecommendResponse__Output>(srv.client.Recommend.bind(srv.client), { model_id: 'ml-small', source_ids: [firstUser, 'new-visitor'], max_recommendations: 10 });
    expect(rec.job_id).toBe(started.job_id);
    const [known, cold] = rec.results;
    expect(known!.strategy).toBe('model');
    expect(known!.recommendations).toHaveLength(10);
    for (const r of known!.recommendations) expect(userMovies.has(r.target_id)).toBe(false); // exclude_seen
    expect(known!.recommendations.map((r) => r.rank)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(cold!.strategy).toBe('popularity');
    expect(cold!.recommendations[0]!.target_id).toBe('356'); // Forrest Gump: the most rated movie (329 users)

    const sim = await call<SimilarItemsRequest, SimilarItemsResponse__Output>(srv.client.SimilarItems.bind(srv.client), { model_id: 'ml-small', target_id: '1', max_results: 5 });
    expect(sim.similar).toHaveLength(5);
    expect(sim.similar.map((s) => s.target_id)).not.toContain('1');
  }, 240_000);
});

import { status as grpcStatus } from '@grpc/grpc-js';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { modelFilesBytes, readPackedModel, writeModel } from '../src/data/model-file.js';
import { buildIdIndex, PackedIdIndex } from '../src/data/packed-id-index.js';
import { packStrings } from '../src/data/packed-strings.js';
import type { TrainedModel } from '../src/data/trained-model.js';
import { DataDir } from '../src/data-dir.js';
import { InternalError } from '../src/errors.js';
import type { RecommendRequest } from '../src/gen/recommender/v1/RecommendRequest.js';
import type { RecommendResponse__Output } from '../src/gen/recommender/v1/RecommendResponse.js';
import { ModelCache } from '../src/service/models/model-cache.js';
import { INLINE_LOAD_BYTES, loadServingData, loadServingDataInWorker } from '../src/service/models/model-load-in-worker.js';
import { ServedModel } from '../src/service/models/served-model.js';
import { prepareServingData, type ScoringOptions } from '../src/service/models/serving-data.js';
import { rankByScore } from '../src/service/serving/rank.js';
import { seenOf } from '../src/service/serving/recommender.js';
import { ScoringPool } from '../src/service/serving/scoring-pool.js';
import { scorerMemoriesBuilt } from '../src/service/serving/wasm-scorer.js';
import { liveWorkerCount } from '../src/util/worker-rpc.js';
import { checkHealth, healthClient } from './helpers/health.js';
import { call, startTestServer, type TestServer } from './helpers/server.js';
import { rng, serveModel, syntheticModel } from './helpers/serving.js';

/**
 * Served models load off the event loop (service/models/model-load-in-worker.ts): the version's files are
 * read, the ids packed and hash-indexed on a loader worker thread, and the event loop only wraps the
 * transferred arrays. Real model directories, real worker threads, a real server for the calls answered
 * meanwhile.
 */
const root = mkdtempSync(join(tmpdir(), 'model-load-'));
const servers: TestServer[] = [];
afterAll(async () => {
  for (const s of servers) await s.dispose();
  rmSync(root, { recursive: true, force: true });
});

/** A model of m sources and n targets built in O(m + n) (syntheticModel draws m x n numbers): one seen target per source. */
function wideModel(m: number, n: number, k: number, modelId: string, jobId: string): TrainedModel {
  const r = rng(5);
  const seenOfSource = Int32Array.from({ length: m }, (_, u) => (u * 7) % n);
  const pop = new Float32Array(n);
  for (const i of seenOfSource) pop[i]!++;
  const base = syntheticModel({ sources: 1, targets: 1, factors: k, modelId, jobId, density: 0 });
  return {
    ...base,
    sourceIds: Array.from({ length: m }, (_, u) => `user-${u}`),
    targetIds: Array.from({ length: n }, (_, i) => `item-${i}`),
    sourceFactors: Float32Array.from({ length: m * k }, () => r() * 2 - 1),
    targetFactors: Float32Array.from({ length: n * k }, () => r() * 2 - 1),
    seen: { indptr: Int32Array.from({ length: m + 1 }, (_, u) => u), indices: seenOfSource, data: new Float32Array(m).fill(1) },
    targetPopularity: pop,
    sourceEntities: { type: new Array(m).fill('user'), metadata: new Array(m).fill(null) },
    targetEntities: { type: Array.from({ length: n }, (_, i) => (i % 2 ? 'movie' : null)), metadata: new Array(n).fill(null) },
  };
}

const recommend = (s: TestServer, req: RecommendRequest) => call<RecommendRequest, RecommendResponse__Output>(s.client.Recommend.bind(s.client), req);
const until = async (cond: () => boolean, what: string) => {
  for (let t = 0; t < 1200 && !cond(); t++) await new Promise((r) => setTimeout(r, 50));
  if (!cond()) throw new Error(`timed out waiting for ${what}`);
};

/**
 * Once the loader worker holds its answer (hold[1] = 1; the one loader thread is running), Health and
 * ListModels are answered (pushed to `events`); then the worker is let go.
 */
async function answerWhileHeld(srv: TestServer, hold: Int32Array, events: string[], what: string, workersBefore: number): Promise<void> {
  await until(() => Atomics.load(hold, 1) === 1, what);
  expect(liveWorkerCount()).toBe(workersBefore + 1);
  const health = healthClient(srv.address);
  try {
    expect(await checkHealth(health)).toBe('SERVING');
    events.push('health answered');
    await call(srv.client.ListModels.bind(srv.client), {});
    events.push('ListModels answered');
  } finally {
    health.close();
  }
  Atomics.store(hold, 0, 1);
  Atomics.notify(hold, 0);
}

describe('the id hash index', () => {
  it('finds every id as a Map would (last duplicate wins), misses unknown ones, and gives the ids back', () => {
    const ids = ['a', 'b', '', 'ünïcødé', '日本語', 'x'.repeat(5000), 'b', 'a\u0000z', ...Array.from({ length: 3000 }, (_, i) => `id-${i}`)];
    const map = new Map(ids.map((id, i) => [id, i]));
    const index = PackedIdIndex.of(ids);
    expect(index.size).toBe(ids.length);
    for (const id of new Set(ids)) expect(index.get(id), id).toBe(map.get(id));
    for (const id of ['c', 'id-3000', 'a\u0000', 'ünïcød', 'x'.repeat(4999), ' a']) expect(index.get(id), id).toBeUndefined();
    ids.forEach((id, i) => expect(index.id(i)).toBe(id));
    // null ids (a packed column with nulls) are never found
    const withNull = new PackedIdIndex(buildIdIndex(packStrings(['p', null, 'r'])));
    expect([withNull.get('p'), withNull.get('r'), withNull.get(''), withNull.size]).toEqual([0, 2, undefined, 3]);
  });
});

describe('the loader worker', () => {
  it('hands back what the event loop would have prepared itself', async () => {
    const M = syntheticModel({ sources: 120, targets: 90, factors: 8, seed: 3, modelId: 'same', jobId: 'j1' });
    const dir = join(root, 'same');
    await writeModel(dir, M);
    const inWorker = await loadServingDataInWorker(dir);
    const here = prepareServingData(await readPackedModel(dir));
    expect(inWorker).toEqual(here);
    // The ids and entities as the TrainedModel had them.
    const served = new ServedModel(inWorker, undefined, {});
    M.sourceIds.forEach((id, u) => { expect(served.sourceIndex.get(id)).toBe(u); expect(served.sourceId(u)).toBe(id); });
    M.targetIds.forEach((id, i) => expect(served.targetIndex.get(id)).toBe(i));
    M.targetEntities.type.forEach((t, i) => expect(served.targetTypes.at(i)).toBe(t));
    M.targetEntities.metadata.forEach((t, i) => expect(served.targetMetadata.at(i)).toBe(t));
    M.sourceEntities.type.forEach((t, u) => expect(served.sourceTypes.at(u)).toBe(t));
  });

  it('while a large model loads, the event loop answers calls; concurrent first requests share the one load', async () => {
    const srv = await startTestServer();
    servers.push(srv);
    const M = wideModel(300_000, 500, 4, 'big', 'j1');
    const dir = new DataDir(root).modelDir('big', 'j1');
    await writeModel(dir, M);
    const hold = new Int32Array(new SharedArrayBuffer(8));
    let loads = 0;
    const cache = new ModelCache({
      resolveServed: () => ({ jobId: 'j1', dir }), hasAnyJob: () => true, budgetBytes: 1e12,
      load: (d) => { loads++; return loadServingDataInWorker(d, { hold }); },
    });
    const workersBefore = liveWorkerCount();
    const events: string[] = [];
    const first = cache.get('big').then((s) => { events.push('loaded'); return s; });
    const second = cache.get('big');
    // The whole model is read and indexed on the loader thread; its answer is held back: the load is in progress.
    await answerWhileHeld(srv, hold, events, 'the worker to have read and indexed the model', workersBefore);
    const [a, b] = await Promise.all([first, second]);
    expect(events).toEqual(['health answered', 'ListModels answered', 'loaded']);
    expect(loads).toBe(1);
    expect(a).toBe(b);
    expect(a.sourceCount).toBe(300_000);
    for (const u of [0, 1, 123_456, 299_999]) expect(a.sourceIndex.get(`user-${u}`)).toBe(u);
    expect(a.sourceIndex.get('user-300000')).toBeUndefined();
    await until(() => liveWorkerCount() === workersBefore, 'the loader thread to end');
  });

  it("builds the scorer's memory on the loader thread: calls are answered meanwhile, the event loop copies no factor, rankings are bit for bit those of a scorer built on the event loop", async () => {
    const srv = await startTestServer();
    servers.push(srv);
    // 250k targets x 32 factors: a 32 MB copy of the factors and their int8 copy to build.
    const n = 250_000, k = 32;
    const M = wideModel(2_000, n, k, 'catalog', 'j1');
    const dir = new DataDir(root).modelDir('catalog', 'j1');
    await writeModel(dir, M);
    const hold = new Int32Array(new SharedArrayBuffer(8));
    const scoringSeen: ScoringOptions[] = [];
    const cache = new ModelCache({
      resolveServed: () => ({ jobId: 'j1', dir }), hasAnyJob: () => true, budgetBytes: 1e12, scoring: { slots: 1 },
      load: (d, scoring) => { scoringSeen.push(scoring); return loadServingDataInWorker(d, { scoring, hold }); },
    });
    const workersBefore = liveWorkerCount();
    const builtBefore = scorerMemoriesBuilt();
    const events: string[] = [];
    const loaded = cache.get('catalog').then((s) => { events.push('loaded'); return s; });
    // The loader holds its answer once the model is prepared, its scorer memory included.
    await answerWhileHeld(srv, hold, events, "the worker to have built the scorer's memory", workersBefore);
    const served = await loaded;
    expect(events).toEqual(['health answered', 'ListModels answered', 'loaded']);
    expect(scoringSeen).toEqual([{ slots: 1 }]);
    // The memory came from the loader thread: none was built here, and the served factors are its copy (shared, stored once).
    expect(scorerMemoriesBuilt()).toBe(builtBefore);
    const scorer = served.scorer!;
    expect([scorer.n, scorer.k, scorer.slots, scorer.quantized]).toEqual([n, k, 1, true]);
    expect(served.model.targetFactors.buffer).toBeInstanceOf(SharedArrayBuffer);
    await until(() => liveWorkerCount() === workersBefore, 'the loader thread to end');

    // The same model with its scorer built on the event loop (the counter sees that one).
    const reference = new ServedModel(prepareServingData(await readPackedModel(dir)), undefined, { slots: 1 });
    expect(scorerMemoriesBuilt()).toBe(builtBefore + 1);
    const bits = (a: Float32Array) => new Uint32Array(a.buffer, a.byteOffset, a.length);
    const [got, want] = [bits(scorer.targetFactors), bits(reference.scorer!.targetFactors)];
    let differing = 0;
    for (let j = 0; j < want.length; j++) if (got[j] !== want[j]) differing++;
    expect([got.length, differing]).toEqual([n * k, 0]);
    expect(scorer.share().q!.stats).toEqual(reference.scorer!.share().q!.stats);
    const pool = new ScoringPool(1);
    try {
      for (const u of [0, 1, 777, 1_999]) {
        const x = reference.model.sourceFactors.subarray(u * k, (u + 1) * k);
        const seen = seenOf(reference, u);
        const want = reference.scorer!.top(x, 10, null, seen);
        expect(scorer.top(x, 10, null, seen)).toEqual(want);
        // A scoring worker attaches to the memory the (ended) loader thread built.
        const pooled = await pool.rank(served, Float32Array.from(x), 10, null, seen);
        expect([pooled.indices, pooled.scores]).toEqual([want.indices, want.scores]);
      }
    } finally {
      await pool.close();
    }
    expect(scorer.counts.prefiltered).toBeGreaterThan(0);
  });

  it('a server loads a large model on the worker after a restart and answers as the model ranks', async () => {
    const srv = await startTestServer();
    servers.push(srv);
    const M = wideModel(200_000, 300, 8, 'restart', 'j1');
    await serveModel(srv, M);
    await srv.stop();
    const again = await startTestServer({ dataDir: srv.dataDir });
    servers.push(again);
    const dir = new DataDir(again.dataDir).modelDir('restart', 'j1');
    // The files are above the inline limit: loadServingData takes the worker path for them.
    expect(await modelFilesBytes(dir)).toBeGreaterThan(INLINE_LOAD_BYTES);
    const reference = new ServedModel(prepareServingData(await readPackedModel(dir)), undefined, {});
    const us = [0, 77, 199_999];
    const res = await recommend(again, { model_id: 'restart', source_ids: us.map((u) => `user-${u}`) });
    us.forEach((u, j) => {
      const x = reference.model.sourceFactors.subarray(u * 8, (u + 1) * 8);
      const want = rankByScore(reference, x, 10, { mask: null, list: null, allowed: reference.targetCount }, seenOf(reference, u));
      expect(res.results[j]!.strategy).toBe('model');
      expect(res.results[j]!.recommendations.map((r) => [r.target_id, r.score])).toEqual(Array.from(want.indices, (i, p) => [`item-${i}`, want.scores[p]]));
    });
    // The served copy of the factors is the scorer memory the loader thread built.
    const served = await again.app.serving.get('restart');
    expect(served.model.targetFactors.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(served.scorer?.slots).toBe(1);
  });
});

describe('a corrupt model file', () => {
  it('fails the load with an error naming the file, on the worker as inline; the server answers INTERNAL and retries later', async () => {
    const M = syntheticModel({ sources: 30, targets: 40, factors: 4, seed: 9, modelId: 'bad', jobId: 'j1' });
    const badSeen: TrainedModel = { ...M, seen: { ...M.seen, indices: M.seen.indices.map((v, e) => (e === 3 ? 4000 : v)) } };
    const dir = join(root, 'bad-seen');
    await writeModel(dir, badSeen);
    for (const inlineBelowBytes of [0, 1e9]) {
      await expect(loadServingData(dir, { inlineBelowBytes })).rejects.toThrow(/seen\.arrow: target_index 4000 at row 3 outside the 40 targets/);
    }
    const srv = await startTestServer();
    servers.push(srv);
    await serveModel(srv, M);
    const file = join(new DataDir(srv.dataDir).modelDir('bad', 'j1'), 'sources.arrow');
    const good = readFileSync(file);
    writeFileSync(file, good.subarray(0, 200));
    const err = await recommend(srv, { model_id: 'bad', source_id: 'u1' }).catch((e) => e);
    expect(err.code).toBe(grpcStatus.INTERNAL);
    expect(err.details).toMatch(/model "bad" \(job j1\) could not be loaded: .*sources\.arrow/);
    await expect(srv.app.serving.get('bad')).rejects.toBeInstanceOf(InternalError);
    const health = healthClient(srv.address);
    try { expect(await checkHealth(health)).toBe('SERVING'); } finally { health.close(); }
    // A failed load is not kept: once the file is whole again, the next request loads it.
    writeFileSync(file, good);
    const res = await recommend(srv, { model_id: 'bad', source_id: 'u1' });
    expect(res.job_id).toBe('j1');
    expect(res.results[0]!.strategy).toBe('model');
  });
});

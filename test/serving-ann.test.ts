import { status as grpcStatus } from '@grpc/grpc-js';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { AnnIndex__Output } from '../src/gen/recommender/v1/AnnIndex.js';
import type { DeleteModelRequest } from '../src/gen/recommender/v1/DeleteModelRequest.js';
import type { DeleteModelResponse__Output } from '../src/gen/recommender/v1/DeleteModelResponse.js';
import type { GetModelRequest } from '../src/gen/recommender/v1/GetModelRequest.js';
import type { Model__Output } from '../src/gen/recommender/v1/Model.js';
import type { RecommendRequest } from '../src/gen/recommender/v1/RecommendRequest.js';
import type { RecommendResponse__Output } from '../src/gen/recommender/v1/RecommendResponse.js';
import type { RollbackModelRequest } from '../src/gen/recommender/v1/RollbackModelRequest.js';
import type { TrainedModel } from '../src/data/trained-model.js';
import { compileServerOptions } from '../src/config.js';
import { DataDir } from '../src/data-dir.js';
import { JobRepo } from '../src/service/jobs/job-repo.js';
import type { ServedModel } from '../src/service/models/served-model.js';
import { ANN_INDEX_FILE, ANN_META_FILE, type AnnMeta } from '../src/service/serving/ann-index.js';
import { annWantedFor, rankByScore } from '../src/service/serving/rank.js';
import { seenOf } from '../src/service/serving/recommender.js';
import { rejection } from './helpers/import.js';
import { call, startTestServer, type TestServer } from './helpers/server.js';
import { plantedModel, rng, serveModel } from './helpers/serving.js';

/**
 * ANN serving (serving/ann-index.ts): Recommend through an HNSW index above a catalog-size threshold,
 * re-ranked exactly, with every filter and exclusion; `exact` as before; one index per model version.
 * Real servers over real sockets; small catalogs with a low threshold so indexes build in seconds.
 */
const THRESHOLD = 1000;
const servers: TestServer[] = [];
afterAll(async () => { for (const s of servers) await s.dispose(); });

async function server(o: Parameters<typeof startTestServer>[0] = {}): Promise<TestServer> {
  const s = await startTestServer({ annThresholdTargets: THRESHOLD, annBuildThreads: 2, ...o });
  servers.push(s);
  return s;
}
const recommend = (s: TestServer, req: RecommendRequest) => call<RecommendRequest, RecommendResponse__Output>(s.client.Recommend.bind(s.client), req);
const getModel = (s: TestServer, id: string) => call<GetModelRequest, Model__Output>(s.client.GetModel.bind(s.client), { model_id: id });
const rollback = (s: TestServer, id: string, version: number) => call<RollbackModelRequest, Model__Output>(s.client.RollbackModel.bind(s.client), { model_id: id, version });
const deleteModel = (s: TestServer, id: string) => call<DeleteModelRequest, DeleteModelResponse__Output>(s.client.DeleteModel.bind(s.client), { model_id: id });

/** Polls GetModel until the served version's index is no longer pending (generous bound: a loaded 2-core machine). */
async function annReady(s: TestServer, id: string): Promise<AnnIndex__Output> {
  for (let t = 0; t < 600; t++) {
    const ann = (await getModel(s, id)).ann;
    if (ann && ann.state !== 'building' && ann.state !== 'not built') return ann;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the index of ${id} did not become ready`);
}

/** Serves `M` (as a completed training does) and waits for its index. */
async function serveIndexed(s: TestServer, M: TrainedModel): Promise<AnnIndex__Output> {
  await serveModel(s, M);
  return annReady(s, M.meta.modelId);
}

function ranked(r: RecommendResponse__Output, j = 0): Array<{ id: string; score: number }> {
  return r.results[j]!.recommendations.map((x) => ({ id: x.target_id, score: x.score }));
}

describe('ANN index: build, recall, GetModel', () => {
  it('planted data: the index is built off the event loop, recall@10 above the bound, reported by GetModel; small catalogs get none', async () => {
    const s = await server();
    const ann = await serveIndexed(s, plantedModel({ sources: 400, targets: 4000, factors: 16, seed: 3, modelId: 'planted', jobId: 'p1' }));
    // Built at the swap by the build worker from the version's files: the model itself is not loaded for it.
    expect(s.app.serving.stats().models).toBe(0);
    expect(ann.kind).toBe('hnsw (usearch)');
    expect(ann.state).toBe('ready');
    expect(ann.threshold_targets).toBe(String(THRESHOLD));
    expect(ann.recall_at_10).toBeGreaterThanOrEqual(0.95); // the configured target (default)
    expect(ann.build_seconds).toBeGreaterThan(0);
    expect(Number(ann.bytes)).toBeGreaterThan(0);
    expect(ann.breadth).toBeGreaterThan(0);
    const dir = new DataDir(s.dataDir).modelDir('planted', 'p1');
    expect(existsSync(join(dir, ANN_INDEX_FILE)) && existsSync(join(dir, ANN_META_FILE))).toBe(true);

    // Recall of the served answers against exact ones, every source (the calibration sampled all 400).
    let hits = 0, total = 0;
    for (let u = 0; u < 400; u++) {
      const [a, e] = await Promise.all([recommend(s, { model_id: 'planted', source_id: `u${u}` }), recommend(s, { model_id: 'planted', source_id: `u${u}`, exact: true })]);
      const want = new Set(ranked(e).map((x) => x.id));
      total += want.size;
      hits += ranked(a).filter((x) => want.has(x.id)).length;
    }
    expect(hits / total).toBeGreaterThanOrEqual(0.95);
    const served = await s.app.serving.get('planted');
    expect(served.annCounts.approximate).toBeGreaterThan(300);
    expect(served.ann?.meta.builtMs).toBe((JSON.parse(readFileSync(join(dir, ANN_META_FILE), 'utf8')) as AnnMeta).builtMs); // the stored one, attached at load

    // Below the threshold: no index, no files, nothing in GetModel.
    const small = plantedModel({ sources: 50, targets: THRESHOLD - 1, factors: 16, seed: 4, modelId: 'small', jobId: 's1' });
    await serveModel(s, small);
    await recommend(s, { model_id: 'small', source_id: 'u1' });
    expect((await getModel(s, 'small')).ann).toBeNull();
    expect(existsSync(join(new DataDir(s.dataDir).modelDir('small', 's1'), ANN_INDEX_FILE))).toBe(false);
  });

  it('a build runs on its own thread: while the builder is held, the server answers (exactly) and GetModel says building', async () => {
    const s = await server();
    const builder = s.app.serving.annBuilder!;
    const flag = new Int32Array(new SharedArrayBuffer(4));
    const held = builder.hold(flag);
    const M = plantedModel({ sources: 80, targets: 1500, factors: 8, seed: 9, modelId: 'held', jobId: 'h1' });
    await serveModel(s, M);
    const first = await recommend(s, { model_id: 'held', source_id: 'u2' });
    expect((await getModel(s, 'held')).ann?.state).toBe('building');
    expect(ranked(first)).toEqual(ranked(await recommend(s, { model_id: 'held', source_id: 'u2', exact: true })));
    const served = await s.app.serving.get('held');
    expect(served.ann).toBeUndefined();
    Atomics.store(flag, 0, 1);
    Atomics.notify(flag, 0);
    await held;
    expect((await annReady(s, 'held')).state).toBe('ready');
    expect(served.ann?.meta.jobId).toBe('h1');
  });

  it('rejects a target recall outside (0, 1]', () => {
    expect(() => compileServerOptions({ annRecall: 0 })).toThrow(/annRecall must be in \(0, 1\]/);
    expect(() => compileServerOptions({ annRecall: 1.5 })).toThrow(/annRecall/);
  });
});

describe('ANN serving respects every filter and exclusion', () => {
  const Q = plantedModel({ sources: 200, targets: 3000, factors: 16, seed: 5, modelId: 'q', jobId: 'q1', targetTypes: ['movie', 'show', null] });
  const n = Q.targetIds.length;
  const typeOf = (i: number) => Q.targetEntities.type[i];
  const genreOf = (i: number) => { const m = Q.targetEntities.metadata[i]; return m ? (JSON.parse(m) as { genre: string }).genre : undefined; };

  it('random requests (seeded): a subset of the catalog passing every filter, exact scores, the exact path\'s length; exact: true equals a server without an index', async () => {
    // One build thread: the same graph on both servers (the insertion order and the level draws are then fixed).
    const pool = await server({ servingThreads: 1, servingInlineWork: 0, annBuildThreads: 1 }); // every ranking on the scoring worker
    const inline = await server({ servingThreads: 0, annBuildThreads: 1 }); // every ranking on the event loop
    const plain = await server({ annThresholdTargets: 0 }); // no index at all: today's exact path
    for (const s of [pool, inline, plain]) await serveModel(s, Q);
    await annReady(pool, 'q');
    await annReady(inline, 'q');
    const served = await pool.app.serving.get('q');
    const r = rng(11);
    const pick = <T>(a: T[]) => a[Math.floor(r() * a.length)]!;
    for (let j = 0; j < 150; j++) {
      const u = Math.floor(r() * Q.sourceIds.length);
      const req: RecommendRequest = { model_id: 'q', source_id: `u${u}`, max_recommendations: pick([1, 5, 10, 10, 25, 60]) };
      if (r() < 0.3) req.exclude_seen = false;
      if (r() < 0.3) req.target_type = pick(['movie', 'show']);
      if (r() < 0.3) req.target_filter = { metadata: [{ key: 'genre', values: [pick(['drama', 'comedy', 'action'])] }], types: r() < 0.5 ? ['movie', 'show'] : [] };
      if (r() < 0.15) req.include_target_ids = [...Array.from({ length: 1 + Math.floor(r() * 200) }, () => `t${Math.floor(r() * n)}`), 'not-a-target'];
      if (r() < 0.4) req.exclude_target_ids = Array.from({ length: Math.floor(r() * 300) }, () => `t${Math.floor(r() * n)}`);
      const [a, b, e, p] = await Promise.all([recommend(pool, req), recommend(inline, req), recommend(pool, { ...req, exact: true }), recommend(plain, req)]);
      const what = `request ${j}: ${JSON.stringify(req)}`;
      expect(e, what).toEqual(p);
      expect(ranked(a), what).toEqual(ranked(b));
      const got = ranked(a);
      const seen = new Set(Q.seen.indices.subarray(Q.seen.indptr[u], Q.seen.indptr[u + 1]));
      const include = req.include_target_ids ? new Set(req.include_target_ids) : undefined;
      const exclude = new Set(req.exclude_target_ids ?? []);
      const types = new Set([...(req.target_type ? [req.target_type] : []), ...(req.target_filter?.types ?? [])]);
      expect(new Set(got.map((x) => x.id)).size, what).toBe(got.length);
      expect(got.length, what).toBe(ranked(e).length);
      const exactScores = served.scorer!.scores(served.model.sourceFactors.subarray(u * 16, (u + 1) * 16));
      for (const { id, score } of got) {
        const i = Number(id.slice(1));
        expect(Q.targetIds[i], what).toBe(id);
        if (req.exclude_seen !== false) expect(seen.has(i), `${what}: ${id} seen`).toBe(false);
        expect(exclude.has(id), `${what}: ${id} excluded`).toBe(false);
        if (include) expect(include.has(id), `${what}: ${id} not included`).toBe(true);
        if (req.target_type) expect(typeOf(i), what).toBe(req.target_type);
        if (req.target_filter?.types?.length) expect(types.has(typeOf(i) ?? ''), what).toBe(true);
        if (req.target_filter) expect(genreOf(i), what).toBe(req.target_filter.metadata![0]!.values![0]);
        // The exact path's score of that target, bit for bit (include lists are ranked exactly: their own loop).
        if (!include) expect(score, `${what}: score of ${id}`).toBe(exactScores[i]);
      }
      if (include) expect(got, what).toEqual(ranked(e));
      for (let x = 1; x < got.length; x++) expect(got[x - 1]!.score, what).toBeGreaterThanOrEqual(got[x]!.score);
    }
    expect(served.annCounts.approximate).toBeGreaterThan(50);

    // Exclusions that take out every candidate the index proposes: too few survive, the exact path answers.
    const fallbacks = served.annCounts.fallback;
    const top = await recommend(pool, { model_id: 'q', source_id: 'u7', max_recommendations: 300, exact: true });
    const req: RecommendRequest = { model_id: 'q', source_id: 'u7', exclude_target_ids: ranked(top).map((x) => x.id) };
    const [a, e] = await Promise.all([recommend(pool, req), recommend(plain, req)]);
    expect(ranked(a)).toEqual(ranked(e));
    expect(served.annCounts.fallback).toBe(fallbacks + 1);
  });
});

describe('model swap under load never mixes indexes', () => {
  it("each response is its version's ranking through its version's index, and both versions answer", async () => {
    // Version B ranks targets in the opposite order of A (negated target factors): B's index proposes A's
    // worst targets, so a response mixing A's factors with B's index (or the other way) is not the ranking
    // of its version through its own index, which every response must equal exactly. HNSW search is
    // deterministic for a given graph, so that check is strict without depending on how good one query's
    // recall happens to be (the graph itself is built by 2 threads and differs from run to run).
    const s = await server({ servingThreads: 1, servingInlineWork: 0 });
    const A = plantedModel({ sources: 60, targets: 1500, factors: 8, seed: 7, modelId: 'swap', jobId: 'sA' });
    const B: TrainedModel = { ...A, meta: { ...A.meta, jobId: 'sB' }, targetFactors: A.targetFactors.map((v) => -v) };
    const versions = new Map<string, ServedModel>();
    for (const M of [A, B]) {
      expect((await serveIndexed(s, M)).state).toBe('ready');
      versions.set(M.meta.jobId, await s.app.serving.get('swap'));
    }
    const all = (v: ServedModel) => ({ mask: null, list: null, allowed: v.targetCount });
    const ids = (v: ServedModel, t: { indices: Int32Array }) => Array.from(t.indices, (i) => v.targetId(i));
    /** Version `job`'s answer for source u in this process: its exact top-10, its scores, its ranking through its own index and through the other version's. */
    const expected = (job: string, u: number) => {
      const v = versions.get(job)!;
      const other = versions.get(job === 'sA' ? 'sB' : 'sA')!;
      const x = v.model.sourceFactors.subarray(u * 8, (u + 1) * 8);
      const seen = seenOf(v, u);
      const exactTop = rankByScore(v, x, 10, all(v), seen);
      const wanted = annWantedFor(v, 10, all(v), seen, false);
      const own = rankByScore(v, x, 10, all(v), seen, wanted);
      const mixed = v.scorer!.annTop(x, other.annIndex()!.candidates(x, wanted), 10, null, seen);
      return {
        top: new Set(ids(v, exactTop)), scores: v.scorer!.scores(x).slice(), own: ids(v, own), approximate: own.approximate === true,
        mixed: mixed ? ids(v, mixed) : undefined,
      };
    };
    const repo = new JobRepo(s.app.db);
    const jobs = { sA: repo.get('sA')!, sB: repo.get('sB')! };
    let stop = false, swaps = 0;
    const swapper = (async () => {
      while (!stop) {
        const next = swaps % 2 === 0 ? A : B;
        s.app.models.commit(next.meta, Date.now(), () => repo.update(jobs[next.meta.jobId as 'sA' | 'sB']));
        swaps++;
        await new Promise((r) => setTimeout(r, 15));
      }
    })();
    const seenJobs = { sA: 0, sB: 0 } as Record<string, number>;
    let responses = 0, hits = 0, mixedHits = 0, throughIndex = 0;
    // At least 20 waves, then on until both versions have answered (generous bound for a loaded machine).
    for (let wave = 0; wave < 200 && (wave < 20 || seenJobs.sA === 0 || seenJobs.sB === 0); wave++) {
      const us = Array.from({ length: 12 }, (_, j) => (wave * 12 + j) % 60);
      const answers = await Promise.all(us.map((u) => recommend(s, { model_id: 'swap', source_id: `u${u}` })));
      answers.forEach((res, j) => {
        const what = `wave ${wave} request ${j} (${res.job_id})`;
        expect(['sA', 'sB']).toContain(res.job_id);
        seenJobs[res.job_id]!++;
        const want = expected(res.job_id, us[j]!);
        const got = ranked(res);
        expect(got.length, what).toBe(10);
        for (const { id, score } of got) expect(score, `${what}: ${id}`).toBe(want.scores[Number(id.slice(1))]);
        // Strict: exactly its version's ranking through its version's index (or its exact fallback).
        expect(got.map(({ id }) => id), what).toEqual(want.own);
        if (want.approximate) throughIndex++;
        responses++;
        hits += got.filter(({ id }) => want.top.has(id)).length;
        mixedHits += want.mixed ? want.mixed.filter((id) => want.top.has(id)).length : 0;
      });
    }
    stop = true;
    await swapper;
    expect(swaps).toBeGreaterThan(5);
    expect(seenJobs.sA).toBeGreaterThan(0);
    expect(seenJobs.sB).toBeGreaterThan(0);
    expect(throughIndex).toBeGreaterThan(0); // answers did go through the indexes
    // The premise of the check, on average (one query's recall varies with the graph): a version's own index
    // finds most of its exact top-10; the other version's index almost none of it.
    expect(hits / responses).toBeGreaterThan(0.5);
    expect(mixedHits / responses).toBeLessThan(2);
    // Every loaded version carries the index of its own version.
    for (const v of versions.values()) expect(v.ann?.meta.jobId).toBe(v.jobId);
  }, 240_000); // two index builds and 240+ requests: minutes on a loaded 2-core machine
});

describe('the index persists with the model version', () => {
  it('a restart reuses the stored index; a stale or missing one is rebuilt', async () => {
    const first = await server();
    const built = await serveIndexed(first, plantedModel({ sources: 100, targets: 1200, factors: 8, seed: 13, modelId: 'kept', jobId: 'k1' }));
    const dir = new DataDir(first.dataDir).modelDir('kept', 'k1');
    const metaPath = join(dir, ANN_META_FILE);
    const stored = JSON.parse(readFileSync(metaPath, 'utf8')) as AnnMeta;
    await first.stop();

    // Restart: GetModel reports the stored index before any request; the first Recommend attaches it, no build.
    const second = await server({ dataDir: first.dataDir });
    const again = (await getModel(second, 'kept')).ann!;
    expect(again).toEqual(built);
    await recommend(second, { model_id: 'kept', source_id: 'u1' });
    const served = await second.app.serving.get('kept');
    expect(served.ann?.meta.builtMs).toBe(stored.builtMs);
    expect(second.app.serving.annBuilder!.state(dir)).toBeUndefined();
    await second.stop();

    // A meta that names another version (and a leftover of an interrupted build) -> rebuilt on load.
    writeFileSync(metaPath, JSON.stringify({ ...stored, jobId: 'another-job' }));
    const leftover = join(dir, `.tmp-0123456789ab-${ANN_INDEX_FILE}`);
    writeFileSync(leftover, 'partial');
    const third = await server({ dataDir: first.dataDir });
    await recommend(third, { model_id: 'kept', source_id: 'u1' });
    expect((await annReady(third, 'kept')).state).toBe('ready');
    const rebuilt = JSON.parse(readFileSync(metaPath, 'utf8')) as AnnMeta;
    expect(rebuilt.jobId).toBe('k1');
    expect(rebuilt.builtMs).toBeGreaterThan(stored.builtMs);
    expect(existsSync(leftover)).toBe(false);
  });
});

describe('the index follows the model versions', () => {
  it("a rollback serves the older version through its own stored index (no rebuild); a delete takes the index files with the model", async () => {
    const s = await server();
    // B ranks in the opposite order of A (negated target factors): through the other version's index, A's
    // answers would miss its exact top-10 and fail the recall check below.
    const A = plantedModel({ sources: 60, targets: 1500, factors: 8, seed: 17, modelId: 'ver', jobId: 'vA' });
    const B: TrainedModel = { ...A, meta: { ...A.meta, jobId: 'vB' }, targetFactors: A.targetFactors.map((v) => -v) };
    const annA = await serveIndexed(s, A);
    expect(annA.state).toBe('ready');
    expect((await serveIndexed(s, B)).state).toBe('ready');
    const layout = new DataDir(s.dataDir);
    const dirA = layout.modelDir('ver', 'vA');
    const storedA = JSON.parse(readFileSync(join(dirA, ANN_META_FILE), 'utf8')) as AnnMeta;
    expect(storedA.jobId).toBe('vA');
    expect((JSON.parse(readFileSync(join(layout.modelDir('ver', 'vB'), ANN_META_FILE), 'utf8')) as AnnMeta).jobId).toBe('vB');

    expect((await rollback(s, 'ver', 1)).job_id).toBe('vA');
    expect(await annReady(s, 'ver')).toEqual(annA); // version 1's stored index, as GetModel reported it before
    const served = await s.app.serving.get('ver');
    expect(served.jobId).toBe('vA');
    expect(served.ann?.meta.builtMs).toBe(storedA.builtMs); // attached from its directory, not rebuilt
    expect(s.app.serving.annBuilder!.state(dirA)).toBeUndefined();
    for (let u = 0; u < 20; u++) {
      const res = await recommend(s, { model_id: 'ver', source_id: `u${u}` });
      expect(res.job_id).toBe('vA');
      const x = A.sourceFactors.subarray(u * 8, (u + 1) * 8);
      const scores = served.scorer!.scores(x).slice(); // (the scorer's buffer is reused by the next ranking)
      const want = new Set(Array.from(rankByScore(served, x, 10, { mask: null, list: null, allowed: served.targetCount }, seenOf(served, u)).indices, (i) => `t${i}`));
      const got = ranked(res);
      for (const { id, score } of got) expect(score, `u${u}: ${id}`).toBe(scores[Number(id.slice(1))]);
      expect(got.filter(({ id }) => want.has(id)).length, `u${u}`).toBeGreaterThanOrEqual(6);
    }
    expect(served.annCounts.approximate).toBeGreaterThan(0);

    await deleteModel(s, 'ver');
    expect(existsSync(layout.modelDir('ver'))).toBe(false); // the versions' directories, indexes included, renamed away at once
    expect((await rejection(getModel(s, 'ver'))).code).toBe(grpcStatus.NOT_FOUND);
    expect((await rejection(recommend(s, { model_id: 'ver', source_id: 'u1' }))).code).toBe(grpcStatus.NOT_FOUND);
  });
});

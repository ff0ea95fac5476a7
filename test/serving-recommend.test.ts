import { status, type ServiceError } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecommendRequest } from '../src/gen/recommender/v1/RecommendRequest.js';
import type { RecommendResponse__Output } from '../src/gen/recommender/v1/RecommendResponse.js';
import type { RecommendAllResponse__Output } from '../src/gen/recommender/v1/RecommendAllResponse.js';
import type { RecommendAllRequest } from '../src/gen/recommender/v1/RecommendAllRequest.js';
import type { SimilarItemsRequest } from '../src/gen/recommender/v1/SimilarItemsRequest.js';
import type { SimilarItemsResponse__Output } from '../src/gen/recommender/v1/SimilarItemsResponse.js';
import { call, startTestServer, type TestServer } from './helpers/server.js';
import { bruteForce, dot, recordPendingJob, serveModel, syntheticModel } from './helpers/serving.js';

let srv: TestServer;
const M = syntheticModel({ sources: 60, targets: 150, factors: 8, density: 0.08, seed: 21, modelId: 'm1', jobId: 'job-a' });
const k = 8;

const recommend = (req: RecommendRequest, s = srv) => call<RecommendRequest, RecommendResponse__Output>(s.client.Recommend.bind(s.client), req);
const similar = (req: SimilarItemsRequest, s = srv) => call<SimilarItemsRequest, SimilarItemsResponse__Output>(s.client.SimilarItems.bind(s.client), req);

async function expectError(p: Promise<unknown>, code: status, field?: string, message?: RegExp): Promise<void> {
  const err = await p.then(() => undefined, (e: ServiceError) => e);
  expect(err, 'expected the call to fail').toBeDefined();
  expect(err!.code).toBe(code);
  if (field !== undefined) expect(err!.metadata.get('field')[0]).toBe(field);
  if (message) expect(err!.details).toMatch(message);
}

function seenOf(u: number): Set<number> {
  return new Set(M.seen.indices.subarray(M.seen.indptr[u], M.seen.indptr[u + 1]));
}
function meta(i: number): Record<string, unknown> | undefined {
  const s = M.targetEntities.metadata[i];
  return s ? JSON.parse(s) : undefined;
}
function expected(u: number, count: number, allowed: (i: number) => boolean, excludeSeen = true) {
  const seen = seenOf(u);
  const scores = Array.from({ length: M.targetIds.length }, (_, i) => dot(M.sourceFactors, u * k, M.targetFactors, i * k, k));
  return bruteForce(scores, (i) => allowed(i) && (!excludeSeen || !seen.has(i)), count);
}
function ids(r: RecommendResponse__Output, j = 0): string[] {
  return r.results[j]!.recommendations.map((x) => x.target_id);
}
function expectRanked(r: RecommendResponse__Output, j: number, want: Array<{ i: number; s: number }>): void {
  const got = r.results[j]!.recommendations;
  expect(got.map((x) => x.target_id)).toEqual(want.map(({ i }) => M.targetIds[i]));
  expect(got.map((x) => x.rank)).toEqual(want.map((_, n) => n + 1));
  got.forEach((x, n) => expect(x.score).toBeCloseTo(want[n]!.s, 4));
}

beforeAll(async () => {
  srv = await startTestServer();
  await serveModel(srv, M);
});
afterAll(async () => { await srv?.dispose(); });

describe('Recommend', () => {
  it('equals a brute-force ranking for every source (exclude_seen default true), several k', async () => {
    for (let u = 0; u < 60; u++) {
      const count = [1, 5, 10, 37][u % 4]!;
      const r = await recommend({ model_id: 'm1', source_id: `u${u}`, max_recommendations: count });
      expect(r.model_id).toBe('m1');
      expect(r.job_id).toBe('job-a');
      expect(r.results[0]!.strategy).toBe('model');
      expect(r.results[0]!.source_id).toBe(`u${u}`);
      expectRanked(r, 0, expected(u, count, () => true));
    }
  });

  it('defaults to 10 results, caps at 1000, and exclude_seen=false keeps training targets', async () => {
    const d = await recommend({ model_id: 'm1', source_id: 'u3' });
    expect(d.results[0]!.recommendations).toHaveLength(10);
    const all = await recommend({ model_id: 'm1', source_id: 'u3', max_recommendations: 5000, exclude_seen: false });
    expectRanked(all, 0, expected(3, 1000, () => true, false));
    expect(all.results[0]!.recommendations).toHaveLength(150);
    const withSeen = await recommend({ model_id: 'm1', source_id: 'u3', max_recommendations: 150, exclude_seen: true });
    expect(withSeen.results[0]!.recommendations).toHaveLength(150 - seenOf(3).size);
    expect(seenOf(3).size).toBeGreaterThan(0);
  });

  it('several sources answer in request order, unknown ones with the popularity fallback', async () => {
    const r = await recommend({ model_id: 'm1', source_ids: ['u7', 'nobody', 'u8'], max_recommendations: 6 });
    expect(r.results.map((x) => [x.source_id, x.strategy])).toEqual([['u7', 'model'], ['nobody', 'popularity'], ['u8', 'model']]);
    expectRanked(r, 0, expected(7, 6, () => true));
    expectRanked(r, 2, expected(8, 6, () => true));
    const pop = Array.from(M.targetPopularity);
    const want = bruteForce(pop, () => true, 6);
    expect(ids(r, 1)).toEqual(want.map(({ i }) => M.targetIds[i]));
    expect(r.results[1]!.recommendations.map((x) => x.score)).toEqual(want.map(({ s }) => s));
  });

  it('popularity fallback honours the filters; strict mode answers NOT_FOUND naming the source', async () => {
    const r = await recommend({ model_id: 'm1', source_id: 'ghost', target_type: 'show', exclude_target_ids: ['t1'], max_recommendations: 7 });
    const want = bruteForce(Array.from(M.targetPopularity), (i) => M.targetEntities.type[i] === 'show' && i !== 1, 7);
    expect(ids(r)).toEqual(want.map(({ i }) => M.targetIds[i]));
    await expectError(recommend({ model_id: 'm1', source_id: 'ghost', strict: true }), status.NOT_FOUND, 'source_id', /ghost/);
    await expectError(recommend({ model_id: 'm1', source_ids: ['u1', 'ghost2'], strict: true }), status.NOT_FOUND, 'source_ids[1]', /ghost2/);
  });

  it('applies target_type, include, exclude and metadata filters like a brute-force filter', async () => {
    const cases: Array<{ req: Partial<RecommendRequest>; allowed: (i: number) => boolean }> = [
      { req: { target_type: 'movie' }, allowed: (i) => M.targetEntities.type[i] === 'movie' },
      { req: { include_target_ids: ['t5', 't9', 't77', 't140', 'unknown-id'] }, allowed: (i) => [5, 9, 77, 140].includes(i) },
      { req: { exclude_target_ids: Array.from({ length: 40 }, (_, i) => `t${i * 2}`) }, allowed: (i) => !(i % 2 === 0 && i < 80) },
      { req: { include_target_ids: ['t5', 't9', 't77'], exclude_target_ids: ['t9'] }, allowed: (i) => [5, 77].includes(i) },
      { req: { target_filter: { types: ['movie', 'show'] } }, allowed: (i) => M.targetEntities.type[i] !== null },
      { req: { target_filter: { metadata: [{ key: 'genre', values: ['drama'] }] } }, allowed: (i) => meta(i)?.genre === 'drama' },
      { req: { target_filter: { metadata: [{ key: 'genre', values: ['drama', 'action'] }, { key: 'kids', values: ['true'] }] } }, allowed: (i) => ['drama', 'action'].includes(meta(i)?.genre as string) && meta(i)?.kids === true },
      { req: { target_filter: { metadata: [{ key: 'year', values: ['2001'] }] } }, allowed: (i) => meta(i)?.year === 2001 },
      { req: { target_type: 'show', target_filter: { types: ['movie'] } }, allowed: () => false },
      { req: { target_type: 'movie', target_filter: { metadata: [{ key: 'missing', values: ['x'] }] } }, allowed: () => false },
      { req: { target_type: 'movie', target_filter: { metadata: [{ key: 'kids', values: ['false'] }] }, exclude_target_ids: ['t3'] }, allowed: (i) => M.targetEntities.type[i] === 'movie' && meta(i)?.kids === false && i !== 3 },
    ];
    for (const [n, c] of cases.entries()) {
      for (const u of [0, 11, 42]) {
        const r = await recommend({ model_id: 'm1', source_id: `u${u}`, max_recommendations: 12, ...c.req });
        const want = expected(u, 12, c.allowed);
        expect(ids(r), `case ${n} u${u}`).toEqual(want.map(({ i }) => M.targetIds[i]));
        // exclude_seen also applies with filters
        for (const x of r.results[0]!.recommendations) expect(seenOf(u).has(Number(x.target_id.slice(1)))).toBe(false);
      }
    }
  });

  it('rejects bad requests with INVALID_ARGUMENT naming the field, and keeps serving', async () => {
    await expectError(recommend({ source_id: 'u1' }), status.INVALID_ARGUMENT, 'model_id');
    await expectError(recommend({ model_id: 'm1' }), status.INVALID_ARGUMENT, 'source_id');
    await expectError(recommend({ model_id: 'm1', source_id: 'u1', source_ids: ['u2'] }), status.INVALID_ARGUMENT, 'source_ids');
    await expectError(recommend({ model_id: 'm1', source_ids: ['u1', ''] }), status.INVALID_ARGUMENT, 'source_ids[1]');
    await expectError(recommend({ model_id: 'm1', source_ids: Array.from({ length: 101 }, (_, i) => `u${i}`) }), status.INVALID_ARGUMENT, 'source_ids', /at most 100/);
    await expectError(recommend({ model_id: 'm1', source_id: 'u1', max_recommendations: -1 }), status.INVALID_ARGUMENT, 'max_recommendations');
    await expectError(recommend({ model_id: 'm1', source_id: 'u1', target_filter: { metadata: [{ key: '', values: ['a'] }] } }), status.INVALID_ARGUMENT, 'target_filter.metadata[0].key');
    await expectError(recommend({ model_id: 'm1', source_id: 'u1', target_filter: { metadata: [{ key: 'genre', values: [] }] } }), status.INVALID_ARGUMENT, 'target_filter.metadata[0].values');
    await expectError(recommend({ model_id: 'm1', source_id: 'u1', target_filter: { types: [''] } }), status.INVALID_ARGUMENT, 'target_filter.types[0]');
    await expectError(recommend({ model_id: 'm1', source_id: 'u1', exclude_target_ids: ['t1', ''] }), status.INVALID_ARGUMENT, 'exclude_target_ids[1]');
    await expectError(recommend({ model_id: 'm1', interactions: [{ target_id: 't1', weight: -2 }] }), status.INVALID_ARGUMENT, 'interactions[0].weight');
    await expectError(recommend({ model_id: 'm1', interactions: [{ target_id: 't1' }, { target_id: '' }] }), status.INVALID_ARGUMENT, 'interactions[1].target_id');
    await expectError(recommend({ model_id: 'm1', source_ids: ['a', 'b'], interactions: [{ target_id: 't1' }] }), status.INVALID_ARGUMENT, 'source_ids');
    const ok = await recommend({ model_id: 'm1', source_id: 'u1' });
    expect(ok.results[0]!.recommendations).toHaveLength(10);
  });

  it('unknown model -> NOT_FOUND; a model still training for the first time -> FAILED_PRECONDITION', async () => {
    await expectError(recommend({ model_id: 'nope', source_id: 'u1' }), status.NOT_FOUND, 'model_id', /nope/);
    recordPendingJob(srv, 'training-model', 'job-pending');
    await expectError(recommend({ model_id: 'training-model', source_id: 'u1' }), status.FAILED_PRECONDITION, 'model_id', /no completed training/);
    await expectError(similar({ model_id: 'training-model', target_id: 't1' }), status.FAILED_PRECONDITION);
  });
});

describe('SimilarItems', () => {
  const norm = (i: number) => Math.sqrt(dot(M.targetFactors, i * k, M.targetFactors, i * k, k));
  const cos = (a: number, b: number) => dot(M.targetFactors, a * k, M.targetFactors, b * k, k) / (norm(a) * norm(b));

  it('equals brute-force cosine, never the item itself, with filters', async () => {
    for (const t of [0, 17, 149]) {
      const r = await similar({ model_id: 'm1', target_id: `t${t}`, max_results: 9 });
      const want = bruteForce(Array.from({ length: 150 }, (_, i) => cos(t, i)), (i) => i !== t, 9);
      expect(r.similar.map((x) => x.target_id)).toEqual(want.map(({ i }) => `t${i}`));
      r.similar.forEach((x, n) => expect(x.score).toBeCloseTo(want[n]!.s, 5));
      expect(r.similar.map((x) => x.rank)).toEqual(want.map((_, n) => n + 1));
    }
    const f = await similar({ model_id: 'm1', target_id: 't4', target_type: 'movie', exclude_target_ids: ['t6'], target_filter: { metadata: [{ key: 'kids', values: ['true'] }] } });
    const want = bruteForce(Array.from({ length: 150 }, (_, i) => cos(4, i)), (i) => i !== 4 && i !== 6 && M.targetEntities.type[i] === 'movie' && meta(i)?.kids === true, 10);
    expect(f.similar.map((x) => x.target_id)).toEqual(want.map(({ i }) => `t${i}`));
    const inc = await similar({ model_id: 'm1', target_id: 't4', include_target_ids: ['t4', 't8', 't9'] });
    expect(inc.similar.map((x) => x.target_id).sort()).toEqual(['t8', 't9']);
  });

  it('unknown target -> NOT_FOUND; missing fields -> INVALID_ARGUMENT', async () => {
    await expectError(similar({ model_id: 'm1', target_id: 'zzz' }), status.NOT_FOUND, 'target_id', /zzz/);
    await expectError(similar({ model_id: 'm1' }), status.INVALID_ARGUMENT, 'target_id');
    await expectError(similar({ model_id: 'm1', target_id: 't1', max_results: -3 }), status.INVALID_ARGUMENT, 'max_results');
    await expectError(similar({ model_id: 'nope', target_id: 't1' }), status.NOT_FOUND, 'model_id');
  });
});

function recommendAll(req: RecommendAllRequest, srv_ = srv): Promise<RecommendAllResponse__Output[]> {
  return new Promise((resolve, reject) => {
    const out: RecommendAllResponse__Output[] = [];
    const s = srv_.client.RecommendAll(req);
    s.on('data', (m: RecommendAllResponse__Output) => out.push(m));
    s.on('error', reject);
    s.on('end', () => resolve(out));
  });
}

describe('RecommendAll', () => {
  it('covers every source exactly once, in chunks, each list equal to Recommend', async () => {
    const msgs = await recommendAll({ model_id: 'm1', max_recommendations: 7, chunk_size: 16 });
    expect(msgs.map((m) => m.results.length)).toEqual([16, 16, 16, 12]);
    const all = msgs.flatMap((m) => m.results);
    expect(all.map((r) => r.source_id)).toEqual(M.sourceIds);
    for (const [u, r] of all.entries()) {
      const want = expected(u, 7, () => true);
      expect(r.recommendations.map((x) => x.target_id)).toEqual(want.map(({ i }) => M.targetIds[i]));
      expect(r.strategy).toBe('model');
    }
  });

  it('source_type, target filters and exclude_seen=false', async () => {
    const msgs = await recommendAll({ model_id: 'm1', source_type: 'admin', target_type: 'movie', exclude_seen: false, max_recommendations: 4 });
    const all = msgs.flatMap((m) => m.results);
    const admins = M.sourceIds.filter((_, u) => M.sourceEntities.type[u] === 'admin');
    expect(all.map((r) => r.source_id)).toEqual(admins);
    for (const r of all) {
      const u = Number(r.source_id.slice(1));
      expect(r.recommendations.map((x) => x.target_id)).toEqual(expected(u, 4, (i) => M.targetEntities.type[i] === 'movie', false).map(({ i }) => M.targetIds[i]));
    }
    await expect(recommendAll({ model_id: 'm1', chunk_size: -1 })).rejects.toMatchObject({ code: status.INVALID_ARGUMENT });
    await expect(recommendAll({ model_id: 'zzz' })).rejects.toMatchObject({ code: status.NOT_FOUND });
  });

  it('stops when the client cancels, and the server keeps serving', async () => {
    const s = srv.client.RecommendAll({ model_id: 'm1', chunk_size: 1 });
    const got = await new Promise<{ n: number; code?: number }>((resolve) => {
      let n = 0;
      s.on('data', () => { n++; if (n === 2) s.cancel(); });
      s.on('error', (e: ServiceError) => resolve({ n, code: e.code }));
      s.on('end', () => resolve({ n }));
    });
    expect(got.code).toBe(status.CANCELLED);
    expect(got.n).toBeLessThan(60);
    const ok = await recommend({ model_id: 'm1', source_id: 'u1' });
    expect(ok.results).toHaveLength(1);
  });
});

describe('plain JS scoring path (no WebAssembly kernel)', () => {
  it('Recommend, SimilarItems and RecommendAll give the same answers on a server with wasmScoring off', async () => {
    const js = await startTestServer({ wasmScoring: false });
    try {
      await serveModel(js, M);
      for (const u of [0, 5, 33]) {
        const r = await recommend({ model_id: 'm1', source_id: `u${u}`, max_recommendations: 9, exclude_target_ids: ['t2'] }, js);
        expectRanked(r, 0, expected(u, 9, (i) => i !== 2));
      }
      const a = await similar({ model_id: 'm1', target_id: 't17', max_results: 8 });
      const b = await similar({ model_id: 'm1', target_id: 't17', max_results: 8 }, js);
      expect(b.similar.map((x) => x.target_id)).toEqual(a.similar.map((x) => x.target_id));
      const all = (await recommendAll({ model_id: 'm1', max_recommendations: 5, chunk_size: 25, target_type: 'movie' }, js)).flatMap((m) => m.results);
      expect(all.map((r) => r.source_id)).toEqual(M.sourceIds);
      for (const [u, r] of all.entries()) {
        expect(r.recommendations.map((x) => x.target_id)).toEqual(expected(u, 5, (i) => M.targetEntities.type[i] === 'movie').map(({ i }) => M.targetIds[i]));
      }
    } finally {
      await js.dispose();
    }
  });
});

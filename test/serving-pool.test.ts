import { afterAll, describe, expect, it } from 'vitest';
import { compileServerOptions } from '../src/config.js';
import { InternalError } from '../src/errors.js';
import type { RecommendResponse__Output } from '../src/gen/recommender/v1/RecommendResponse.js';
import { ServedModel } from '../src/service/models/served-model.js';
import { ANN_WORK_PER_CANDIDATE, rankByScore, rankingWork } from '../src/service/serving/rank.js';
import { seenOf } from '../src/service/serving/recommender.js';
import { ScoringPool } from '../src/service/serving/scoring-pool.js';
import type { ScoringProtocol } from '../src/service/serving/scoring-protocol.js';
import { BatchScorer, WasmScorer } from '../src/service/serving/wasm-scorer.js';
import type { WorkerClient } from '../src/util/worker-rpc.js';
import { call, startTestServer, type TestServer } from './helpers/server.js';
import { rng, serveModel, syntheticModel } from './helpers/serving.js';

const pools: ScoringPool[] = [];
const servers: TestServer[] = [];
afterAll(async () => {
  for (const p of pools) await p.close();
  for (const s of servers) await s.dispose();
});

describe('BatchScorer (a scoring worker slot)', () => {
  it('scores 1-4 sources per pass bit-identically to the event loop scorer (k = 64, 12, 7)', () => {
    for (const k of [64, 12, 7]) {
      const n = 301;
      const r = rng(k);
      const Y = new Float32Array(n * k).map(() => r() * 2 - 1);
      const main = WasmScorer.create(Y, n, k, { slots: 2 })!;
      expect(main.slots).toBe(2);
      const slot = new BatchScorer(main.share(), 1);
      for (let g = 1; g <= 4; g++) {
        const xs = Array.from({ length: g }, () => new Float32Array(k).map(() => r() * 2 - 1));
        const got = slot.scoreBatch(xs).map((s) => Array.from(s));
        xs.forEach((x, q) => {
          expect(got[q], `k ${k} group ${g} source ${q}`).toEqual(Array.from(main.scores(x)));
          const m = Array.from(slot.blockMaxima(q));
          expect(m).toEqual(Array.from(main.blockMaxima()));
        });
      }
      expect(() => new BatchScorer(main.share(), 2)).toThrow(/no scoring slot 2/);
    }
  });
});

describe('ScoringPool', () => {
  it('ranks exactly like rankByScore under concurrency (masks, seen, two models, two workers) and batches queued requests', async () => {
    const pool = new ScoringPool(2);
    pools.push(pool);
    const models = [
      new ServedModel(syntheticModel({ sources: 40, targets: 700, factors: 16, seed: 3, modelId: 'a' }), 1, { slots: 2 }),
      new ServedModel(syntheticModel({ sources: 30, targets: 257, factors: 8, seed: 4, modelId: 'b' }), 1, { slots: 2 }),
    ];
    const r = rng(9);
    const jobs: Array<{ got: Promise<unknown>; want: unknown; what: string }> = [];
    for (let j = 0; j < 200; j++) {
      const served = models[j % 2]!;
      const u = Math.floor(r() * served.sourceCount);
      const count = [1, 10, 50, 1000][j % 4]!;
      const mask = j % 3 === 0 ? Uint8Array.from({ length: served.targetCount }, () => (r() < 0.5 ? 1 : 0)) : null;
      const seen = j % 5 === 0 ? undefined : seenOf(served, u);
      const x = served.model.sourceFactors.subarray(u * served.k, (u + 1) * served.k);
      const want = rankByScore(served, x, count, { mask, list: null, allowed: mask ? mask.reduce((a, b) => a + b, 0) : served.targetCount }, seen);
      jobs.push({ got: pool.rank(served, x, count, mask, seen), want: { indices: Array.from(want.indices), scores: Array.from(want.scores) }, what: `request ${j}` });
    }
    for (const { got, want, what } of jobs) {
      const t = (await got) as { indices: Int32Array; scores: Float64Array };
      expect({ indices: Array.from(t.indices), scores: Array.from(t.scores) }, what).toEqual(want);
    }
    expect(pool.stats().requests).toBe(200);

    // Requests that queue while the worker is busy share one pass over the factors: a large catalog
    // keeps the single worker busy for milliseconds while four small requests are posted behind it.
    const one = new ScoringPool(1);
    pools.push(one);
    const big = new ServedModel(syntheticModel({ sources: 1, targets: 100_000, factors: 64, seed: 5, density: 0.0001 }), 1, { slots: 1 });
    const small = new ServedModel(syntheticModel({ sources: 8, targets: 500, factors: 16, seed: 6 }), 1, { slots: 1 });
    const xs = (s: ServedModel, u: number) => s.model.sourceFactors.subarray(u * s.k, (u + 1) * s.k);
    const all = [one.rank(big, xs(big, 0), 10, null), ...[0, 1, 2, 3].map((u) => one.rank(small, xs(small, u), 10, null))];
    const results = await Promise.all(all);
    [0, 1, 2, 3].forEach((u) => expect(Array.from(results[u + 1]!.indices)).toEqual(Array.from(rankByScore(small, xs(small, u), 10, { mask: null, list: null, allowed: small.targetCount }).indices)));
    expect(one.stats().requests).toBe(5);
    expect(one.stats().batched).toBeGreaterThan(0);
  });

  it('a worker that stops fails its requests in flight (INTERNAL) and is restarted; after repeated stops the pool gives up', async () => {
    const pool = new ScoringPool(1);
    pools.push(pool);
    const served = new ServedModel(syntheticModel({ sources: 4, targets: 300, factors: 8, seed: 8 }), 1, { slots: 1 });
    const x = served.model.sourceFactors.subarray(0, 8);
    const want = Array.from(rankByScore(served, x, 5, { mask: null, list: null, allowed: served.targetCount }).indices);
    expect(Array.from((await pool.rank(served, x, 5, null)).indices)).toEqual(want);
    const slots = (pool as unknown as { slots: Array<{ client: WorkerClient<ScoringProtocol> }> }).slots;
    // The worker is held inside a call, so the request below is queued behind it, certainly in flight, when the
    // worker stops (a stop the pool did not ask for, as a crash would be).
    const flag = new Int32Array(new SharedArrayBuffer(4));
    const held = slots[0]!.client.call('hold', flag).catch((e: Error) => e);
    const inFlight = pool.rank(served, x, 5, null);
    await slots[0]!.client.worker.terminate();
    await expect(inFlight).rejects.toThrow(/scoring worker stopped/);
    expect(await held).toBeInstanceOf(InternalError);
    // a fresh worker, which is sent the model again with its first request
    expect(Array.from((await pool.rank(served, x, 5, null)).indices)).toEqual(want);
    for (let i = 0; i < 4; i++) await slots[0]!.client.worker.terminate();
    expect(pool.accepts(served)).toBe(false);
  });

  it('refuses work once closed (the server then scores on the event loop)', async () => {
    const pool = new ScoringPool(1);
    const served = new ServedModel(syntheticModel({ sources: 2, targets: 10, factors: 4 }), 1, { slots: 1 });
    expect(pool.accepts(served)).toBe(true);
    expect(pool.accepts(new ServedModel(syntheticModel({ sources: 2, targets: 10, factors: 4 }), 1, { slots: 0 }))).toBe(false);
    await pool.close();
    expect(pool.accepts(served)).toBe(false);
    await expect(pool.rank(served, new Float32Array(4), 3, null)).rejects.toThrow(/closed/);
  });
});

describe('Recommend with and without scoring threads', () => {
  it('answers identically with servingThreads 0 (event loop) and 2, and validates the option', async () => {
    const model = syntheticModel({ sources: 50, targets: 900, factors: 24, seed: 11, modelId: 'p' });
    const a = await startTestServer({ servingThreads: 0 });
    const b = await startTestServer({ servingThreads: 2, servingInlineWork: 0 }); // every ranking on the threads
    servers.push(a, b);
    await serveModel(a, model);
    await serveModel(b, model);
    const ask = (s: TestServer, req: object) => call<object, RecommendResponse__Output>(s.client.Recommend.bind(s.client), req);
    const reqs = Array.from({ length: 40 }, (_, u) => ({
      model_id: 'p', source_id: `u${u}`, max_recommendations: 5 + u, exclude_seen: u % 3 !== 0,
      ...(u % 4 === 0 ? { target_type: 'movie' } : {}),
      ...(u % 7 === 0 ? { interactions: [{ target_id: 't1', weight: 2 }, { target_id: 't5' }], source_id: `new-${u}` } : {}),
    }));
    const ra = await Promise.all(reqs.map((q) => ask(a, q)));
    const rb = await Promise.all(reqs.map((q) => ask(b, q)));
    expect(rb).toEqual(ra);
    expect(ra.some((r) => r.results[0]!.strategy === 'fold_in')).toBe(true);
    expect(() => compileServerOptions({ servingThreads: -1 })).toThrow(/servingThreads must be an integer >= 0/);
    expect(() => compileServerOptions({ servingInlineWork: -1 })).toThrow(/servingInlineWork must be an integer >= 0/);
  });

  it('rankings up to servingInlineWork stay on the event loop; larger ones go to the threads', async () => {
    const pool = new ScoringPool(1, undefined, 900 * 24);
    pools.push(pool);
    const served = new ServedModel(syntheticModel({ sources: 5, targets: 900, factors: 24, seed: 12 }), 1, { slots: 1 });
    expect(rankingWork(served, 0)).toBe(900 * 24); // an exact pass
    expect(pool.takes(served, rankingWork(served, 0))).toBe(false);
    expect(pool.takes(served, rankingWork(served, 0) + 1)).toBe(true);
    expect(rankingWork(served, 10)).toBe(10 * 24 * ANN_WORK_PER_CANDIDATE);
    expect(pool.takes(new ServedModel(syntheticModel({ sources: 5, targets: 900, factors: 24, seed: 12 }), 1, { slots: 0 }), 1e9)).toBe(false); // no slot for the worker
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readModel, writeModel } from '../src/data/model-file.js';
import { FailedPreconditionError, InternalError, NotFoundError } from '../src/errors.js';
import type { RecommendRequest } from '../src/gen/recommender/v1/RecommendRequest.js';
import type { RecommendResponse__Output } from '../src/gen/recommender/v1/RecommendResponse.js';
import { DataDir } from '../src/data-dir.js';
import { JobRepo } from '../src/service/jobs/job-repo.js';
import { ModelCache } from '../src/service/models/model-cache.js';
import type { TrainedModel } from '../src/data/trained-model.js';
import { call, startTestServer, type TestServer } from './helpers/server.js';
import { serveModel, syntheticModel } from './helpers/serving.js';

/**
 * Two jobs of one model with recognisably different factors: in job A every source ranks targets by
 * ascending score y_i = i (best: t49, t48, ...), in job B by y_i = -i (best: t0, t1, ...). Scores
 * differ too (A: 49, 48, ...; B: 0, -1, ...). A response mixing the two would match neither.
 */
function patterned(jobId: string, sign: number): TrainedModel {
  const m = syntheticModel({ sources: 20, targets: 50, factors: 2, density: 0, modelId: 'swap', jobId });
  m.sourceFactors = Float32Array.from({ length: 40 }, (_, j) => (j % 2 === 0 ? 1 : 0));
  m.targetFactors = Float32Array.from({ length: 100 }, (_, j) => (j % 2 === 0 ? sign * (j / 2) : 0));
  return m;
}
const A = patterned('job-A', 1);
const B = patterned('job-B', -1);
const expectA = Array.from({ length: 10 }, (_, j) => ({ id: `t${49 - j}`, score: 49 - j }));
const expectB = Array.from({ length: 10 }, (_, j) => ({ id: `t${j}`, score: j === 0 ? 0 : -j }));

let srv: TestServer;
beforeAll(async () => { srv = await startTestServer(); });
afterAll(async () => { await srv?.dispose(); });

describe('model swap under load', () => {
  it('every response is entirely from one model, and both models are seen', async () => {
    await serveModel(srv, A);
    await serveModel(srv, B);
    const repo = new JobRepo(srv.app.db);
    const jobs = { A: repo.get('job-A')!, B: repo.get('job-B')! };
    const recommend = (req: RecommendRequest) => call<RecommendRequest, RecommendResponse__Output>(srv.client.Recommend.bind(srv.client), req);
    let stop = false;
    let swaps = 0;
    const swapper = (async () => {
      while (!stop) {
        const next = swaps % 2 === 0 ? 'A' : 'B';
        srv.app.models.commit((next === 'A' ? A : B).meta, Date.now(), () => repo.update(jobs[next]));
        swaps++;
        await new Promise((r) => setTimeout(r, 3));
      }
    })();
    const seen = { 'job-A': 0, 'job-B': 0 } as Record<string, number>;
    for (let wave = 0; wave < 25; wave++) {
      const responses = await Promise.all(Array.from({ length: 16 }, (_, j) => recommend({ model_id: 'swap', source_ids: [`u${j}`, `u${19 - j}`, 'cold'] })));
      for (const res of responses) {
        const want = res.job_id === 'job-A' ? expectA : expectB;
        expect(['job-A', 'job-B']).toContain(res.job_id);
        seen[res.job_id]!++;
        for (const r of res.results.slice(0, 2)) {
          expect(r.recommendations.map((x) => ({ id: x.target_id, score: x.score }))).toEqual(want);
        }
      }
    }
    stop = true;
    await swapper;
    expect(swaps).toBeGreaterThan(10);
    expect(seen['job-A']).toBeGreaterThan(0);
    expect(seen['job-B']).toBeGreaterThan(0);
  });
});

describe('ModelCache', () => {
  const root = mkdtempSync(join(tmpdir(), 'model-cache-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const served = new Map<string, string>();
  const pending = new Set<string>();
  let loads = 0;
  const mk = (budgetBytes: number) => new ModelCache({
    resolveServed: (id) => (served.has(id) ? { jobId: served.get(id)!, dir: new DataDir(root).modelDir(id, served.get(id)!) } : undefined),
    hasAnyJob: (id) => served.has(id) || pending.has(id),
    budgetBytes,
    load: (dir) => { loads++; return readModel(dir); },
  });

  it('loads lazily, deduplicates concurrent loads, evicts LRU by bytes, reloads after a swap', async () => {
    for (const id of ['a', 'b', 'c']) {
      await writeModel(new DataDir(root).modelDir(id, 'j1'), syntheticModel({ sources: 50, targets: 200, factors: 16, modelId: id, jobId: 'j1' }));
      served.set(id, 'j1');
    }
    const probe = await mk(1e12).get('a');
    const oneModel = probe.bytes;
    loads = 0;
    const cache = mk(Math.floor(oneModel * 2.5));
    const same = await Promise.all(Array.from({ length: 8 }, () => cache.get('a')));
    expect(loads).toBe(1);
    expect(new Set(same).size).toBe(1);
    await cache.get('b');
    expect(cache.stats().models).toBe(2);
    await cache.get('a'); // a is now most recent
    await cache.get('c'); // evicts b (least recently used)
    expect(loads).toBe(3);
    expect(cache.stats().models).toBe(2);
    expect(cache.stats().bytes).toBeLessThanOrEqual(Math.floor(oneModel * 2.5));
    await cache.get('a');
    expect(loads).toBe(3);
    await cache.get('b');
    expect(loads).toBe(4);
    // a new job for a: picked up by the next get without invalidate; the old reference stays intact
    const old = await cache.get('a');
    await writeModel(new DataDir(root).modelDir('a', 'j2'), syntheticModel({ sources: 5, targets: 7, factors: 16, modelId: 'a', jobId: 'j2' }));
    served.set('a', 'j2');
    const fresh = await cache.get('a');
    expect(fresh.jobId).toBe('j2');
    expect(fresh.targetCount).toBe(7);
    expect(old.jobId).toBe('j1');
    expect(old.targetCount).toBe(200);
    cache.invalidate('a');
    await cache.get('a');
    expect(loads).toBe(6);
  });

  it('unknown model -> NotFoundError; only unfinished jobs -> FailedPreconditionError; unreadable -> InternalError', async () => {
    const cache = mk(1e9);
    await expect(cache.get('ghost')).rejects.toBeInstanceOf(NotFoundError);
    pending.add('p');
    await expect(cache.get('p')).rejects.toBeInstanceOf(FailedPreconditionError);
    served.set('broken', 'j9');
    await expect(cache.get('broken')).rejects.toBeInstanceOf(InternalError);
  });
});

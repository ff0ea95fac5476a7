import { status as grpcStatus } from '@grpc/grpc-js';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ListModelVersionsResponse__Output } from '../src/gen/recommender/v1/ListModelVersionsResponse.js';
import type { Model__Output } from '../src/gen/recommender/v1/Model.js';
import type { RecommendResponse__Output } from '../src/gen/recommender/v1/RecommendResponse.js';
import type { TrainingStatus__Output } from '../src/gen/recommender/v1/TrainingStatus.js';
import type { TrainRequest } from '../src/gen/recommender/v1/TrainRequest.js';
import { rejection } from './helpers/import.js';
import { call, startTestServer, type TestServer } from './helpers/server.js';
import { fieldOf, importBatch, waitFor, waitTerminal, type Row } from './helpers/jobs.js';

/**
 * The promote gate (Train.promote = PROMOTE_IF_BETTER) both ways, on data with a planted structure (users
 * and items in 5 groups, users interact within their group) where a real fit clearly beats a crippled one
 * (1 factor, 1 iteration, huge regularization). Retention keeps 2 versions and the serving one besides.
 */
interface Event { type: string; data: { job_id: string; status: string; version?: number; promoted?: boolean; promotion?: string } }
const events: Event[] = [];
let hooks: Server;
let hookUrl = '';
let srv: TestServer;

function plantedRows(): Row[] {
  let x = 7;
  const rnd = () => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x / 0x100000000; };
  const rows: Row[] = [];
  for (let u = 0; u < 200; u++) for (let j = 0; j < 12; j++) rows.push({ s: `u${u}`, t: `i${(u % 5) + 5 * Math.floor(rnd() * 24)}` });
  return rows;
}

const GOOD = { factors: 8, iterations: 6, regularization: 1, seed: 1 };
const BAD = { factors: 1, iterations: 1, regularization: 1e6, seed: 2 };
const EVAL = { holdout_fraction: 0.2, seed: 3 };

beforeAll(async () => {
  hooks = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => { body += c; });
    req.on('end', () => { events.push(JSON.parse(body) as Event); res.writeHead(200).end(); });
  });
  await new Promise<void>((r) => hooks.listen(0, '127.0.0.1', r));
  hookUrl = `http://127.0.0.1:${(hooks.address() as AddressInfo).port}/hook`;
  srv = await startTestServer({ modelVersionsKept: 2 });
  await importBatch(srv, 'INTERACTIONS', plantedRows(), ['p']);
});
afterAll(async () => {
  await srv?.dispose();
  await new Promise((r) => hooks?.close(r));
});

async function trained(req: Partial<TrainRequest>): Promise<TrainingStatus__Output> {
  const s = await call<TrainRequest, TrainingStatus__Output>(srv.client.Train.bind(srv.client), { model_id: 'gate', data_tags: ['p'], evaluation: EVAL, callback_url: hookUrl, ...req });
  const done = await waitTerminal(srv.client, s.job_id);
  expect(done.status, done.error).toBe('COMPLETED');
  await waitFor(() => events.some((e) => e.data.job_id === s.job_id), 15_000, 'its callback');
  return done;
}
const eventOf = (jobId: string) => events.find((e) => e.data.job_id === jobId)!;
const versions = async () => (await call<object, ListModelVersionsResponse__Output>(srv.client.ListModelVersions.bind(srv.client), { model_id: 'gate' })).versions;
const servingJob = async () => (await call<object, RecommendResponse__Output>(srv.client.Recommend.bind(srv.client), { model_id: 'gate', source_id: 'u3' })).job_id;

describe('promote PROMOTE_IF_BETTER', () => {
  it('refuses a worse version (kept, not serving, the reason in status, versions and webhook) and promotes a better or tolerated one', async () => {
    const v1 = await trained({ hyperparameters: GOOD, promote: 'PROMOTE_IF_BETTER' });
    expect([v1.version, v1.promoted]).toEqual([1, true]);
    expect(v1.promotion).toMatch(/^promoted: no version was serving \(ndcg@10 0\.\d{4}\)$/);
    const goodNdcg = v1.evaluation!.model!.ndcg_at_k;

    const v2 = await trained({ hyperparameters: BAD, promote: 'PROMOTE_IF_BETTER' });
    const badNdcg = v2.evaluation!.model!.ndcg_at_k;
    expect(badNdcg).toBeLessThan(goodNdcg - 0.05);
    expect([v2.version, v2.promoted]).toEqual([2, false]);
    expect(v2.promotion).toBe(`not promoted: ndcg@10 ${badNdcg.toFixed(4)} vs ${goodNdcg.toFixed(4)} of the serving version 1, tolerance 0: worse by ${(goodNdcg - badNdcg).toFixed(4)}; the serving version stays`);
    expect(eventOf(v2.job_id)).toMatchObject({ type: 'training.completed', data: { status: 'COMPLETED', version: 2, promoted: false, promotion: v2.promotion } });
    expect(eventOf(v1.job_id).data).toMatchObject({ version: 1, promoted: true });
    expect(await servingJob()).toBe(v1.job_id);
    const m = await call<object, Model__Output>(srv.client.GetModel.bind(srv.client), { model_id: 'gate' });
    expect([m.version, m.job_id, m.latest_job?.job_id, m.latest_job?.promoted]).toEqual([1, v1.job_id, v2.job_id, false]);
    expect((await versions()).map((v) => [v.version, v.serving, v.promotion])).toEqual([[2, false, v2.promotion], [1, true, '']]);

    // Another refused one: retention keeps the 2 newest and the serving version besides.
    const v3 = await trained({ hyperparameters: { ...BAD, seed: 5 }, promote: 'PROMOTE_IF_BETTER' });
    expect(v3.promoted).toBe(false);
    expect((await versions()).map((v) => [v.version, v.serving])).toEqual([[3, false], [2, false], [1, true]]);

    // Within the tolerance: promoted, saying by how much it compared.
    const v4 = await trained({ hyperparameters: { ...BAD, seed: 6 }, promote: 'PROMOTE_IF_BETTER', promote_tolerance: 1 });
    expect([v4.version, v4.promoted]).toEqual([4, true]);
    expect(v4.promotion).toMatch(new RegExp(`^promoted: ndcg@10 0\\.\\d{4} vs ${goodNdcg.toFixed(4)} of the serving version 1, tolerance 1$`));
    expect(eventOf(v4.job_id).data).toMatchObject({ version: 4, promoted: true, promotion: v4.promotion });
    expect(await servingJob()).toBe(v4.job_id);
    expect((await versions()).map((v) => [v.version, v.serving])).toEqual([[4, true], [3, false]]);

    // Better on the chosen metric: promoted.
    const v5 = await trained({ hyperparameters: GOOD, promote: 'PROMOTE_IF_BETTER', promote_metric: 'precision' });
    expect([v5.version, v5.promoted]).toEqual([5, true]);
    expect(v5.promotion).toMatch(/^promoted: precision@10 0\.\d{4} vs 0\.\d{4} of the serving version 4, tolerance 0$/);
    expect(await servingJob()).toBe(v5.job_id);
    // Without a gate: promoted, no reason given.
    const v6 = await trained({ hyperparameters: BAD });
    expect([v6.version, v6.promoted, v6.promotion]).toEqual([6, true, '']);
    expect(eventOf(v6.job_id).data).toMatchObject({ version: 6, promoted: true, promotion: '' });
  }, 180_000);

  it('refuses a gate without an evaluation, an unknown metric and a negative tolerance, naming the field', async () => {
    const bad = async (req: Partial<TrainRequest>, field: string, message: RegExp) => {
      const err = await rejection(call(srv.client.Train.bind(srv.client), { model_id: 'gate-bad', data_tags: ['p'], ...req }));
      expect(err.code).toBe(grpcStatus.INVALID_ARGUMENT);
      expect(fieldOf(err)).toBe(field);
      expect(err.details).toMatch(message);
    };
    await bad({ promote: 'PROMOTE_IF_BETTER' }, 'evaluation.holdout_fraction', /PROMOTE_IF_BETTER compares evaluations: set evaluation.holdout_fraction/);
    await bad({ promote: 'PROMOTE_IF_BETTER', evaluation: { holdout_fraction: 0 } }, 'evaluation.holdout_fraction', /set evaluation.holdout_fraction/);
    await bad({ promote: 'PROMOTE_IF_BETTER', evaluation: EVAL, promote_metric: 'auc' }, 'promote_metric', /one of ndcg, precision, recall, map/);
    await bad({ promote: 'PROMOTE_IF_BETTER', evaluation: EVAL, promote_tolerance: -0.1 }, 'promote_tolerance', />= 0/);
  });
});

import { status as grpcStatus } from '@grpc/grpc-js';
import { existsSync, readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeModel } from '../src/data/model-file.js';
import { DataDir } from '../src/data-dir.js';
import type { DeleteModelResponse__Output } from '../src/gen/recommender/v1/DeleteModelResponse.js';
import type { ListModelVersionsResponse__Output } from '../src/gen/recommender/v1/ListModelVersionsResponse.js';
import type { Model__Output } from '../src/gen/recommender/v1/Model.js';
import type { RecommendResponse__Output } from '../src/gen/recommender/v1/RecommendResponse.js';
import type { TrainingStatus__Output } from '../src/gen/recommender/v1/TrainingStatus.js';
import type { TrainRequest } from '../src/gen/recommender/v1/TrainRequest.js';
import { openCatalog } from '../src/service/store/catalog.js';
import { MIGRATIONS } from '../src/service/store/schema.js';
import type { RecommenderClient } from '../src/gen/recommender/v1/Recommender.js';
import { runCli } from './helpers/cli.js';
import { rejection } from './helpers/import.js';
import { call, startTestServer, tempDataDir, type TestServer } from './helpers/server.js';
import { fieldOf, getStatus, importBatch, randomRows, waitFor, waitTerminal } from './helpers/jobs.js';
import { syntheticModel } from './helpers/serving.js';

/** Model versions over the real gRPC API: retention, rollback, delete, restart, an old data dir, the CLI. */
const KEPT = 2;
let srv: TestServer;

const rpc = (c: RecommenderClient) => ({
  train: (req: TrainRequest) => call<TrainRequest, TrainingStatus__Output>(c.Train.bind(c), req),
  versions: (model_id: string) => call<object, ListModelVersionsResponse__Output>(c.ListModelVersions.bind(c), { model_id }),
  rollback: (model_id: string, version: number) => call<object, Model__Output>(c.RollbackModel.bind(c), { model_id, version }),
  del: (model_id: string, force = false) => call<object, DeleteModelResponse__Output>(c.DeleteModel.bind(c), { model_id, force }),
  model: (model_id: string) => call<object, Model__Output>(c.GetModel.bind(c), { model_id }),
  recommend: (model_id: string, source_ids: string[]) => call<object, RecommendResponse__Output>(c.Recommend.bind(c), { model_id, source_ids, max_recommendations: 10 }),
});
let api: ReturnType<typeof rpc>;

async function trained(model_id: string, seed: number, extra: Partial<TrainRequest> = {}): Promise<TrainingStatus__Output> {
  const s = await api.train({ model_id, data_tags: ['v'], hyperparameters: { factors: 8, iterations: 3, seed }, ...extra });
  const done = await waitTerminal(srv.client, s.job_id);
  expect(done.status, done.error).toBe('COMPLETED');
  return done;
}

async function expectFailure(p: Promise<unknown>, code: number, field: string, message?: RegExp): Promise<void> {
  const err = await rejection(p);
  expect(err.code, err.details).toBe(code);
  expect(fieldOf(err)).toBe(field);
  if (message) expect(err.details).toMatch(message);
}

beforeAll(async () => {
  srv = await startTestServer({ modelVersionsKept: KEPT });
  api = rpc(srv.client);
  await importBatch(srv, 'INTERACTIONS', randomRows(200, 120, 8), ['v']);
});
afterAll(async () => { await srv?.dispose(); });

describe('versions and retention', () => {
  it('numbers every completed job, keeps the newest ones, names the serving one', async () => {
    const j1 = await trained('ret', 1);
    const j2 = await trained('ret', 2);
    const j3 = await trained('ret', 3);
    expect([j1.version, j2.version, j3.version]).toEqual([1, 2, 3]);
    expect([j1.promoted, j2.promoted, j3.promoted]).toEqual([true, true, true]);
    expect(j3.promotion).toBe('');
    const list = await api.versions('ret');
    expect(list.versions.map((v) => [v.version, v.job_id, v.serving])).toEqual([[3, j3.job_id, true], [2, j2.job_id, false]]);
    const v2 = list.versions[1]!;
    expect(v2).toMatchObject({ model_id: 'ret', factors: 8, source_count: '200', backend: 'wasm', promotion: '' });
    expect(v2.hyperparameters?.seed).toBe(2);
    expect(v2.batch_ids.length).toBe(1);
    expect((await api.model('ret')).version).toBe(3);
    // Version 1 was dropped by retention: its row at once (its directory a minute later, or at the next start).
    await expectFailure(api.rollback('ret', 1), grpcStatus.NOT_FOUND, 'version', /version 1 of model "ret" was removed.*kept versions: 3, 2/);
    // A rollback is one call; serving switches at once, a later training serves its own version.
    const m = await api.rollback('ret', 2);
    expect([m.version, m.job_id, m.serving]).toEqual([2, j2.job_id, true]);
    expect((await api.recommend('ret', ['u1'])).job_id).toBe(j2.job_id);
    expect((await api.versions('ret')).versions.map((v) => [v.version, v.serving])).toEqual([[3, false], [2, true]]);
    const j4 = await trained('ret', 4);
    expect(j4.version).toBe(4);
    expect((await api.versions('ret')).versions.map((v) => [v.version, v.serving])).toEqual([[4, true], [3, false]]);
    expect((await api.recommend('ret', ['u1'])).job_id).toBe(j4.job_id);
  });

  it('refuses bad input naming the field', async () => {
    await trained('bad', 1);
    await expectFailure(api.rollback('bad', 7), grpcStatus.NOT_FOUND, 'version', /model "bad" has no version 7; kept versions: 1/);
    await expectFailure(api.rollback('bad', 0), grpcStatus.INVALID_ARGUMENT, 'version');
    await expectFailure(api.rollback('ghost', 1), grpcStatus.NOT_FOUND, 'model_id');
    await expectFailure(api.rollback('', 1), grpcStatus.INVALID_ARGUMENT, 'model_id');
    await expectFailure(api.versions('ghost'), grpcStatus.NOT_FOUND, 'model_id');
    await expectFailure(api.del('ghost'), grpcStatus.NOT_FOUND, 'model_id');
  });
});

describe('rollback under concurrent Recommend', () => {
  it('every response is one version: its job_id matches its scores; both versions are seen', async () => {
    const a = await trained('mix', 11);
    const b = await trained('mix', 12, { hyperparameters: { factors: 6, iterations: 4, seed: 12 } });
    const sources = Array.from({ length: 10 }, (_, i) => `u${i}`);
    const expected = new Map<string, string>();
    for (const [version, job] of [[1, a], [2, b]] as const) {
      await api.rollback('mix', version);
      const r = await api.recommend('mix', sources);
      expect(r.job_id).toBe(job.job_id);
      expected.set(job.job_id, JSON.stringify(r.results));
    }
    expect(expected.get(a.job_id)).not.toBe(expected.get(b.job_id));
    let stop = false;
    let rollbacks = 0;
    const flipper = (async () => {
      while (!stop) {
        await api.rollback('mix', rollbacks % 2 === 0 ? 1 : 2);
        rollbacks++;
      }
    })();
    const seen = new Map<string, number>();
    for (let wave = 0; wave < 20; wave++) {
      const responses = await Promise.all(Array.from({ length: 12 }, () => api.recommend('mix', sources)));
      for (const r of responses) {
        expect(JSON.stringify(r.results), `response of ${r.job_id}`).toBe(expected.get(r.job_id));
        seen.set(r.job_id, (seen.get(r.job_id) ?? 0) + 1);
      }
    }
    stop = true;
    await flipper;
    expect(rollbacks).toBeGreaterThan(5);
    expect(seen.get(a.job_id)).toBeGreaterThan(0);
    expect(seen.get(b.job_id)).toBeGreaterThan(0);
  });
});

describe('DeleteModel', () => {
  it('without a running job: every version, file and row goes; the id can be trained afresh', async () => {
    const j1 = await trained('del', 1);
    await trained('del', 2);
    const dir = new DataDir(srv.dataDir).modelDir('del');
    expect(readdirSync(dir).filter((e) => !e.startsWith('.')).length).toBe(2);
    const r = await api.del('del');
    expect(r).toEqual({ model_id: 'del', deleted_versions: [2, 1], cancelled_job_id: '' });
    expect(existsSync(dir)).toBe(false);
    await expectFailure(api.model('del'), grpcStatus.NOT_FOUND, 'model_id');
    await expectFailure(api.versions('del'), grpcStatus.NOT_FOUND, 'model_id');
    await expectFailure(api.recommend('del', ['u1']), grpcStatus.NOT_FOUND, 'model_id');
    expect((await rejection(getStatus(srv.client, { job_id: j1.job_id }))).code).toBe(grpcStatus.NOT_FOUND);
    const rows = (t: string) => (srv.app.db.prepare(`SELECT COUNT(*) AS n FROM ${t} WHERE model_id = ?`).get('del') as { n: number }).n;
    expect([rows('models'), rows('model_versions'), rows('jobs')]).toEqual([0, 0, 0]);
    const again = await trained('del', 3);
    expect(again.version).toBe(1);
    expect((await api.recommend('del', ['u1'])).job_id).toBe(again.job_id);
  });

  it('with a running job: refused naming force; with force the job is cancelled first, then the model goes', async () => {
    const v1 = await trained('busy', 1);
    const long = await api.train({ model_id: 'busy', data_tags: ['v'], hyperparameters: { factors: 64, iterations: 1000 } });
    await waitFor(async () => (await getStatus(srv.client, { job_id: long.job_id })).iteration >= 1, 30_000, 'long job running');
    await expectFailure(api.del('busy'), grpcStatus.FAILED_PRECONDITION, 'force', new RegExp(`RUNNING job \\(${long.job_id}\\)`));
    expect((await api.recommend('busy', ['u1'])).job_id).toBe(v1.job_id);
    expect((await getStatus(srv.client, { job_id: long.job_id })).status).toBe('RUNNING');
    const r = await api.del('busy', true);
    expect(r).toEqual({ model_id: 'busy', deleted_versions: [1], cancelled_job_id: long.job_id });
    await expectFailure(api.model('busy'), grpcStatus.NOT_FOUND, 'model_id');
    expect((await rejection(getStatus(srv.client, { job_id: long.job_id }))).code).toBe(grpcStatus.NOT_FOUND);
    expect(existsSync(new DataDir(srv.dataDir).modelDir('busy'))).toBe(false);
    expect(srv.app.jobs.runningJobs()).toEqual([]);
  });

  it('a queued job is cancelled by force too', async () => {
    await trained('q1', 1);
    const blocker = await api.train({ model_id: 'q-blocker', data_tags: ['v'], hyperparameters: { factors: 64, iterations: 1000 } });
    const queued = await api.train({ model_id: 'q1', data_tags: ['v'], hyperparameters: { factors: 8, iterations: 3 } });
    expect(queued.status).toBe('QUEUED');
    const r = await api.del('q1', true);
    expect(r).toEqual({ model_id: 'q1', deleted_versions: [1], cancelled_job_id: queued.job_id });
    await expectFailure(api.model('q1'), grpcStatus.NOT_FOUND, 'model_id');
    await call(srv.client.CancelTraining.bind(srv.client), { job_id: blocker.job_id });
    await waitTerminal(srv.client, blocker.job_id);
  });
});

describe('restart and an existing data directory', () => {
  it('a restart keeps versions, the serving one, and removes the directories of dropped versions', async () => {
    const dataDir = tempDataDir();
    let s = await startTestServer({ dataDir, modelVersionsKept: 1 });
    try {
      await importBatch(s, 'INTERACTIONS', randomRows(50, 30, 5), ['v']);
      const jobs: TrainingStatus__Output[] = [];
      for (const seed of [1, 2, 3]) {
        const st = await call<TrainRequest, TrainingStatus__Output>(s.client.Train.bind(s.client), { model_id: 'keep', data_tags: ['v'], hyperparameters: { factors: 4, iterations: 2, seed } });
        jobs.push(await waitTerminal(s.client, st.job_id));
      }
      const a = rpc(s.client);
      await a.rollback('keep', 3);
      const before = await a.versions('keep');
      expect(before.versions.map((v) => v.version)).toEqual([3]);
      await s.stop();
      s = await startTestServer({ dataDir, modelVersionsKept: 1 });
      const b = rpc(s.client);
      expect(await b.versions('keep')).toEqual(before);
      expect((await b.model('keep')).version).toBe(3);
      expect((await b.recommend('keep', ['u1'])).job_id).toBe(jobs[2]!.job_id);
      expect(readdirSync(new DataDir(dataDir).modelDir('keep'))).toEqual([jobs[2]!.job_id]);
    } finally {
      await s.dispose();
    }
  });

  it('a data directory from before versions: its served model becomes version 1 and keeps serving', async () => {
    const dataDir = tempDataDir();
    const upTo = MIGRATIONS.findIndex((m) => m.name === '021_models') + 1;
    const old = openCatalog(dataDir, MIGRATIONS.slice(0, upTo));
    const model = syntheticModel({ sources: 30, targets: 40, factors: 4, modelId: 'legacy', jobId: 'job-legacy' });
    await writeModel(new DataDir(dataDir).modelDir('legacy', 'job-legacy'), model);
    old.prepare(`INSERT INTO jobs (job_id, model_id, status, create_ms, end_ms, request_json, progress) VALUES ('job-legacy', 'legacy', 'COMPLETED', 1, 2, '{}', 100)`).run();
    old.prepare(`INSERT INTO models (model_id, job_id, trained_ms, meta_json, created_ms) VALUES ('legacy', 'job-legacy', 2, ?, 1)`).run(JSON.stringify(model.meta));
    old.close();
    const s = await startTestServer({ dataDir });
    try {
      const a = rpc(s.client);
      const list = await a.versions('legacy');
      expect(list.versions.map((v) => [v.version, v.job_id, v.serving])).toEqual([[1, 'job-legacy', true]]);
      expect((await a.model('legacy')).version).toBe(1);
      expect((await getStatus(s.client, { job_id: 'job-legacy' })).version).toBe(1);
      expect((await a.recommend('legacy', ['u1'])).job_id).toBe('job-legacy');
    } finally {
      await s.dispose();
    }
  });
});

describe('CLI', () => {
  it('versions, rollback and delete-model against a running server', async () => {
    const j1 = await trained('cli-m', 1);
    const j2 = await trained('cli-m', 2);
    const server = ['--server', srv.address];
    const list = await runCli(['versions', 'cli-m', ...server]);
    expect(list.code, list.stderr).toBe(0);
    const lines = list.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^VERSION\s+SERVING\s+JOB/);
    expect(lines[1]).toMatch(new RegExp(`^2\\s+\\*\\s+${j2.job_id}`));
    expect(lines[2]).toMatch(new RegExp(`^1\\s+${j1.job_id}`));
    const back = await runCli(['rollback', 'cli-m', '--version', '1', ...server]);
    expect(back.code, back.stderr).toBe(0);
    expect(back.stdout.trim()).toBe(`model cli-m now serves version 1 (job ${j1.job_id})`);
    const bad = await runCli(['rollback', 'cli-m', '--version', '9', ...server]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('(field version, --version)');
    const json = await runCli(['versions', 'cli-m', '--json', ...server]);
    expect((JSON.parse(json.stdout) as Array<{ version: number; serving: boolean }>).map((v) => [v.version, v.serving])).toEqual([[2, false], [1, true]]);
    const del = await runCli(['delete-model', 'cli-m', ...server]);
    expect(del.code, del.stderr).toBe(0);
    expect(del.stdout.trim()).toBe('deleted model cli-m: versions 2, 1');
  });
});

import { status as grpcStatus } from '@grpc/grpc-js';
import { cpSync, existsSync, readdirSync, rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataDir } from '../src/data-dir.js';
import type { ListModelVersionsResponse__Output } from '../src/gen/recommender/v1/ListModelVersionsResponse.js';
import type { Model__Output } from '../src/gen/recommender/v1/Model.js';
import type { RecommendResponse__Output } from '../src/gen/recommender/v1/RecommendResponse.js';
import type { TrainingStatus__Output } from '../src/gen/recommender/v1/TrainingStatus.js';
import type { TrainRequest } from '../src/gen/recommender/v1/TrainRequest.js';
import type { RecommenderClient } from '../src/gen/recommender/v1/Recommender.js';
import { createClient } from '../src/transport/client.js';
import { spawnServe } from './helpers/cli.js';
import { rejection } from './helpers/import.js';
import { call, startTestServer, tempDataDir } from './helpers/server.js';
import { importBatch, randomRows, waitFor, waitTerminal } from './helpers/jobs.js';

/**
 * kill -9 in the middle of a rollback or a delete: a child `recommender serve` started with
 * RECOMMENDER_CRASH_POINT blocks at that step (util/crash-point.ts), the test kills it there, and a fresh
 * server on the same data directory must show the old state or the new one, whole: the served pointer,
 * the versions' rows, Recommend's job and scores and the files on disk agree.
 */
let seed: string;
const jobs: string[] = [];
const results = new Map<string, string>(); // job id -> Recommend results (JSON)
const dirs: string[] = [];

const rec = (c: RecommenderClient) => call<object, RecommendResponse__Output>(c.Recommend.bind(c), { model_id: 'crash', source_ids: ['u1', 'u2', 'u3'] });

beforeAll(async () => {
  seed = tempDataDir('crash-seed-');
  const s = await startTestServer({ dataDir: seed });
  try {
    await importBatch(s, 'INTERACTIONS', randomRows(80, 40, 6), ['c']);
    for (const sd of [1, 2]) {
      const st = await call<TrainRequest, TrainingStatus__Output>(s.client.Train.bind(s.client), { model_id: 'crash', data_tags: ['c'], hyperparameters: { factors: 4, iterations: 2, seed: sd } });
      jobs.push((await waitTerminal(s.client, st.job_id)).job_id);
    }
    for (const v of [1, 2]) {
      await call(s.client.RollbackModel.bind(s.client), { model_id: 'crash', version: v });
      const r = await rec(s.client);
      results.set(r.job_id, JSON.stringify(r.results));
    }
  } finally {
    await s.stop(); // serving version 2 (the last rollback)
  }
});
afterAll(() => {
  rmSync(seed, { recursive: true, force: true });
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A copy of the seed data dir; a child server on it blocks at `point` during `act`, and is killed -9 there. */
async function crashAt(point: string, act: (c: RecommenderClient) => Promise<unknown>): Promise<string> {
  const dataDir = tempDataDir('crash-');
  dirs.push(dataDir);
  cpSync(seed, dataDir, { recursive: true });
  const child = spawnServe(dataDir, ['--backend', 'wasm', '--workers', '1', '--http-port', '0'], { env: { RECOMMENDER_CRASH_POINT: point } });
  const port = await child.ready;
  const c = createClient({ address: `127.0.0.1:${port}` });
  try {
    const pending = act(c).catch((e: unknown) => e);
    await waitFor(() => child.log().includes(`crash point reached: ${point}`), 30_000, `crash point ${point}`);
    child.child.kill('SIGKILL');
    expect(await child.exited).toBeNull();
    const answer = await pending;
    expect((answer as { code?: number }).code).toBe(grpcStatus.UNAVAILABLE); // the call never got its answer
  } finally {
    c.close();
  }
  return dataDir;
}

/** A fresh server on `dataDir`: the state it shows is whole, and which version serves (undefined: the model is gone). */
async function stateAfterRestart(dataDir: string): Promise<number | undefined> {
  const s = await startTestServer({ dataDir });
  try {
    const row = s.app.db.prepare('SELECT job_id, meta_json FROM models WHERE model_id = ?').get('crash') as { job_id: string; meta_json: string } | undefined;
    const modelDir = new DataDir(dataDir).modelDir('crash');
    if (!row) {
      expect((await rejection(rec(s.client))).code).toBe(grpcStatus.NOT_FOUND);
      expect((await rejection(call(s.client.ListModelVersions.bind(s.client), { model_id: 'crash' }))).code).toBe(grpcStatus.NOT_FOUND);
      expect(s.app.db.prepare("SELECT COUNT(*) AS n FROM model_versions WHERE model_id = 'crash'").get()).toEqual({ n: 0 });
      expect(s.app.db.prepare("SELECT COUNT(*) AS n FROM jobs WHERE model_id = 'crash'").get()).toEqual({ n: 0 });
      expect(existsSync(modelDir)).toBe(false);
      expect(readdirSync(new DataDir(dataDir).modelsDir)).toEqual([]);
      return undefined;
    }
    expect((JSON.parse(row.meta_json) as { jobId: string }).jobId).toBe(row.job_id);
    const list = await call<object, ListModelVersionsResponse__Output>(s.client.ListModelVersions.bind(s.client), { model_id: 'crash' });
    expect(list.versions.map((v) => v.job_id)).toEqual([jobs[1], jobs[0]]);
    const serving = list.versions.filter((v) => v.serving);
    expect(serving.map((v) => v.job_id)).toEqual([row.job_id]);
    const m = await call<object, Model__Output>(s.client.GetModel.bind(s.client), { model_id: 'crash' });
    expect([m.version, m.job_id]).toEqual([serving[0]!.version, row.job_id]);
    const r = await rec(s.client);
    expect(r.job_id).toBe(row.job_id);
    expect(JSON.stringify(r.results)).toBe(results.get(row.job_id));
    expect(readdirSync(modelDir).sort()).toEqual([...jobs].sort());
    return m.version;
  } finally {
    await s.dispose();
  }
}

describe('kill -9 during a rollback or a delete', () => {
  const rollback = (c: RecommenderClient) => call(c.RollbackModel.bind(c), { model_id: 'crash', version: 1 });
  const del = (c: RecommenderClient) => call(c.DeleteModel.bind(c), { model_id: 'crash' });

  it('rollback, killed before its transaction: the old version serves, whole', async () => {
    expect(await stateAfterRestart(await crashAt('rollback:before-commit', rollback))).toBe(2);
  });
  it('rollback, killed right after its transaction: the new version serves, whole', async () => {
    expect(await stateAfterRestart(await crashAt('rollback:after-commit', rollback))).toBe(1);
  });
  it('delete, killed before its transaction: the model is all there', async () => {
    expect(await stateAfterRestart(await crashAt('delete:before-commit', del))).toBe(2);
  });
  it('delete, killed after its transaction, before the files went: the model is all gone (files removed at start)', async () => {
    const dataDir = await crashAt('delete:after-commit', del);
    expect(readdirSync(new DataDir(dataDir).modelDir('crash')).sort()).toEqual([...jobs].sort()); // left behind by the kill
    expect(await stateAfterRestart(dataDir)).toBeUndefined();
  });
});

import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Model__Output } from '../src/gen/recommender/v1/Model.js';
import type { RecommendResponse__Output } from '../src/gen/recommender/v1/RecommendResponse.js';
import type { TrainingStatus__Output } from '../src/gen/recommender/v1/TrainingStatus.js';
import type { TrainRequest } from '../src/gen/recommender/v1/TrainRequest.js';
import { createClient } from '../src/transport/client.js';
import { spawnServe } from './helpers/cli.js';
import { call, startTestServer, tempDataDir, type TestServer } from './helpers/server.js';
import {
  processGroup, restartExpectingInterrupted, runningDriverGroup, sparkMissing, stagingLeft, startConnectServer, testSparkEnv, testSparkSettings,
  type ConnectServer,
} from './helpers/spark.js';
import { getStatus, importBatch, randomRows, waitFor, waitTerminal } from './helpers/jobs.js';
import { python, pythonLacks } from '../scripts/python.mjs';

/**
 * The spark trainer over Spark Connect: a real Connect server (the pip package's SparkConnectServer on
 * 127.0.0.1, started here and stopped after), the driver a thin client of it (no JVM of its own), a
 * staging URI the driver copies through pyarrow's filesystems, and a cancel and a server killed with -9
 * that interrupt the fit inside the Connect server (where it would go on after its client died) rather
 * than only ending the client.
 */
const train = (s: Pick<TestServer, 'client'>, req: TrainRequest) => call<TrainRequest, TrainingStatus__Output>(s.client.Train.bind(s.client), req);
const recommend = (s: TestServer, source: string) =>
  call<object, RecommendResponse__Output>(s.client.Recommend.bind(s.client), { model_id: 'sc', source_id: source, max_recommendations: 3 });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** No work left in the Connect server: nothing runs, and no new job starts (a fit left running there starts several a second). */
async function expectIdle(server: ConnectServer): Promise<void> {
  // Idle: no job running and none started for 5 s. (`running` alone also reads 0 for a moment between two jobs of a
  // plan the server is still finishing; a fit that was not interrupted keeps starting jobs and times this out.)
  let seen = -1, since = 0;
  await waitFor(async () => {
    const j = await server.jobs();
    if (j.running !== 0 || j.total !== seen) {
      seen = j.running === 0 ? j.total : -1;
      since = Date.now();
      return false;
    }
    return Date.now() - since >= 5000;
  }, 60_000, 'no Spark job running in the Connect server, and none started for 5 s');
  const after = (await server.jobs()).total;
  await sleep(5000);
  expect(await server.jobs()).toEqual({ total: after, running: 0 });
}

/** What a Spark Connect client needs besides pyspark (spark/requirements.txt). */
const connectMissing = sparkMissing ?? pythonLacks(['grpc', 'grpc_status', 'google.rpc', 'zstandard', 'pandas', 'pyarrow']);
if (connectMissing && process.env.CI === 'true') throw new Error(`CI: the Spark Connect test must run: ${connectMissing} (${python})`);

describe.skipIf(connectMissing !== undefined)('spark trainer over Spark Connect', () => {
  let server: ConnectServer;
  let srv: TestServer;
  let remote: string;

  beforeAll(async () => {
    server = await startConnectServer();
    remote = mkdtempSync(join(tmpdir(), 'spark-connect-staging-'));
    srv = await startTestServer({
      // Static properties (memory, UI) are the server's own: a Connect client sets session ones only.
      spark: testSparkSettings({ master: server.url, staging: pathToFileURL(remote).href, conf: { 'spark.sql.shuffle.partitions': '4' } }),
    });
    await importBatch(srv, 'INTERACTIONS', randomRows(50, 30, 8, 3), ['main']);
  }, 180_000);
  afterAll(async () => {
    await srv?.dispose();
    await server?.stop();
    if (remote) rmSync(remote, { recursive: true, force: true });
  });

  it("trains in the Connect server's application, with Spark's loss; serves; the staging URI is emptied", async () => {
    const before = await server.jobs();
    const job = await train(srv, { model_id: 'sc', data_tags: ['main'], hyperparameters: { backend: 'spark', factors: 8, iterations: 2 } });
    const done = await waitTerminal(srv.client, job.job_id, 400_000);
    expect(done.status, done.error).toBe('COMPLETED');
    expect(done.backend).toBe('spark');
    expect(done.device).toBe(`Spark 4.3.0 ${server.url} (application ${server.applicationId})`);
    // The fit's Spark jobs ran in the server.
    expect((await server.jobs()).total).toBeGreaterThan(before.total);
    expect(done.iteration).toBe(2);
    expect(done.loss).toBeGreaterThan(0);
    const model = await call<object, Model__Output>(srv.client.GetModel.bind(srv.client), { model_id: 'sc' });
    expect(model.backend).toBe('spark');
    expect(model.loss_curve).toEqual([done.loss]);
    expect((await recommend(srv, 'u1')).results[0]!.recommendations.length).toBe(3);
    expect(readdirSync(remote)).toEqual([]);
    expect(stagingLeft(srv.dataDir)).toEqual([]);
  }, 420_000);

  it('CancelTraining interrupts the fit in the Connect server and ends the client; the server goes on', async () => {
    const baseline = (await server.jobs()).total;
    const job = await train(srv, { model_id: 'sc', data_tags: ['main'], hyperparameters: { backend: 'spark', factors: 8, iterations: 400 } });
    let pgid: number | undefined;
    await waitFor(async () => {
      const s = await getStatus(srv.client, { job_id: job.job_id });
      if (s.status !== 'RUNNING' && s.status !== 'QUEUED') throw new Error(`the job ended ${s.status}: ${s.error}`);
      pgid ??= runningDriverGroup(srv.dataDir);
      // A few of the fit's jobs done in the server: ALS is under way there.
      return s.phase === 'training' && (await server.jobs()).total >= baseline + 6;
    }, 300_000, 'the spark fit running in the Connect server');
    expect(pgid).toBeGreaterThan(1);
    // The driver is a thin client: python, no JVM of its own.
    const members = processGroup(pgid!).map((p) => p.comm);
    expect(members).toContain('python');
    expect(members).not.toContain('java');

    await call(srv.client.CancelTraining.bind(srv.client), { job_id: job.job_id });
    const end = await waitTerminal(srv.client, job.job_id, 60_000);
    expect(end.status).toBe('CANCELLED');
    expect(processGroup(pgid!)).toEqual([]);
    await expectIdle(server);
    expect(readdirSync(remote)).toEqual([]);
    expect(stagingLeft(srv.dataDir)).toEqual([]);
    // The model trained before still serves.
    expect((await recommend(srv, 'u2')).results[0]!.recommendations.length).toBe(3);
  }, 420_000);

  it('a server killed with -9 during a Connect fit: the driver interrupts it in the Connect server as it dies; the restart marks the job interrupted', async () => {
    const dataDir = tempDataDir();
    const env = { RECOMMENDER_BACKEND: 'wasm', ...testSparkEnv(server.url), RECOMMENDER_SPARK_CONF: 'spark.sql.shuffle.partitions=4' };
    let serve = spawnServe(dataDir, [], { env });
    let pgid: number | undefined;
    try {
      const client = createClient({ address: `127.0.0.1:${await serve.ready}` });
      await importBatch({ client } as TestServer, 'INTERACTIONS', randomRows(40, 30, 6), ['main']);
      const baseline = (await server.jobs()).total;
      const job = await train({ client }, { model_id: 'k', data_tags: ['main'], hyperparameters: { backend: 'spark', factors: 4, iterations: 400 } });
      await waitFor(async () => {
        const s = await getStatus(client, { job_id: job.job_id });
        if (s.status !== 'RUNNING' && s.status !== 'QUEUED') throw new Error(`the job ended ${s.status}: ${s.error}`);
        pgid ??= runningDriverGroup(dataDir);
        return s.phase === 'training' && (await server.jobs()).total >= baseline + 6;
      }, 300_000, 'the spark fit running in the Connect server');
      client.close();
      serve.child.kill('SIGKILL');
      await serve.exited;
      await waitFor(() => processGroup(pgid!).length === 0, 30_000, 'the driver group to end after the server died');
      await expectIdle(server);

      serve = await restartExpectingInterrupted(dataDir, env, job.job_id);
    } finally {
      serve.child.kill('SIGTERM');
      await serve.exited;
      if (pgid && processGroup(pgid).length > 0) process.kill(-pgid, 'SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 420_000);
});

import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecommendResponse__Output } from '../src/gen/recommender/v1/RecommendResponse.js';
import type { TrainingStatus__Output } from '../src/gen/recommender/v1/TrainingStatus.js';
import type { TrainRequest } from '../src/gen/recommender/v1/TrainRequest.js';
import { createClient } from '../src/transport/client.js';
import { spawnServe } from './helpers/cli.js';
import { call, startTestServer, tempDataDir, type TestServer } from './helpers/server.js';
import {
  processGroup, restartExpectingInterrupted, runningDriverGroup, sparkMissing, sparkSubmit, stagingLeft, startStandaloneCluster, TEST_SPARK_CONF,
  testSparkEnv, testSparkSettings,
  type StandaloneCluster,
} from './helpers/spark.js';
import { getStatus, importBatch, randomRows, waitFor, waitTerminal } from './helpers/jobs.js';

/**
 * The spark trainer on a real standalone cluster (a master and one worker started here from the pip
 * package on 127.0.0.1), launched through spark-submit, with a staging URI the driver copies through the
 * Hadoop filesystem, and a server
 * killed with -9 in the middle of a Spark job: its driver group dies with it, and the next start marks
 * the job interrupted and cleans the staging.
 */
const train = (s: Pick<TestServer, 'client'>, req: TrainRequest) => call<TrainRequest, TrainingStatus__Output>(s.client.Train.bind(s.client), req);

describe.skipIf(sparkMissing !== undefined)('spark trainer on a standalone cluster', () => {
  let cluster: StandaloneCluster;
  let srv: TestServer;
  let remote: string;

  beforeAll(async () => {
    cluster = await startStandaloneCluster();
    remote = mkdtempSync(join(tmpdir(), 'spark-remote-staging-'));
    srv = await startTestServer({
      // Through spark-submit this time, as with a Spark installation of one's own.
      spark: testSparkSettings({
        master: cluster.master, submit: sparkSubmit(), staging: pathToFileURL(remote).href,
        conf: { ...TEST_SPARK_CONF, 'spark.executor.memory': '512m', 'spark.cores.max': '1' },
      }),
    });
    await importBatch(srv, 'INTERACTIONS', randomRows(50, 30, 8, 3), ['main']);
  }, 180_000);
  afterAll(async () => {
    await srv?.dispose();
    await cluster?.stop();
    if (remote) rmSync(remote, { recursive: true, force: true });
  });

  it('trains and evaluates on the cluster: the executor ran on the worker, the staging URI is emptied', async () => {
    const job = await train(srv, {
      model_id: 'c', data_tags: ['main'], hyperparameters: { backend: 'spark', factors: 6, iterations: 2 }, evaluation: { holdout_fraction: 0.2, seed: 1, k: 5 },
    });
    const done = await waitTerminal(srv.client, job.job_id, 400_000);
    expect(done.status, done.error).toBe('COMPLETED');
    const m = /^Spark 4\.\d+\.\d+ spark:\/\/127\.0\.0\.1:\d+ \(application (app-\d+-\d+), 1 executor\)$/.exec(done.device);
    expect(m, done.device).not.toBeNull();
    // The worker keeps a folder per application it ran executors for.
    expect(existsSync(join(cluster.workDir, m![1]!)), readdirSync(cluster.workDir).join(',')).toBe(true);
    expect(done.total_iterations).toBe(4);
    expect(done.evaluation?.model?.precision_at_k).toBeGreaterThanOrEqual(0);
    expect(Number(done.evaluation?.test_interactions)).toBeGreaterThan(0);
    expect(readdirSync(remote)).toEqual([]);
    expect(stagingLeft(srv.dataDir)).toEqual([]);
    const rec = await call<object, RecommendResponse__Output>(srv.client.Recommend.bind(srv.client), { model_id: 'c', source_id: 'u1', max_recommendations: 3 });
    expect(rec.results[0]!.recommendations.length).toBe(3);
  }, 420_000);
});

describe.skipIf(sparkMissing !== undefined)('spark job when the server is killed with -9', () => {
  it('the driver group dies with the server; the restart marks the job interrupted and cleans the staging', async () => {
    const dataDir = tempDataDir();
    const env = { RECOMMENDER_BACKEND: 'wasm', ...testSparkEnv('local[1]') };
    let serve = spawnServe(dataDir, [], { env });
    let pgid: number | undefined;
    try {
      const client = createClient({ address: `127.0.0.1:${await serve.ready}` });
      await importBatch({ client } as TestServer, 'INTERACTIONS', randomRows(40, 30, 6), ['main']);
      const job = await train({ client }, { model_id: 'k', data_tags: ['main'], hyperparameters: { backend: 'spark', factors: 4, iterations: 400 } });
      await waitFor(async () => {
        const s = await getStatus(client, { job_id: job.job_id });
        pgid ??= runningDriverGroup(dataDir);
        return s.phase === 'training' && s.iteration >= 2;
      }, 180_000, 'the spark job training');
      client.close();
      expect(processGroup(pgid!).map((p) => p.comm)).toEqual(expect.arrayContaining(['java', 'python']));
      serve.child.kill('SIGKILL');
      await serve.exited;
      await waitFor(() => processGroup(pgid!).length === 0, 30_000, 'the driver group to end after the server died');

      serve = await restartExpectingInterrupted(dataDir, env, job.job_id);
    } finally {
      serve.child.kill('SIGTERM');
      await serve.exited;
      if (pgid && processGroup(pgid).length > 0) process.kill(-pgid, 'SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 300_000);
});

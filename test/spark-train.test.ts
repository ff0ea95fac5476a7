import { existsSync, readdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readModel } from '../src/data/model-file.js';
import { DataDir } from '../src/data-dir.js';
import { confidences } from '../src/engine/confidence.js';
import { referenceHalfSweep } from '../src/engine/reference.js';
import type { Model__Output } from '../src/gen/recommender/v1/Model.js';
import type { RecommendRequest } from '../src/gen/recommender/v1/RecommendRequest.js';
import type { RecommendResponse__Output } from '../src/gen/recommender/v1/RecommendResponse.js';
import type { SimilarItemsResponse__Output } from '../src/gen/recommender/v1/SimilarItemsResponse.js';
import type { TrainingStatus__Output } from '../src/gen/recommender/v1/TrainingStatus.js';
import type { TrainRequest } from '../src/gen/recommender/v1/TrainRequest.js';
import { SPARK_DEFAULT_REGULARIZATION, SPARK_OBJECTIVE } from '../src/service/spark/hyperparameters.js';
import { call, startTestServer, type TestServer } from './helpers/server.js';
import { processGroup, runningDriverGroup, sparkMissing, stagingLeft, testSparkSettings } from './helpers/spark.js';
import { getStatus, grpcCode, importBatch, randomRows, waitFor, waitTerminal, watchAll } from './helpers/jobs.js';

/**
 * The spark trainer with real Spark (pyspark's JVM on local[2]) through the gRPC API: a job's phases,
 * iterations and loss in WatchStatus, the model served and evaluated like any other, the webhook, the
 * parity of Spark's user factors with an exact solve of Spark's objective, a Spark failure, and a cancel
 * that leaves no process of the driver's group. Spark fits are slow (~10-40 s each): few, on tiny data.
 */
const train = (s: TestServer, req: TrainRequest) => call<TrainRequest, TrainingStatus__Output>(s.client.Train.bind(s.client), req);
const recommend = (s: TestServer, req: RecommendRequest) => call<RecommendRequest, RecommendResponse__Output>(s.client.Recommend.bind(s.client), req);
const SMALL = { backend: 'spark', factors: 8, iterations: 3 };

/** Whether `want` appears in `seen` in this order (other values between them allowed). */
function inOrder(seen: string[], want: string[]): boolean {
  let i = 0;
  for (const s of seen) if (s === want[i]) i++;
  return i === want.length;
}

describe.skipIf(sparkMissing !== undefined)('spark trainer on local[2]', () => {
  let srv: TestServer;
  let receiver: Server;
  let hookUrl = '';
  const hooks: Array<{ type: string; data: { job_id: string; status: string } }> = [];

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => { body += c; });
      req.on('end', () => { hooks.push(JSON.parse(body)); res.writeHead(200).end(); });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    srv = await startTestServer({ spark: testSparkSettings() });
    await importBatch(srv, 'INTERACTIONS', randomRows(60, 40, 8), ['main']);
  });
  afterAll(async () => {
    await srv?.dispose();
    await new Promise((r) => receiver?.close(r));
  });

  it('trains through Train and WatchStatus: phases, iterations, loss; serves, folds in and fires the webhook', async () => {
    const started = await train(srv, { model_id: 'sp', data_tags: ['main'], hyperparameters: SMALL, callback_url: hookUrl });
    const { messages } = await watchAll(srv.client, { job_id: started.job_id, heartbeat_ms: 60_000 });
    const done = messages.at(-1)!;
    expect(done.status, done.error).toBe('COMPLETED');
    expect(done.backend).toBe('spark');
    expect(done.device).toMatch(/^Spark 4\.\d+\.\d+ local\[2\] \(application local-\d+\)$/);
    expect(done.total_iterations).toBe(3);
    expect(done.iteration).toBe(3);
    expect(done.loss).toBeGreaterThan(0);
    expect(Number.isFinite(done.loss)).toBe(true);
    const phases = messages.map((m) => m.phase);
    expect(inOrder(phases, ['selecting', 'exporting', 'submitting', 'training', 'fetching', 'writing', 'done']), phases.join(',')).toBe(true);
    // Iterations reported while Spark trains, with an ETA once one is done.
    const during = messages.filter((m) => m.phase === 'training');
    expect(new Set(during.map((m) => m.iteration)).size).toBeGreaterThanOrEqual(2);
    expect(during.some((m) => m.eta_seconds !== undefined && m.eta_seconds !== null)).toBe(true);
    expect(Math.max(...during.map((m) => m.progress))).toBeLessThan(100);

    const model = await call<object, Model__Output>(srv.client.GetModel.bind(srv.client), { model_id: 'sp' });
    expect(model.serving).toBe(true);
    expect(model.backend).toBe('spark');
    expect(model.hyperparameters?.backend).toBe('spark');
    expect(model.hyperparameters?.regularization).toBeCloseTo(SPARK_DEFAULT_REGULARIZATION);
    expect(model.loss_curve).toEqual([done.loss]);

    const rec = await recommend(srv, { model_id: 'sp', source_id: 'u0', max_recommendations: 5 });
    expect(rec.job_id).toBe(started.job_id);
    const items = rec.results[0]!.recommendations.map((r) => r.target_id);
    expect(items.length).toBe(5);
    const seen = new Set(randomRows(60, 40, 8).filter((r) => r.s === 'u0').map((r) => r.t));
    for (const t of items) expect(seen.has(t), t).toBe(false);
    const folded = await recommend(srv, { model_id: 'sp', source_id: 'new-user', interactions: [{ target_id: 'i1' }, { target_id: 'i2', weight: 3 }], max_recommendations: 5 });
    expect(folded.results[0]!.recommendations.length).toBe(5);
    const similar = await call<object, SimilarItemsResponse__Output>(srv.client.SimilarItems.bind(srv.client), { model_id: 'sp', target_id: 'i0', max_results: 3 });
    expect(similar.similar.length).toBe(3);

    await waitFor(() => hooks.some((h) => h.data.job_id === started.job_id), 30_000, 'the webhook');
    expect(hooks.find((h) => h.data.job_id === started.job_id)!.type).toBe('training.completed');
    expect(stagingLeft(srv.dataDir)).toEqual([]);
  }, 240_000);

  it("Spark's user factors are the exact solve of Spark's objective (ALS-WR) given its item factors", async () => {
    const m = await call<object, Model__Output>(srv.client.GetModel.bind(srv.client), { model_id: 'sp' });
    const model = await readModel(new DataDir(srv.dataDir).modelDir('sp', m.job_id));
    const k = model.meta.factors, h = model.meta.hyperparameters;
    // the model stores Spark's objective (GetModel reports it), so fold-in solves Spark's row update
    expect(h).toMatchObject(SPARK_OBJECTIVE);
    expect(m.hyperparameters).toMatchObject({ regularization_exponent: 1, regularization_frequency_weight: 0, unobserved_weight: 1 });
    const csr = { rows: model.sourceIds.length, cols: model.targetIds.length, ...model.seen };
    const conf = confidences(csr.data, h.alpha, h.logScaling, h.logEpsilon);
    const counts = (u: number) => csr.indptr[u + 1]! - csr.indptr[u]!;
    const solved = referenceHalfSweep(csr, conf, model.targetFactors, k, Float64Array.from({ length: csr.rows }, (_, u) => h.regularization * counts(u)));
    const plain = referenceHalfSweep(csr, conf, model.targetFactors, k, new Float64Array(csr.rows).fill(h.regularization));
    let scale = 0, err = 0, errPlain = 0;
    for (let j = 0; j < solved.length; j++) {
      scale = Math.max(scale, Math.abs(solved[j]!));
      err = Math.max(err, Math.abs(solved[j]! - model.sourceFactors[j]!));
      errPlain = Math.max(errPlain, Math.abs(plain[j]! - model.sourceFactors[j]!));
    }
    expect(scale).toBeGreaterThan(0.01);
    expect(err / scale).toBeLessThan(1e-4);
    // A constant lambda (our engine's default objective) does not reproduce them: the test can tell.
    expect(errPlain / scale).toBeGreaterThan(1e-2);

    // fold-in of a trained user's own interactions gives Spark's row for that user back
    const u = Array.from({ length: csr.rows }, (_, r) => r).find((r) => counts(r) >= 3)!;
    const interactions = Array.from({ length: counts(u) }, (_, j) => ({ target_id: model.targetIds[csr.indices[csr.indptr[u]! + j]!]!, weight: csr.data[csr.indptr[u]! + j]! }));
    const res = await recommend(srv, { model_id: 'sp', source_id: 'someone-new', interactions, exclude_seen: false, max_recommendations: csr.cols });
    expect(res.results[0]!.strategy).toBe('fold_in');
    const target = new Map(model.targetIds.map((id, i) => [id, i]));
    let top = 0, off = 0;
    for (const r of res.results[0]!.recommendations) {
      const i = target.get(r.target_id)!;
      let s = 0;
      for (let f = 0; f < k; f++) s += model.sourceFactors[u * k + f]! * model.targetFactors[i * k + f]!;
      top = Math.max(top, Math.abs(s));
      off = Math.max(off, Math.abs(r.score - s));
    }
    expect(res.results[0]!.recommendations).toHaveLength(csr.cols);
    expect(off / top).toBeLessThan(1e-3);
  });

  it('CancelTraining stops the Spark application: no process of the driver group is left', async () => {
    const job = await train(srv, { model_id: 'sp', data_tags: ['main'], hyperparameters: { ...SMALL, iterations: 400 } });
    let pgid: number | undefined;
    await waitFor(async () => {
      const s = await getStatus(srv.client, { job_id: job.job_id });
      pgid ??= runningDriverGroup(srv.dataDir);
      return s.phase === 'training' && s.iteration >= 2;
    }, 180_000, 'the spark job training');
    expect(pgid).toBeGreaterThan(1);
    const members = processGroup(pgid!);
    expect(members.map((p) => p.comm).sort(), JSON.stringify(members)).toEqual(expect.arrayContaining(['java', 'python']));
    await call(srv.client.CancelTraining.bind(srv.client), { job_id: job.job_id });
    const end = await waitTerminal(srv.client, job.job_id, 60_000);
    expect(end.status).toBe('CANCELLED');
    expect(processGroup(pgid!)).toEqual([]);
    expect(stagingLeft(srv.dataDir)).toEqual([]);
    // The model trained before still serves.
    expect((await recommend(srv, { model_id: 'sp', source_id: 'u1', max_recommendations: 2 })).results[0]!.recommendations.length).toBe(2);
  }, 240_000);

  it("a Spark failure ends the job in ERROR with Spark's message; the previous model keeps serving; staging kept when asked", async () => {
    const bad = await startTestServer({ spark: testSparkSettings({ master: 'spark://127.0.0.1:notaport', keepFailedStaging: true }) });
    try {
      await importBatch(bad, 'INTERACTIONS', randomRows(30, 20, 5), ['main']);
      const first = await train(bad, { model_id: 'm', data_tags: ['main'], hyperparameters: { factors: 4, iterations: 2 } });
      expect((await waitTerminal(bad.client, first.job_id)).status).toBe('COMPLETED');
      const failed = await train(bad, { model_id: 'm', data_tags: ['main'], hyperparameters: SMALL });
      const end = await waitTerminal(bad.client, failed.job_id, 180_000);
      expect(end.status).toBe('ERROR');
      expect(end.error).toMatch(/^spark job failed: org\.apache\.spark\.SparkException: Invalid master URL: spark:\/\/127\.0\.0\.1:notaport/);
      const rec = await recommend(bad, { model_id: 'm', source_id: 'u0', max_recommendations: 2 });
      expect(rec.job_id).toBe(first.job_id);
      const kept = stagingLeft(bad.dataDir);
      expect(kept.length).toBe(1);
      const dir = join(bad.dataDir, 'spark-staging', kept[0]!);
      expect(readdirSync(dir).sort()).toEqual(expect.arrayContaining(['FAILED', 'input', 'spec.json']));
      expect(existsSync(join(dir, 'driver.pid'))).toBe(false);
    } finally {
      await bad.dispose();
    }
  }, 240_000);

  it('refuses settings Spark cannot train: a regularization exponent other than ALS-WR', async () => {
    const err = await train(srv, { model_id: 'x', data_tags: ['main'], hyperparameters: { ...SMALL, regularization_exponent: 0.5 } }).catch((e: unknown) => e);
    expect(grpcCode(err)).toBe(3);
    expect(String((err as Error).message)).toMatch(/regularization_exponent 0\.5 is not available on the spark backend/);
  });
});

import { status as grpcStatus, type ServiceError } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ListModelsResponse__Output } from '../src/gen/recommender/v1/ListModelsResponse.js';
import type { Model__Output } from '../src/gen/recommender/v1/Model.js';
import type { TrainingStatus__Output } from '../src/gen/recommender/v1/TrainingStatus.js';
import type { TrainRequest } from '../src/gen/recommender/v1/TrainRequest.js';
import type { RecommendResponse__Output } from '../src/gen/recommender/v1/RecommendResponse.js';
import { call, startTestServer, type TestServer } from './helpers/server.js';
import { fieldOf, getStatus, grpcCode, importBatch, randomRows, waitFor, waitTerminal, watchAll } from './helpers/jobs.js';

/** Training jobs over the real gRPC API: lifecycle, replacement, idempotency, cancel, watch. */
let srv: TestServer;
const train = (req: TrainRequest) => call<TrainRequest, TrainingStatus__Output>(srv.client.Train.bind(srv.client), req);
const getModel = (model_id: string) => call<object, Model__Output>(srv.client.GetModel.bind(srv.client), { model_id });
const recommendJob = async (model_id: string) => (await call<object, RecommendResponse__Output>(srv.client.Recommend.bind(srv.client), { model_id, source_id: 'u0', max_recommendations: 3 })).job_id;
const cancel = (req: { job_id?: string; model_id?: string }) => call<object, TrainingStatus__Output>(srv.client.CancelTraining.bind(srv.client), req);
const SMALL = { factors: 8, iterations: 3 };
/** Long enough to be observed RUNNING and cancelled (never left to finish). */
const LONG = { factors: 8, iterations: 1000 };

beforeAll(async () => {
  srv = await startTestServer();
  await importBatch(srv, 'INTERACTIONS', randomRows(300, 200, 10), ['main']);
});
afterAll(async () => { await srv?.dispose(); });

async function expectCode(p: Promise<unknown>, code: number, field?: string): Promise<ServiceError> {
  try { await p; } catch (err) {
    expect(grpcCode(err), (err as Error).message).toBe(code);
    if (field) expect(fieldOf(err)).toBe(field);
    return err as ServiceError;
  }
  throw new Error(`expected gRPC code ${code}`);
}

async function waitRunning(jobId: string): Promise<TrainingStatus__Output> {
  let s!: TrainingStatus__Output;
  await waitFor(async () => { s = await getStatus(srv.client, { job_id: jobId }); return s.status === 'RUNNING' && s.iteration >= 1; }, 30_000, `job ${jobId} running`);
  return s;
}

describe('Train / GetStatus / GetModel / ListModels', () => {
  it('returns at once, trains in the background, swaps the model only on completion, keeps it after cancel and error', async () => {
    // Before any completion the model exists (it has a job) but serves nothing, and a cancel changes that not.
    const pending = await train({ model_id: 'pending', hyperparameters: LONG, data_tags: ['main'] });
    await waitRunning(pending.job_id);
    const p = await getModel('pending');
    expect(p.serving).toBe(false);
    expect(p.latest_job?.job_id).toBe(pending.job_id);
    await expectCode(recommendJob('pending'), grpcStatus.FAILED_PRECONDITION);
    await cancel({ job_id: pending.job_id });
    expect((await waitTerminal(srv.client, pending.job_id, 10_000)).status).toBe('CANCELLED');
    await expectCode(recommendJob('pending'), grpcStatus.FAILED_PRECONDITION);

    const first = await train({ model_id: 'rep', hyperparameters: SMALL, data_tags: ['main'] });
    expect(['QUEUED', 'RUNNING']).toContain(first.status); // answered before the training ended
    expect(first.job_id).toMatch(/^job-/);
    expect(first.model_id).toBe('rep');
    expect(first.total_iterations).toBe(3);
    expect(first.create_time).not.toBeNull();
    expect((await getModel('rep')).latest_job?.job_id).toBe(first.job_id);
    const done = await waitTerminal(srv.client, first.job_id);
    expect(done.status).toBe('COMPLETED');
    expect(done.progress).toBe(100);
    expect(done.iteration).toBe(3);
    expect(done.backend).toBe('wasm');
    expect(done.device).not.toBe('');
    expect(done.loss).toBeGreaterThan(0);
    expect(done.start_time).not.toBeNull();
    expect(done.end_time).not.toBeNull();
    expect(done.batch_ids.length).toBe(1);
    expect(Number(done.data?.interactions)).toBe(3000);
    expect(Number(done.data?.sources)).toBe(300);
    let m = await getModel('rep');
    expect(m.serving).toBe(true);
    expect(m.job_id).toBe(first.job_id);
    expect(m.factors).toBe(8);
    expect(m.loss_curve.length).toBe(3);
    expect(Number(m.source_count)).toBe(300);
    expect(m.hyperparameters?.iterations).toBe(3);
    expect(await recommendJob('rep')).toBe(first.job_id);

    // A second training: while it runs the first stays served; a duplicate Train is ABORTED naming it.
    const second = await train({ model_id: 'rep', hyperparameters: LONG });
    await waitRunning(second.job_id);
    m = await getModel('rep');
    expect(m.job_id).toBe(first.job_id);
    expect(m.latest_job?.job_id).toBe(second.job_id);
    expect(m.latest_job?.status).toBe('RUNNING');
    expect(await recommendJob('rep')).toBe(first.job_id);
    const dup = await expectCode(train({ model_id: 'rep', hyperparameters: SMALL }), grpcStatus.ABORTED, 'model_id');
    expect(dup.details).toContain(second.job_id);
    // GetStatus by model_id -> latest job.
    expect((await getStatus(srv.client, { model_id: 'rep' })).job_id).toBe(second.job_id);
    const c = await cancel({ job_id: second.job_id });
    expect(['RUNNING', 'CANCELLED']).toContain(c.status);
    const cancelled = await waitTerminal(srv.client, second.job_id, 10_000);
    expect(cancelled.status).toBe('CANCELLED');
    m = await getModel('rep');
    expect(m.job_id).toBe(first.job_id);
    expect(m.serving).toBe(true);
    // Cancelling a finished job: FAILED_PRECONDITION.
    await expectCode(cancel({ job_id: second.job_id }), grpcStatus.FAILED_PRECONDITION);

    // A failing training (empty selection) leaves the model as it was.
    const failing = await train({ model_id: 'rep', hyperparameters: SMALL, data_tags: ['no-such-tag'] });
    const failed = await waitTerminal(srv.client, failing.job_id);
    expect(failed.status).toBe('ERROR');
    expect(failed.error).toMatch(/no interactions selected/);
    m = await getModel('rep');
    expect(m.job_id).toBe(first.job_id);
    expect(m.latest_job?.status).toBe('ERROR');
    expect(await recommendJob('rep')).toBe(first.job_id);

    // A new completed training replaces it.
    const third = await train({ model_id: 'rep', hyperparameters: { ...SMALL, seed: 7 } });
    expect((await waitTerminal(srv.client, third.job_id)).status).toBe('COMPLETED');
    m = await getModel('rep');
    expect(m.job_id).toBe(third.job_id);
    const row = srv.app.db.prepare('SELECT job_id FROM models WHERE model_id = ?').get('rep') as { job_id: string };
    expect(row.job_id).toBe(third.job_id);
    expect(await recommendJob('rep')).toBe(third.job_id);
  }, 180_000);

  it('a retried Train with the same request_id returns the same job; generated model ids; bad ids and hyperparameters', async () => {
    const a = await train({ request_id: 'req-1', hyperparameters: SMALL });
    const b = await train({ request_id: 'req-1', hyperparameters: SMALL });
    expect(b.job_id).toBe(a.job_id);
    expect(a.model_id).toMatch(/^model-[0-9a-f]{10}$/);
    expect(a.request_id).toBe('req-1');
    expect((await waitTerminal(srv.client, a.job_id)).status).toBe('COMPLETED');
    expect((await train({ request_id: 'req-1' })).job_id).toBe(a.job_id);
    await expectCode(train({ model_id: '../etc', hyperparameters: SMALL }), grpcStatus.INVALID_ARGUMENT, 'model_id');
    await expectCode(train({ model_id: 'hp', hyperparameters: { factors: 0 } }), grpcStatus.INVALID_ARGUMENT, 'hyperparameters.factors');
    await expectCode(train({ model_id: 'hp', hyperparameters: { regularization: -1 } }), grpcStatus.INVALID_ARGUMENT, 'hyperparameters.regularization');
    await expectCode(train({ model_id: 'hp', hyperparameters: { backend: 'quantum' } }), grpcStatus.INVALID_ARGUMENT, 'hyperparameters.backend');
    await expectCode(train({ model_id: 'hp', maximum_interaction_age_days: 0 }), grpcStatus.INVALID_ARGUMENT, 'maximum_interaction_age_days');
    await expectCode(train({ model_id: 'hp', callback_url: 'ftp://example.com/x' }), grpcStatus.INVALID_ARGUMENT, 'callback_url');
    await expectCode(train({ model_id: 'hp', callback_url: 'http://10.0.0.1/hook' }), grpcStatus.INVALID_ARGUMENT, 'callback_url');
    await expectCode(train({ model_id: 'hp', evaluation: { holdout_fraction: 1.5 } }), grpcStatus.INVALID_ARGUMENT, 'evaluation.holdout_fraction');
    // Nothing was created by the rejected calls.
    await expectCode(getStatus(srv.client, { model_id: 'hp' }), grpcStatus.NOT_FOUND, 'model_id');
    await expectCode(getStatus(srv.client, { job_id: 'job-nope' }), grpcStatus.NOT_FOUND, 'job_id');
    await expectCode(getStatus(srv.client, {}), grpcStatus.INVALID_ARGUMENT);
    await expectCode(getModel('nope'), grpcStatus.NOT_FOUND, 'model_id');
  }, 180_000);

  it('evaluation: a holdout model is trained too; metrics in the status and GetModel', async () => {
    const st = await train({ model_id: 'eval', hyperparameters: SMALL, evaluation: { holdout_fraction: 0.2, seed: 3, k: 5 } });
    expect(st.total_iterations).toBe(6);
    const done = await waitTerminal(srv.client, st.job_id);
    expect(done.status).toBe('COMPLETED');
    expect(done.evaluation?.k).toBe(5);
    expect(Number(done.evaluation?.test_interactions)).toBeGreaterThan(0);
    expect(done.evaluation?.model?.precision_at_k).toBeGreaterThanOrEqual(0);
    expect(done.evaluation?.baseline).not.toBeNull();
    const m = await getModel('eval');
    expect(m.evaluation?.k).toBe(5);
    expect(m.evaluation?.model?.ndcg_at_k).toBe(done.evaluation?.model?.ndcg_at_k);
  }, 180_000);

  it('ListModels pages through every model that has a job', async () => {
    const all: string[] = [];
    let token = '';
    do {
      const page = await call<object, ListModelsResponse__Output>(srv.client.ListModels.bind(srv.client), { page_size: 1, page_token: token });
      expect(page.models.length).toBeLessThanOrEqual(1);
      all.push(...page.models.map((m) => m.model_id));
      token = page.next_page_token;
    } while (token);
    expect(all).toContain('rep');
    expect(all.length).toBeGreaterThanOrEqual(2);
    expect([...all].sort()).toEqual(all);
    await expectCode(call(srv.client.ListModels.bind(srv.client), { page_token: 'garbage' }), grpcStatus.INVALID_ARGUMENT, 'page_token');
  });
});

describe('queue, cancel and WatchStatus', () => {
  it('queues FIFO behind a running job; cancel of a queued job is immediate; watch sends snapshot, updates, heartbeats and ends after the terminal state', async () => {
    const running = await train({ model_id: 'w-run', hyperparameters: LONG });
    const queued = await train({ model_id: 'w-queued', hyperparameters: SMALL });
    expect(queued.status).toBe('QUEUED');
    await waitRunning(running.job_id);

    // Heartbeats while the queued job does not change.
    const hbStream = srv.client.WatchStatus({ job_id: queued.job_id, heartbeat_ms: 100 });
    const hb: TrainingStatus__Output[] = [];
    hbStream.on('data', (m: TrainingStatus__Output) => hb.push(m));
    const hbEnd = new Promise<void>((resolve) => { hbStream.on('end', resolve); hbStream.on('error', () => resolve()); });
    await waitFor(() => hb.length >= 3, 5000, 'heartbeats');
    expect(hb[0]!.heartbeat).toBe(false);
    expect(hb[0]!.status).toBe('QUEUED');
    expect(hb.slice(1).every((m) => m.heartbeat && m.sequence === hb[0]!.sequence)).toBe(true);

    // Cancel the queued job: CANCELLED at once; the watch stream ends after sending it.
    const qc = await cancel({ job_id: queued.job_id });
    expect(qc.status).toBe('CANCELLED');
    await hbEnd;
    expect(hb[hb.length - 1]!.status).toBe('CANCELLED');

    // Watch the running job: snapshot first, then increasing sequences, ends with CANCELLED.
    const watched = watchAll(srv.client, { job_id: running.job_id, heartbeat_ms: 5000 });
    await new Promise((r) => setTimeout(r, 1500));
    await cancel({ model_id: "w-run" });
    const { messages, error } = await watched;
    expect(error).toBeUndefined();
    expect(messages[0]!.status).toBe('RUNNING');
    const seqs = messages.map((m) => Number(m.sequence));
    for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBeGreaterThan(seqs[i - 1]!);
    expect(messages.length).toBeGreaterThan(2);
    expect(messages.some((m) => m.iteration > messages[0]!.iteration)).toBe(true);
    expect(messages[messages.length - 1]!.status).toBe('CANCELLED');

    // Watching a finished job: one message, then the end.
    const fin = await watchAll(srv.client, { job_id: running.job_id });
    expect(fin.messages.length).toBe(1);
    expect(fin.messages[0]!.status).toBe('CANCELLED');
    const bad = await watchAll(srv.client, { job_id: running.job_id, heartbeat_ms: 10 });
    expect(grpcCode(bad.error)).toBe(grpcStatus.INVALID_ARGUMENT);
    const missing = await watchAll(srv.client, { job_id: 'job-missing' });
    expect(grpcCode(missing.error)).toBe(grpcStatus.NOT_FOUND);
  }, 180_000);

  it('a watcher that goes away is removed from the hub', async () => {
    const running = await train({ model_id: 'w-gone', hyperparameters: LONG });
    const base = srv.app.jobs.hub.listenerCount();
    const streams = Array.from({ length: 5 }, () => srv.client.WatchStatus({ job_id: running.job_id, heartbeat_ms: 100 }));
    const got = streams.map(() => 0);
    streams.forEach((s, i) => { s.on('data', () => { got[i]!++; }); s.on('error', () => undefined); });
    await waitFor(() => got.every((g) => g > 0), 10_000, 'first messages');
    expect(srv.app.jobs.hub.listenerCount()).toBe(base + 5);
    for (const s of streams) s.cancel();
    await waitFor(() => srv.app.jobs.hub.listenerCount() === base, 5000, 'listeners removed');
    await cancel({ job_id: running.job_id });
    expect((await waitTerminal(srv.client, running.job_id, 10_000)).status).toBe('CANCELLED');
    expect(srv.app.jobs.hub.listenerCount()).toBe(0);
  }, 180_000);
});

import type { ChildProcess } from 'node:child_process';
import { spawnServe } from './helpers/cli.js';
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TrainingStatus__Output } from '../src/gen/recommender/v1/TrainingStatus.js';
import type { TrainRequest } from '../src/gen/recommender/v1/TrainRequest.js';
import { verifyWebhook } from '../src/service/webhooks/signer.js';
import { createClient } from '../src/transport/client.js';
import { call, startTestServer, tempDataDir, type TestServer } from './helpers/server.js';
import { getStatus, importBatch, randomRows, waitFor, waitTerminal } from './helpers/jobs.js';

/** Signed callbacks for completed / error / cancelled jobs, and a server killed during training. */
const SECRET = `whsec_${randomBytes(32).toString('base64')}`;
interface Received { headers: IncomingHttpHeaders; body: string; event: { type: string; data: { job_id: string; model_id: string; status: string; error?: string } } }
const received: Received[] = [];
let receiver: Server;
let hookUrl: string;

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      received.push({ headers: req.headers, body, event: JSON.parse(body) });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
});
afterAll(async () => { await new Promise((r) => receiver.close(r)); });

const eventFor = (jobId: string) => received.find((r) => r.event.data.job_id === jobId);

function expectSigned(r: Received): void {
  const v = verifyWebhook(SECRET, r.headers, r.body);
  expect(v.id).toBe(r.headers['webhook-id']);
}

describe('callbacks', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startTestServer({ webhookSecret: SECRET, webhookRetryScheduleMs: [100, 200] });
    await importBatch(srv, 'INTERACTIONS', randomRows(100, 50, 5), ['cb']);
  });
  afterAll(async () => { await srv?.dispose(); });
  const train = (req: TrainRequest) => call<TrainRequest, TrainingStatus__Output>(srv.client.Train.bind(srv.client), req);

  it('completed, error and cancelled jobs POST a signed event; the delivery state shows in the status', async () => {
    const ok = await train({ model_id: 'cb-ok', callback_url: hookUrl, hyperparameters: { factors: 8, iterations: 3 } });
    expect(ok.callback?.url).toBe(hookUrl);
    const queued = await train({ model_id: 'cb-cancel', callback_url: hookUrl, hyperparameters: { factors: 8, iterations: 3 } });
    expect(queued.status).toBe('QUEUED');
    await call(srv.client.CancelTraining.bind(srv.client), { job_id: queued.job_id });
    const bad = await train({ model_id: 'cb-err', callback_url: hookUrl, data_tags: ['nothing'], hyperparameters: { factors: 8, iterations: 3 } });
    for (const j of [ok, queued, bad]) await waitTerminal(srv.client, j.job_id);
    await waitFor(() => [ok, queued, bad].every((j) => eventFor(j.job_id)), 15_000, 'three callbacks');
    const e1 = eventFor(ok.job_id)!, e2 = eventFor(queued.job_id)!, e3 = eventFor(bad.job_id)!;
    for (const e of [e1, e2, e3]) expectSigned(e);
    expect(e1.event).toMatchObject({ type: 'training.completed', data: { model_id: 'cb-ok', status: 'COMPLETED' } });
    expect(e2.event).toMatchObject({ type: 'training.cancelled', data: { model_id: 'cb-cancel', status: 'CANCELLED' } });
    expect(e3.event).toMatchObject({ type: 'training.error', data: { model_id: 'cb-err', status: 'ERROR' } });
    expect(e3.event.data.error).toMatch(/no interactions selected/);
    let st!: TrainingStatus__Output;
    await waitFor(async () => { st = await getStatus(srv.client, { job_id: ok.job_id }); return st.callback?.state === 'delivered'; }, 10_000, 'delivered state');
    expect(st.callback).toMatchObject({ url: hookUrl, state: 'delivered', attempts: 1, last_http_status: 200, webhook_id: e1.headers['webhook-id'] });
  }, 180_000);

  it('a finished job whose callback was never enqueued (process died in between) gets it at the next start', async () => {
    const job = await train({ model_id: 'cb-lost', callback_url: hookUrl, hyperparameters: { factors: 8, iterations: 2 } });
    await waitTerminal(srv.client, job.job_id);
    await waitFor(() => Boolean(eventFor(job.job_id)), 15_000, 'first callback');
    const dataDir = srv.dataDir;
    await srv.stop();
    // Simulate the crash window: the terminal job row is committed, its delivery row is not.
    const Database = (await import('better-sqlite3')).default;
    const db = new Database(`${dataDir}/catalog.sqlite`);
    expect(db.prepare('DELETE FROM webhook_deliveries WHERE job_id = ?').run(job.job_id).changes).toBe(1);
    db.close();
    received.splice(0);
    srv = await startTestServer({ dataDir, webhookSecret: SECRET, webhookRetryScheduleMs: [100, 200] });
    await waitFor(() => Boolean(eventFor(job.job_id)), 15_000, 'callback after restart');
    const e = eventFor(job.job_id)!;
    expectSigned(e);
    expect(e.headers['webhook-id']).toBe(`msg_${job.job_id}`);
    expect(e.event).toMatchObject({ type: 'training.completed', data: { model_id: 'cb-lost', status: 'COMPLETED' } });
    // Jobs whose delivery exists are not sent again.
    await new Promise((r) => setTimeout(r, 300));
    expect(received.filter((r) => r.event.data.job_id !== job.job_id)).toEqual([]);
  }, 180_000);
});

/** A server process (the CLI's `serve`) that signs callbacks with SECRET and may call 127.0.0.1. */
async function spawnServer(dataDir: string): Promise<{ child: ChildProcess; port: number }> {
  const s = spawnServe(dataDir, ['--backend', 'wasm', '--workers', '1'], { env: { RECOMMENDER_WEBHOOK_ALLOW: '127.0.0.1', RECOMMENDER_WEBHOOK_SECRET: SECRET } });
  return { child: s.child, port: await s.ready };
}

describe('crash safety', () => {
  it('a graceful stop ends watch streams promptly and marks the running and queued jobs ERROR "interrupted"', async () => {
    const dataDir = tempDataDir();
    try {
      let srv = await startTestServer({ dataDir, webhookSecret: SECRET });
      await importBatch(srv, 'INTERACTIONS', randomRows(300, 100, 10), ['g']);
      const run = await call<TrainRequest, TrainingStatus__Output>(srv.client.Train.bind(srv.client), { model_id: 'g1', callback_url: hookUrl, hyperparameters: { factors: 8, iterations: 1000 } });
      const queued = await call<TrainRequest, TrainingStatus__Output>(srv.client.Train.bind(srv.client), { model_id: 'g2', hyperparameters: { factors: 8, iterations: 3 } });
      await waitFor(async () => (await getStatus(srv.client, { job_id: run.job_id })).iteration >= 1, 30_000, 'running');
      const watch = srv.client.WatchStatus({ job_id: run.job_id });
      const ended = new Promise<string>((resolve) => { watch.on('end', () => resolve('end')); watch.on('error', (e) => resolve(`error ${(e as Error).message}`)); });
      await new Promise((resolve) => watch.once('data', resolve)); // the stream is open on the server
      watch.on('data', () => undefined);
      await srv.app.stop();
      // Ended by the server's stop before draining (a stream still open at the grace deadline would be
      // cancelled by the forced shutdown and end with an error instead).
      expect(await ended).toBe('end');
      await srv.stop();
      srv = await startTestServer({ dataDir, webhookSecret: SECRET });
      try {
        for (const j of [run, queued]) {
          const s = await getStatus(srv.client, { job_id: j.job_id });
          expect(s.status).toBe('ERROR');
          expect(s.error).toBe('interrupted: the server stopped while this job was running');
        }
        await waitFor(() => eventFor(run.job_id) !== undefined, 15_000, 'callback of the interrupted job');
      } finally {
        await srv.stop();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 180_000);

  it('a server killed during training: after restart the job is ERROR "interrupted", its callback is delivered, the previous model still serves', async () => {
    const dataDir = tempDataDir();
    try {
      // Data and a first completed model, prepared in-process on the same data dir.
      const prep = await startTestServer({ dataDir, webhookSecret: SECRET });
      await importBatch(prep, 'INTERACTIONS', randomRows(2000, 500, 20), ['k']);
      const first = await call<TrainRequest, TrainingStatus__Output>(prep.client.Train.bind(prep.client), { model_id: 'crash', hyperparameters: { factors: 8, iterations: 2 } });
      expect((await waitTerminal(prep.client, first.job_id)).status).toBe('COMPLETED');
      await prep.stop();

      let { child, port } = await spawnServer(dataDir);
      let client = createClient({ address: `127.0.0.1:${port}` });
      const st = await call<TrainRequest, TrainingStatus__Output>(client.Train.bind(client), { model_id: 'crash', callback_url: hookUrl, hyperparameters: { factors: 8, iterations: 1000 } });
      await waitFor(async () => { const s = await getStatus(client, { job_id: st.job_id }); return s.status === 'RUNNING' && s.iteration >= 1; }, 30_000, 'running');
      client.close();
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      expect(eventFor(st.job_id)).toBeUndefined();

      ({ child, port } = await spawnServer(dataDir));
      client = createClient({ address: `127.0.0.1:${port}` });
      try {
        const after = await getStatus(client, { job_id: st.job_id });
        expect(after.status).toBe('ERROR');
        expect(after.error).toBe('interrupted: the server stopped while this job was running');
        await waitFor(() => eventFor(st.job_id) !== undefined, 15_000, 'callback after restart');
        const e = eventFor(st.job_id)!;
        expectSigned(e);
        expect(e.event).toMatchObject({ type: 'training.error', data: { status: 'ERROR', error: 'interrupted: the server stopped while this job was running' } });
        const m = await call<object, { job_id: string; serving: boolean }>(client.GetModel.bind(client), { model_id: 'crash' });
        expect(m.job_id).toBe(first.job_id);
        expect(m.serving).toBe(true);
      } finally {
        client.close();
        child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 180_000);
});

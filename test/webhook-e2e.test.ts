import http, { type IncomingHttpHeaders } from 'node:http';
import { readFileSync } from 'node:fs';
import { status as grpcStatus } from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import type { TrainingStatus__Output } from '../src/gen/recommender/v1/TrainingStatus.js';
import type { TrainRequest } from '../src/gen/recommender/v1/TrainRequest.js';
import { verifyWebhook } from '../src/service/webhooks/signer.js';
import { DataDir } from '../src/data-dir.js';
import { call, startTestServer, tempDataDir, type TestServer } from './helpers/server.js';
import { fieldOf, getStatus, grpcCode, importBatch, randomRows, waitFor, waitTerminal } from './helpers/jobs.js';

/** Train over real gRPC with a callback_url; a real HTTP receiver verifies the signed events. */
interface Got { headers: IncomingHttpHeaders; body: string }

async function startReceiver() {
  const got: Got[] = [];
  /** Answer to request n: codes[n], else dflt; 0 = hold the request unanswered. */
  const state = { codes: [] as number[], dflt: 500 };
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => { got.push({ headers: req.headers, body }); const code = state.codes[got.length - 1] ?? state.dflt; if (code) { res.writeHead(code); res.end(); } /* 0: never answer */ });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}/training-done`, got, state, close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => { while (cleanups.length) await cleanups.pop()!(); });

async function server(dataDir: string, schedule: number[], webhookTimeoutMs = 3000): Promise<TestServer> {
  const srv = await startTestServer({ dataDir, webhookRetryScheduleMs: schedule, webhookTimeoutMs });
  cleanups.push(() => srv.stop());
  return srv;
}

const train = (srv: TestServer, req: TrainRequest) => call<TrainRequest, TrainingStatus__Output>(srv.client.Train.bind(srv.client), req);
const small = { factors: 4, iterations: 2 };

describe('training callbacks end to end', () => {
  it('POSTs a signed training.completed event, retried after a 500, and shows delivery in the status', async () => {
    const rx = await startReceiver();
    cleanups.push(rx.close);
    rx.state.codes = [500];
    rx.state.dflt = 200;
    const dataDir = tempDataDir('wh-e2e-');
    const srv = await server(dataDir, [150, 300]);
    const batchId = await importBatch(srv, 'INTERACTIONS', randomRows(30, 40, 6), ['t']);
    const started = await train(srv, { model_id: 'cb-model', callback_url: rx.url, hyperparameters: small });
    expect(started.callback?.url).toBe(rx.url);
    const final = await waitTerminal(srv.client, started.job_id);
    expect(final.status).toBe('COMPLETED');
    await waitFor(async () => (await getStatus(srv.client, { job_id: started.job_id })).callback?.state === 'delivered', 10_000, 'delivery');
    const st = await getStatus(srv.client, { job_id: started.job_id });
    expect(st.callback).toMatchObject({ url: rx.url, state: 'delivered', attempts: 2, last_http_status: 200 });
    expect(rx.got).toHaveLength(2);
    const secret = readFileSync(new DataDir(dataDir).webhookSecretFile, 'utf8').trim();
    for (const g of rx.got) {
      expect(g.headers['webhook-id']).toBe(st.callback!.webhook_id);
      expect(g.headers['content-type']).toBe('application/json');
      verifyWebhook(secret, g.headers, g.body);
    }
    const ev = JSON.parse(rx.got[1].body);
    expect(ev).toMatchObject({ type: 'training.completed', data: { model_id: 'cb-model', job_id: started.job_id, status: 'COMPLETED', progress: 100, batch_ids: [batchId] } });
    expect(typeof ev.data.start_time).toBe('string');
    expect(typeof ev.data.end_time).toBe('string');
    expect(() => verifyWebhook(secret, rx.got[1].headers, rx.got[1].body.replace('cb-model', 'other'))).toThrow();
  });

  it('rejects bad callback_url values with INVALID_ARGUMENT naming callback_url', async () => {
    const srv = await server(tempDataDir('wh-e2e-'), [100]);
    await importBatch(srv, 'INTERACTIONS', randomRows(10, 10, 3), []);
    for (const url of ['ftp://example.com/x', 'https://user:pw@example.com/x', 'not a url', 'http://169.254.169.254/latest', 'http://[::1]:8080/x', 'http://10.0.0.1/x']) {
      const err = await train(srv, { callback_url: url, hyperparameters: small }).then(() => undefined, (e) => e);
      expect(grpcCode(err), url).toBe(grpcStatus.INVALID_ARGUMENT);
      expect(fieldOf(err), url).toBe('callback_url');
    }
  });

  it('a pending callback survives a restart and is delivered by the next process with the same id and secret', async () => {
    const rx = await startReceiver();
    cleanups.push(rx.close);
    const dataDir = tempDataDir('wh-e2e-');
    const srv1 = await server(dataDir, [400, 400, 400]);
    await importBatch(srv1, 'INTERACTIONS', randomRows(20, 20, 5), []);
    const started = await train(srv1, { model_id: 'restart-model', callback_url: rx.url, hyperparameters: small });
    await waitTerminal(srv1.client, started.job_id);
    await waitFor(() => rx.got.length >= 1, 10_000, 'first callback attempt');
    await srv1.stop(); // the retry is still pending
    rx.state.dflt = 204;
    const srv2 = await server(dataDir, [400, 400, 400]);
    await waitFor(async () => (await getStatus(srv2.client, { job_id: started.job_id })).callback?.state === 'delivered', 10_000, 'delivery after restart');
    const st = await getStatus(srv2.client, { job_id: started.job_id });
    expect(st.callback?.attempts).toBeGreaterThanOrEqual(2);
    expect(st.callback?.last_http_status).toBe(204);
    const secret = readFileSync(new DataDir(dataDir).webhookSecretFile, 'utf8').trim();
    expect(new Set(rx.got.map((g) => g.headers['webhook-id']))).toEqual(new Set([st.callback!.webhook_id]));
    for (const g of rx.got) verifyWebhook(secret, g.headers, g.body);
    expect(rx.got.at(-1)!.body).toBe(rx.got[0].body);
  });

  it('a job interrupted by a stop gets a training.error callback, delivered after the restart', async () => {
    const rx = await startReceiver();
    rx.state.dflt = 0; // the receiver hangs until the restart: the attempt is in flight when the server stops
    cleanups.push(rx.close);
    const dataDir = tempDataDir('wh-e2e-');
    const srv1 = await server(dataDir, [300, 300, 300], 60_000);
    await importBatch(srv1, 'INTERACTIONS', randomRows(200, 300, 20), []);
    const long = { factors: 8, iterations: 1000 };
    const a = await train(srv1, { model_id: 'busy', hyperparameters: long });
    const b = await train(srv1, { model_id: 'queued', callback_url: rx.url, hyperparameters: long });
    await waitFor(async () => (await getStatus(srv1.client, { job_id: a.job_id })).status === 'RUNNING', 20_000, 'job a running');
    // The stop marks the queued job ERROR "interrupted" and enqueues its callback; the first attempt (if it
    // started) hangs on the receiver and is aborted by the stop: not counted, the delivery stays pending.
    await srv1.stop();
    rx.state.dflt = 200;
    const srv2 = await server(dataDir, [300, 300, 300]);
    await waitFor(async () => (await getStatus(srv2.client, { job_id: b.job_id })).callback?.state === 'delivered', 15_000, 'callback after restart');
    const st = await getStatus(srv2.client, { job_id: b.job_id });
    expect(st.status).toBe('ERROR');
    expect(st.callback).toMatchObject({ state: 'delivered', attempts: 1, last_http_status: 200 });
    expect(new Set(rx.got.map((g) => g.headers['webhook-id']))).toEqual(new Set([st.callback!.webhook_id]));
    const ev = JSON.parse(rx.got.at(-1)!.body);
    expect(ev).toMatchObject({ type: 'training.error', data: { model_id: 'queued', job_id: b.job_id, status: 'ERROR' } });
    expect(ev.data.error).toMatch(/interrupted/);
    verifyWebhook(readFileSync(new DataDir(dataDir).webhookSecretFile, 'utf8').trim(), rx.got.at(-1)!.headers, rx.got.at(-1)!.body);
  });
});

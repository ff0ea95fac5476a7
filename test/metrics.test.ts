import { status as grpcStatus, type ServiceError } from '@grpc/grpc-js';
import { Float32, Table, tableToIPC, Utf8, vectorFromArray } from 'apache-arrow';
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import { rmSync } from 'node:fs';
import { Writable } from 'node:stream';
import pino from 'pino';
import { startApp } from '../src/app.js';
import { compileServerOptions, DEFAULT_HTTP_PORT } from '../src/config.js';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImportBatchRequest } from '../src/gen/recommender/v1/ImportBatchRequest.js';
import type { TrainingStatus__Output } from '../src/gen/recommender/v1/TrainingStatus.js';
import type { TrainRequest } from '../src/gen/recommender/v1/TrainRequest.js';
import { createClient } from '../src/transport/client.js';
import { checkHealth, healthClient } from './helpers/health.js';
import { rejection, sendImport } from './helpers/import.js';
import { scrape, value, type Sample } from './helpers/prometheus.js';
import { call, startTestServer, tempDataDir, type TestServer } from './helpers/server.js';
import { randomRows, waitFor } from './helpers/jobs.js';

/**
 * /metrics after real calls over a real socket: the grpc-ecosystem server metrics and ours, counted
 * exactly. Jobs are awaited in-process (app.jobs), never by polling GetStatus, so every gRPC call the
 * test makes is one it counts.
 */
const SVC = 'recommender.v1.Recommender';
const u = (method: string, extra: Record<string, string> = {}) => ({ grpc_type: 'unary', grpc_service: SVC, grpc_method: method, ...extra });

let srv: TestServer;
let base: string;
let hooks: Server;
let hookBase: string;

beforeAll(async () => {
  // Callback receivers: /ok 200 (delivered), /gone 410 (stopped), /fail 500 (retried once, then failed).
  hooks = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(req.url === '/ok' ? 200 : req.url === '/gone' ? 410 : 500).end());
  });
  await new Promise<void>((r) => hooks.listen(0, '127.0.0.1', r));
  hookBase = `http://127.0.0.1:${(hooks.address() as AddressInfo).port}`;
  srv = await startTestServer({ httpPort: 'any', webhookRetryScheduleMs: [50] });
  base = `http://127.0.0.1:${srv.app.http!.port}`;
});
afterAll(async () => {
  await srv?.dispose();
  await new Promise((r) => hooks?.close(r));
});

function chunks(bytes: Uint8Array, size: number): ImportBatchRequest[] {
  const out: ImportBatchRequest[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push({ arrow_chunk: Buffer.from(bytes.subarray(i, i + size)) });
  return out;
}

async function jobEnded(jobId: string): Promise<void> {
  await waitFor(() => ['COMPLETED', 'ERROR', 'CANCELLED'].includes(srv.app.jobs.get(jobId)!.status), 60_000, `job ${jobId} ended`);
}

describe('/metrics', () => {
  it('counts every gRPC call by type, service, method and code, and our own events, exactly', async () => {
    const train = (req: TrainRequest) => call<TrainRequest, TrainingStatus__Output>(srv.client.Train.bind(srv.client), req);
    // Imports: 300 interactions in 5 chunks, 20 entities in 1.
    const rows = randomRows(60, 20, 5);
    const interactions = tableToIPC(new Table({
      source_id: vectorFromArray(rows.map((r) => r.s), new Utf8()), target_id: vectorFromArray(rows.map((r) => r.t), new Utf8()),
      weight: vectorFromArray(rows.map((r) => r.w!), new Float32()),
    }), 'stream');
    const entities = tableToIPC(new Table({ id: vectorFromArray(Array.from({ length: 20 }, (_, i) => `i${i}`), new Utf8()) }), 'stream');
    const size = Math.ceil(interactions.length / 5);
    const interactionMsgs = chunks(interactions, size);
    expect(interactionMsgs.length).toBe(5);
    await sendImport(srv.client, [{ header: { kind: 'INTERACTIONS', tags: ['m'] } }, ...interactionMsgs]);
    await sendImport(srv.client, [{ header: { kind: 'ENTITIES', tags: ['m'] } }, { arrow_chunk: Buffer.from(entities) }]);
    await call(srv.client.ListBatches.bind(srv.client), {});
    const missing = await rejection(call(srv.client.DeleteBatches.bind(srv.client), { batch_ids: ['no-such-batch'] }));
    expect(missing.code).toBe(grpcStatus.NOT_FOUND);
    const bad = await rejection(train({ model_id: 'bad', hyperparameters: { factors: 0 } }));
    expect(bad.code).toBe(grpcStatus.INVALID_ARGUMENT);

    // Three trainings whose callbacks end delivered, stopped and failed.
    const hp = { factors: 4, iterations: 3 };
    const jobs: string[] = [];
    for (const [model, path] of [['m-ok', '/ok'], ['m-gone', '/gone'], ['m-fail', '/fail']] as const) {
      const s = await train({ model_id: model, data_tags: ['m'], hyperparameters: hp, callback_url: `${hookBase}${path}` });
      await jobEnded(s.job_id);
      jobs.push(s.job_id);
    }
    await waitFor(() => jobs.every((j) => ['delivered', 'stopped', 'failed'].includes(srv.app.jobs.callbackState(j)?.state ?? '')), 30_000, 'callbacks settled');

    // A long training, watched (the watch is then cancelled by the client) and cancelled.
    const long = await train({ model_id: 'm-long', data_tags: ['m'], hyperparameters: { factors: 128, iterations: 1000 } });
    await waitFor(() => (srv.app.jobs.get(long.job_id)!.lossCurve.length ?? 0) >= 1, 60_000, 'long job iterating');
    const running = await scrape(base);
    expect(value(running, 'recommender_training_progress_percent', { model_id: 'm-long', job_id: long.job_id })).toBeGreaterThan(0);
    expect(value(running, 'recommender_training_iteration', { model_id: 'm-long', job_id: long.job_id })).toBeGreaterThanOrEqual(1);
    expect(value(running, 'recommender_training_jobs', { state: 'RUNNING' })).toBe(1);
    const watch = srv.client.WatchStatus({ job_id: long.job_id });
    await new Promise<void>((resolve) => watch.once('data', () => resolve()));
    watch.on('error', () => undefined);
    watch.cancel();
    const canceledLabels = { grpc_type: 'server_stream', grpc_service: SVC, grpc_method: 'WatchStatus', grpc_code: 'Canceled' };
    await waitFor(async () => value(await scrape(base), 'grpc_server_handled_total', canceledLabels) === 1, 10_000, 'the cancelled watch counted');
    await call(srv.client.CancelTraining.bind(srv.client), { job_id: long.job_id });
    await jobEnded(long.job_id);
    const longIterations = srv.app.jobs.get(long.job_id)!.lossCurve.length;

    // Serving: a miss then two hits of the cache; a call for an unknown model.
    const rec = (model_id: string) => call(srv.client.Recommend.bind(srv.client), { model_id, source_id: 'u1' });
    for (let i = 0; i < 3; i++) await rec('m-ok');
    expect((await rejection(rec('ghost'))).code).toBe(grpcStatus.NOT_FOUND);

    const s: Sample[] = await scrape(base);
    const v = (name: string, labels?: Record<string, string>) => value(s, name, labels);
    // gRPC server metrics.
    const imp = { grpc_type: 'client_stream', grpc_service: SVC, grpc_method: 'ImportBatch' };
    expect(v('grpc_server_started_total', imp)).toBe(2);
    expect(v('grpc_server_handled_total', { ...imp, grpc_code: 'OK' })).toBe(2);
    expect(v('grpc_server_msg_received_total', imp)).toBe(1 + 5 + 1 + 1);
    expect(v('grpc_server_msg_sent_total', imp)).toBe(2);
    expect(v('grpc_server_handling_seconds_count', imp)).toBe(2);
    expect(v('grpc_server_handled_total', u('ListBatches', { grpc_code: 'OK' }))).toBe(1);
    expect(v('grpc_server_handled_total', u('DeleteBatches', { grpc_code: 'NotFound' }))).toBe(1);
    expect(v('grpc_server_msg_sent_total', u('DeleteBatches'))).toBeUndefined(); // a failed unary call sends no message
    expect(v('grpc_server_started_total', u('Train'))).toBe(5);
    expect(v('grpc_server_handled_total', u('Train', { grpc_code: 'OK' }))).toBe(4);
    expect(v('grpc_server_handled_total', u('Train', { grpc_code: 'InvalidArgument' }))).toBe(1);
    expect(v('grpc_server_handling_seconds_count', u('Train'))).toBe(5);
    expect(v('grpc_server_handling_seconds_bucket', { ...u('Train'), le: '+Inf' })).toBe(5);
    expect(v('grpc_server_handled_total', u('CancelTraining', { grpc_code: 'OK' }))).toBe(1);
    expect(v('grpc_server_handled_total', u('Recommend', { grpc_code: 'OK' }))).toBe(3);
    expect(v('grpc_server_handled_total', u('Recommend', { grpc_code: 'NotFound' }))).toBe(1);
    expect(v('grpc_server_handled_total', canceledLabels)).toBe(1);
    expect(v('grpc_server_started_total', { grpc_type: 'server_stream', grpc_service: SVC, grpc_method: 'WatchStatus' })).toBe(1);
    expect(v('grpc_server_msg_received_total', { grpc_type: 'server_stream', grpc_service: SVC, grpc_method: 'WatchStatus' })).toBe(1);
    expect(v('grpc_server_started_total', u('GetStatus'))).toBeUndefined();
    // Ours.
    expect(v('recommender_imported_rows_total', { kind: 'interactions' })).toBe(300);
    expect(v('recommender_imported_rows_total', { kind: 'entities' })).toBe(20);
    expect(v('recommender_imported_bytes_total', { kind: 'interactions' })).toBe(interactions.length);
    expect(v('recommender_imported_bytes_total', { kind: 'entities' })).toBe(entities.length);
    expect(v('recommender_stored_batches', { kind: 'interactions' })).toBe(1);
    expect(v('recommender_stored_batches', { kind: 'entities' })).toBe(1);
    expect(v('recommender_stored_rows', { kind: 'interactions' })).toBe(300);
    expect(v('recommender_stored_rows', { kind: 'entities' })).toBe(20);
    expect(v('recommender_stored_bytes', { kind: 'interactions' })).toBeGreaterThan(0);
    expect(v('recommender_training_jobs', { state: 'COMPLETED' })).toBe(3);
    expect(v('recommender_training_jobs', { state: 'CANCELLED' })).toBe(1);
    expect(v('recommender_training_jobs', { state: 'RUNNING' })).toBe(0);
    expect(v('recommender_training_jobs', { state: 'ERROR' })).toBe(0);
    expect(s.some((x) => x.name === 'recommender_training_progress_percent')).toBe(false);
    expect(v('recommender_training_iteration_seconds_count')).toBe(3 * 3 + longIterations);
    expect(v('recommender_webhook_attempts_total', { outcome: 'delivered' })).toBe(1);
    expect(v('recommender_webhook_attempts_total', { outcome: 'stopped' })).toBe(1);
    expect(v('recommender_webhook_attempts_total', { outcome: 'retry' })).toBe(1);
    expect(v('recommender_webhook_attempts_total', { outcome: 'failed' })).toBe(1);
    expect(v('recommender_webhook_deliveries_total', { outcome: 'delivered' })).toBe(1);
    expect(v('recommender_webhook_deliveries_total', { outcome: 'stopped' })).toBe(1);
    expect(v('recommender_webhook_deliveries_total', { outcome: 'failed' })).toBe(1);
    expect(v('recommender_webhook_deliveries_pending')).toBe(0);
    expect(v('recommender_model_cache_requests_total', { result: 'miss' })).toBe(1);
    expect(v('recommender_model_cache_requests_total', { result: 'hit' })).toBe(2);
    expect(v('recommender_model_cache_models')).toBe(1);
    expect(v('recommender_model_cache_bytes')).toBeGreaterThan(0);
    expect(v('recommender_recommend_seconds_count')).toBe(4);
    // Process metrics.
    expect(v('process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(s.some((x) => x.name === 'process_cpu_seconds_total')).toBe(true);
    expect(s.some((x) => x.name === 'nodejs_eventloop_lag_seconds')).toBe(true);
  }, 180_000);
});

describe('the HTTP port with API keys', () => {
  let keyed: TestServer;
  let kbase: string;
  beforeAll(async () => {
    keyed = await startTestServer({ httpPort: 'any', apiKeys: ['k-one', 'k-two'] });
    kbase = `http://127.0.0.1:${keyed.app.http!.port}`;
  });
  afterAll(async () => { await keyed?.dispose(); });

  it('follows the gRPC rule: a key for everything but health, by x-api-key, Bearer or Basic', async () => {
    const health = await fetch(`${kbase}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'SERVING' });
    for (const path of ['/metrics', '/', '/jobs', '/static/console.js']) {
      const r = await fetch(`${kbase}${path}`);
      expect(r.status, path).toBe(401);
      expect(r.headers.get('www-authenticate')).toMatch(/^Basic realm="recommender"/);
      await r.text();
    }
    expect((await fetch(`${kbase}/metrics`, { headers: { 'x-api-key': 'wrong' } })).status).toBe(401);
    expect((await fetch(`${kbase}/metrics`, { headers: { authorization: 'Basic ' + Buffer.from('me:wrong').toString('base64') } })).status).toBe(401);
    await scrape(kbase, { 'x-api-key': 'k-one' });
    await scrape(kbase, { authorization: 'Bearer k-two' });
    await scrape(kbase, { authorization: 'Basic ' + Buffer.from('anyone:k-one').toString('base64') });
    const page = await fetch(`${kbase}/`, { headers: { 'x-api-key': 'k-two' } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");

    // A gRPC call without a key is refused and counted as Unauthenticated; health needs none.
    const anon = createClient({ address: keyed.address });
    try {
      const err = await rejection(call(anon.ListBatches.bind(anon), {}));
      expect((err as ServiceError).code).toBe(grpcStatus.UNAUTHENTICATED);
    } finally { anon.close(); }
    const hc = healthClient(keyed.address);
    try { expect(await checkHealth(hc)).toBe('SERVING'); } finally { hc.close(); }
    const s = await scrape(kbase, { 'x-api-key': 'k-one' });
    expect(value(s, 'grpc_server_handled_total', u('ListBatches', { grpc_code: 'Unauthenticated' }))).toBe(1);
    expect(value(s, 'grpc_server_handled_total', { grpc_type: 'unary', grpc_service: 'grpc.health.v1.Health', grpc_method: 'Check', grpc_code: 'OK' })).toBe(1);
  });

  it('answers 503 on /healthz while the server drains', async () => {
    const other = await startTestServer({ httpPort: 'any' });
    const port = other.app.http!.port;
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    // An upload left open keeps the gRPC drain waiting (up to the 2 s grace): the HTTP port is still up then.
    const upload = other.client.ImportBatch(() => undefined);
    upload.write({ header: { kind: 'INTERACTIONS', tags: [] } });
    await waitFor(async () => value(await scrape(`http://127.0.0.1:${port}`), 'grpc_server_started_total', { grpc_type: 'client_stream', grpc_service: SVC, grpc_method: 'ImportBatch' }) === 1, 10_000, 'upload started');
    const stopping = other.app.stop();
    const during = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(during.status).toBe(503);
    expect(await during.json()).toEqual({ status: 'NOT_SERVING' });
    await stopping;
    await other.dispose();
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
  });
});

describe('the HTTP port when it is taken', () => {
  it('a taken default port turns HTTP off with a warning; a taken port given explicitly stops the start', async () => {
    const blocker = createTcpServer();
    await new Promise<void>((resolve) => {
      blocker.once('error', () => resolve()); // already taken by something else: just as good
      blocker.listen(DEFAULT_HTTP_PORT, '127.0.0.1', () => resolve());
    });
    const taken = createTcpServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    const takenPort = (taken.address() as AddressInfo).port;
    const dataDir = tempDataDir();
    const lines: Array<Record<string, unknown>> = [];
    const sink = new Writable({ write(chunk: Buffer, _e, cb) { for (const l of chunk.toString().split('\n')) if (l) lines.push(JSON.parse(l)); cb(); } });
    try {
      const base = { port: 0, host: '127.0.0.1', backend: 'wasm', workers: 1, dataDir, shutdownGraceMs: 500 };
      const app = await startApp(compileServerOptions(base), pino({ level: 'warn' }, sink));
      expect(app.http).toBeUndefined();
      await app.stop();
      expect(lines.some((l) => l.msg === 'HTTP port unavailable: metrics, health and the console are off (set --http-port)' && l.port === DEFAULT_HTTP_PORT)).toBe(true);
      await expect(startApp(compileServerOptions({ ...base, httpPort: takenPort }), pino({ level: 'silent' })))
        .rejects.toThrow(`cannot listen for HTTP on 127.0.0.1:${takenPort}`);
      // The failed start let go of everything: the same data directory opens again.
      const again = await startApp(compileServerOptions({ ...base, httpPort: 'any' }), pino({ level: 'silent' }));
      expect(again.http?.port).toBeGreaterThan(0);
      await again.stop();
    } finally {
      await new Promise((r) => taken.close(r));
      await new Promise((r) => (blocker.listening ? blocker.close(r) : r(undefined)));
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

import { execFileSync } from 'node:child_process';
import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { TLSSocket } from 'node:tls';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { compileServerOptions, optionsFromEnv, type ServerOptions } from '../src/config.js';
import { InvalidArgumentError } from '../src/errors.js';
import { openCatalog, type Db } from '../src/service/store/catalog.js';
import { WebhookDispatcher, type WebhookDispatcherOptions } from '../src/service/webhooks/dispatcher.js';
import { buildTrainingEvent } from '../src/service/webhooks/event.js';
import { generateWebhookSecret } from '../src/service/webhooks/secret.js';
import { verifyWebhook, WebhookVerificationError } from '../src/service/webhooks/signer.js';
import { callbackMessage } from '../src/transport/handlers/job-status-message.js';

/** A real HTTP receiver on 127.0.0.1; `reply` decides each answer (n = 0-based request number). */
interface Received { path: string; headers: IncomingHttpHeaders; body: string; atMs: number }
type Reply = (n: number, req: IncomingMessage, res: ServerResponse) => void;

async function startReceiver(reply: Reply) {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const n = received.length;
      received.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), atMs: Date.now() });
      state.reply(n, req, res);
    });
  });
  const state = { reply };
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    url: `http://127.0.0.1:${port}/hook`,
    received,
    setReply(r: Reply) { state.reply = r; },
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

const status = (code: number, headers: Record<string, string> = {}): Reply => (_n, _req, res) => { res.writeHead(code, headers); res.end('nope'); };
const ok: Reply = status(200);
const sequence = (...replies: Reply[]): Reply => (n, req, res) => (replies[Math.min(n, replies.length - 1)])(n, req, res);

const silent = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => { while (cleanups.length) await cleanups.pop()!(); });

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'wh-disp-'));
  cleanups.push(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

function open(dir: string): Db {
  const db = openCatalog(dir);
  cleanups.push(() => { if (db.open) db.close(); });
  return db;
}

function dispatcher(db: Db, o: Partial<WebhookDispatcherOptions> & { secret: string }): WebhookDispatcher {
  const d = new WebhookDispatcher({ db, timeoutMs: 2000, retryScheduleMs: [50, 100, 200], allowlist: ['127.0.0.1'], log: silent, ...o });
  cleanups.push(() => d.stop());
  return d;
}

async function receiver(reply: Reply) {
  const r = await startReceiver(reply);
  cleanups.push(r.close);
  return r;
}

const event = (jobId = 'job-1') =>
  buildTrainingEvent({ modelId: 'model-a', jobId, status: 'COMPLETED', startTime: Date.now() - 1000, endTime: Date.now(), progress: 100, batchIds: ['b1', 'b2'] });

describe('WebhookDispatcher with a real HTTP receiver', () => {
  it('delivers a signed JSON event the receiver verifies with the secret; a tampered body fails verification', async () => {
    const secret = generateWebhookSecret();
    const rx = await receiver(ok);
    const d = dispatcher(open(tempDir()), { secret });
    const changes: string[] = [];
    d.onChange((j) => changes.push(j));
    const ev = event();
    const rec = d.enqueue({ jobId: 'job-1', modelId: 'model-a', url: rx.url, event: ev });
    expect(rec.state).toBe('pending');
    expect(d.statusForJob('job-1')?.state).toBe('pending'); // persisted before the attempt
    const done = await d.settled(rec.id);
    expect(done.state).toBe('delivered');
    expect(rx.received).toHaveLength(1);
    const got = rx.received[0];
    expect(got.path).toBe('/hook');
    expect(got.headers['content-type']).toBe('application/json');
    expect(got.headers.host).toBe(`127.0.0.1:${rx.port}`);
    expect(got.headers['webhook-id']).toBe(rec.id);
    expect(verifyWebhook(secret, got.headers, got.body)).toEqual({ id: rec.id, timestampSec: Number(got.headers['webhook-timestamp']) });
    expect(JSON.parse(got.body)).toEqual(ev);
    expect(() => verifyWebhook(secret, got.headers, got.body.replace('model-a', 'model-b'))).toThrow(WebhookVerificationError);
    expect(() => verifyWebhook(generateWebhookSecret(), got.headers, got.body)).toThrow(WebhookVerificationError);
    const st = d.statusForJob('job-1')!;
    expect(st).toMatchObject({ url: rx.url, state: 'delivered', attempts: 1, lastHttpStatus: 200, webhookId: rec.id });
    expect(st.lastError).toBeUndefined();
    expect(st.nextAttemptMs).toBeUndefined();
    expect(callbackMessage(st, rx.url)).toEqual({ url: rx.url, state: 'delivered', attempts: 1, last_http_status: 200, last_error: '', next_attempt_time: null, webhook_id: rec.id });
    expect(changes.length).toBeGreaterThanOrEqual(2);
    expect(new Set(changes)).toEqual(new Set(['job-1']));
    expect(d.statusForJob('no-such-job')).toBeUndefined();
  });

  it('retries after 500s with the same webhook-id and a fresh timestamp + signature per attempt, then delivers', async () => {
    const secret = generateWebhookSecret();
    let skewMs = 0; // the dispatcher's clock jumps 7 s per attempt so each attempt has a distinct timestamp
    const rx = await receiver((n, req, res) => { skewMs += 7000; (n < 2 ? status(500) : ok)(n, req, res); });
    const d = dispatcher(open(tempDir()), { secret, now: () => Date.now() + skewMs });
    const seen: (string | undefined)[] = [];
    d.onChange((j) => { const s = d.statusForJob(j)!; seen.push(`${s.state}/${s.attempts}/${s.lastHttpStatus ?? ''}`); });
    const rec = d.enqueue({ jobId: 'job-r', modelId: 'model-a', url: rx.url, event: event('job-r') });
    const done = await d.settled(rec.id);
    expect(done).toMatchObject({ state: 'delivered', attempts: 3, lastHttpStatus: 200 });
    expect(seen).toEqual(['pending/0/', 'pending/1/500', 'pending/2/500', 'delivered/3/200']);
    expect(rx.received).toHaveLength(3);
    const ids = new Set(rx.received.map((r) => r.headers['webhook-id']));
    expect(ids).toEqual(new Set([rec.id]));
    const stamps = rx.received.map((r) => Number(r.headers['webhook-timestamp']));
    expect(new Set(stamps).size).toBe(3);
    expect(new Set(rx.received.map((r) => r.headers['webhook-signature'])).size).toBe(3);
    for (const r of rx.received) {
      expect(r.body).toBe(rx.received[0].body); // byte-identical body on every retry
      verifyWebhook(secret, r.headers, r.body, 300, Number(r.headers['webhook-timestamp']));
    }
    // Back-off: gaps follow the schedule (50, 100 ms) within the +-20 % jitter (plus scheduling slack).
    const gaps = [rx.received[1].atMs - rx.received[0].atMs, rx.received[2].atMs - rx.received[1].atMs];
    expect(gaps[0]).toBeGreaterThanOrEqual(38);
    expect(gaps[1]).toBeGreaterThanOrEqual(78);
  });

  it('gives up as failed after the schedule is exhausted (1 + schedule.length attempts)', async () => {
    const rx = await receiver(status(503));
    const d = dispatcher(open(tempDir()), { secret: generateWebhookSecret(), retryScheduleMs: [30, 30] });
    const rec = d.enqueue({ jobId: 'job-f', modelId: 'm', url: rx.url, event: event('job-f') });
    const done = await d.settled(rec.id);
    expect(done).toMatchObject({ state: 'failed', attempts: 3, lastHttpStatus: 503, lastError: 'HTTP 503: nope' });
    expect(done.nextAttemptMs).toBeUndefined();
    expect(rx.received).toHaveLength(3);
  });

  it('stops on 410 Gone without further retries', async () => {
    const rx = await receiver(status(410));
    const d = dispatcher(open(tempDir()), { secret: generateWebhookSecret() });
    const rec = d.enqueue({ jobId: 'job-g', modelId: 'm', url: rx.url, event: event('job-g') });
    expect(await d.settled(rec.id)).toMatchObject({ state: 'stopped', attempts: 1, lastHttpStatus: 410 });
    await new Promise((r) => setTimeout(r, 400)); // longer than the whole schedule
    expect(rx.received).toHaveLength(1);
    expect(d.statusForJob('job-g')?.lastError).toMatch(/410/);
  });

  it('honours Retry-After (waits at least that long) and caps it at the schedule maximum', async () => {
    const rx = await receiver(sequence(status(503, { 'retry-after': '1' }), ok));
    // The schedule's maximum (the cap) is far above the Retry-After, so the bounds below tell the three
    // outcomes apart with seconds to spare on a loaded machine: 50 ms (ignored), ~1 s (honoured), 30 s (capped wrongly).
    const d = dispatcher(open(tempDir()), { secret: generateWebhookSecret(), retryScheduleMs: [50, 30_000] });
    const rec = d.enqueue({ jobId: 'job-ra', modelId: 'm', url: rx.url, event: event('job-ra') });
    await new Promise((r) => setTimeout(r, 150));
    const mid = d.statusForJob('job-ra')!;
    expect(mid).toMatchObject({ state: 'pending', attempts: 1, lastHttpStatus: 503 });
    expect(mid.nextAttemptMs! - Date.now()).toBeGreaterThan(600); // not the 50 ms of the schedule
    // The retry is scheduled by the Retry-After (1 s), not at the schedule's 30 s cap: read from the schedule
    // itself rather than timed from the deliveries.
    expect(mid.nextAttemptMs! - Date.now()).toBeLessThan(15_000);
    expect(await d.settled(rec.id)).toMatchObject({ state: 'delivered', attempts: 2 });
    expect(rx.received[1].atMs - rx.received[0].atMs).toBeGreaterThanOrEqual(990);

    const rx2 = await receiver(sequence(status(429, { 'retry-after': '3600' }), ok));
    const d2 = dispatcher(open(tempDir()), { secret: generateWebhookSecret(), retryScheduleMs: [50, 300] });
    const rec2 = d2.enqueue({ jobId: 'job-cap', modelId: 'm', url: rx2.url, event: event('job-cap') });
    expect(await d2.settled(rec2.id)).toMatchObject({ state: 'delivered', attempts: 2 });
    const gap2 = rx2.received[1].atMs - rx2.received[0].atMs;
    expect(gap2).toBeGreaterThanOrEqual(290);
    expect(gap2).toBeLessThan(30_000); // capped at 300 ms, not the hour asked for
  });

  it('counts a timeout as a failed attempt and retries', async () => {
    const rx = await receiver(sequence(() => { /* never answers */ }, ok));
    const d = dispatcher(open(tempDir()), { secret: generateWebhookSecret(), timeoutMs: 400 });
    const seen: string[] = [];
    d.onChange((j) => { const s = d.statusForJob(j)!; if (s.lastError) seen.push(s.lastError); });
    const t0 = Date.now();
    const rec = d.enqueue({ jobId: 'job-t', modelId: 'm', url: rx.url, event: event('job-t') });
    expect(await d.settled(rec.id)).toMatchObject({ state: 'delivered', attempts: 2, lastHttpStatus: 200 });
    expect(seen[0]).toMatch(/timed out after 400 ms/);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(400);
    expect(rx.received).toHaveLength(2);
  });

  it('does not follow redirects: a 3xx is a failed attempt and the Location is never requested', async () => {
    const rx = await receiver((_n, req, res) => {
      if (req.url === '/elsewhere') return ok(0, req, res);
      res.writeHead(302, { location: '/elsewhere' });
      res.end();
    });
    const d = dispatcher(open(tempDir()), { secret: generateWebhookSecret(), retryScheduleMs: [20] });
    const rec = d.enqueue({ jobId: 'job-3', modelId: 'm', url: rx.url, event: event('job-3') });
    const done = await d.settled(rec.id);
    expect(done).toMatchObject({ state: 'failed', attempts: 2, lastHttpStatus: 302 });
    expect(done.lastError).toMatch(/redirect not followed \(Location: \/elsewhere\)/);
    expect(rx.received.map((r) => r.path)).toEqual(['/hook', '/hook']);
  });

  it('network errors (connection refused) are failed attempts', async () => {
    const rx = await receiver(ok);
    const deadUrl = rx.url;
    await rx.close();
    const d = dispatcher(open(tempDir()), { secret: generateWebhookSecret(), retryScheduleMs: [20] });
    const rec = d.enqueue({ jobId: 'job-n', modelId: 'm', url: deadUrl, event: event('job-n') });
    const done = await d.settled(rec.id);
    expect(done).toMatchObject({ state: 'failed', attempts: 2 });
    expect(done.lastHttpStatus).toBeUndefined();
    expect(done.lastError).toMatch(/ECONNREFUSED/);
  });

  it('persists deliveries: a new dispatcher over the same SQLite file resumes and delivers them', async () => {
    const secret = generateWebhookSecret();
    const dir = tempDir();
    const rx = await receiver(status(500));
    // Process 1: one failed attempt, then "crash" (stop + close the catalog) while the retry is pending.
    const db1 = openCatalog(dir);
    const d1 = new WebhookDispatcher({ db: db1, secret, timeoutMs: 2000, retryScheduleMs: [400, 400], allowlist: ['127.0.0.1'], log: silent });
    const rec = d1.enqueue({ jobId: 'job-p', modelId: 'm', url: rx.url, event: event('job-p') });
    // Another delivery persisted but never attempted (stopped before its first attempt ran).
    const rec2 = d1.enqueue({ jobId: 'job-q', modelId: 'm', url: rx.url, event: event('job-q') });
    const firstAttempt = new Promise<void>((r) => d1.onChange((j) => { if (j === 'job-p' && d1.statusForJob(j)!.attempts === 1) r(); }));
    // Let only rec's first attempt happen: the receiver holds rec2's request until stop aborts it.
    rx.setReply((n, req, res) => (req.headers['webhook-id'] === rec.id ? status(500)(n, req, res) : undefined));
    await firstAttempt;
    await d1.stop();
    db1.close();
    expect(rx.received.filter((r) => r.headers['webhook-id'] === rec.id)).toHaveLength(1);

    // Process 2: the receiver is healthy now.
    rx.setReply(ok);
    const db2 = open(dir);
    const d2 = dispatcher(db2, { secret, retryScheduleMs: [400, 400] });
    expect(d2.statusForJob('job-p')).toMatchObject({ state: 'pending', attempts: 1, lastHttpStatus: 500, webhookId: rec.id });
    expect(d2.statusForJob('job-q')).toMatchObject({ state: 'pending', attempts: 0, webhookId: rec2.id });
    d2.start();
    expect(await d2.settled(rec.id)).toMatchObject({ state: 'delivered', attempts: 2 });
    expect(await d2.settled(rec2.id)).toMatchObject({ state: 'delivered', attempts: 1 });
    const forP = rx.received.filter((r) => r.headers['webhook-id'] === rec.id);
    expect(forP).toHaveLength(2);
    expect(forP[1].body).toBe(forP[0].body);
    for (const r of forP) verifyWebhook(secret, r.headers, r.body);
  });

  it('SSRF: refuses loopback targets not in the allowlist (no request is sent); allows "localhost" when allowlisted', async () => {
    const rx = await receiver(ok);
    const d = dispatcher(open(tempDir()), { secret: generateWebhookSecret(), allowlist: [], retryScheduleMs: [20] });
    const rec = d.enqueue({ jobId: 'job-s', modelId: 'm', url: rx.url, event: event('job-s') });
    const done = await d.settled(rec.id);
    expect(done).toMatchObject({ state: 'failed', attempts: 2 });
    expect(done.lastError).toMatch(/refused address: loopback/);
    const viaName = d.enqueue({ jobId: 'job-s2', modelId: 'm', url: `http://localhost:${rx.port}/hook`, event: event('job-s2') });
    expect((await d.settled(viaName.id)).lastError).toMatch(/localhost \(127\.0\.0\.1\).*loopback/);
    expect(rx.received).toHaveLength(0);

    const allowed = dispatcher(open(tempDir()), { secret: generateWebhookSecret(), allowlist: ['localhost'] });
    const rec3 = allowed.enqueue({ jobId: 'job-s3', modelId: 'm', url: `http://localhost:${rx.port}/hook`, event: event('job-s3') });
    expect(await allowed.settled(rec3.id)).toMatchObject({ state: 'delivered', attempts: 1 });
    expect(rx.received[0].headers.host).toBe(`localhost:${rx.port}`); // original Host kept while connecting to the pinned address
  });

  it('connects to the checked (pinned) address: no second DNS lookup, original Host header kept', async () => {
    const rx = await receiver(ok);
    let lookups = 0;
    // A name the system resolver cannot resolve: delivery works only through the checked address.
    const lookup = async (host: string) => { lookups++; expect(host).toBe('hooks.pinned.invalid'); return [{ address: '127.0.0.1', family: 4 }]; };
    const d = dispatcher(open(tempDir()), { secret: generateWebhookSecret(), lookup });
    const rec = d.enqueue({ jobId: 'job-pin', modelId: 'm', url: `http://hooks.pinned.invalid:${rx.port}/hook`, event: event('job-pin') });
    expect(await d.settled(rec.id)).toMatchObject({ state: 'delivered', attempts: 1 });
    expect(lookups).toBe(1);
    expect(rx.received[0].headers.host).toBe(`hooks.pinned.invalid:${rx.port}`);
  });

  it('https: pins the checked address yet keeps SNI and certificate verification on the original host name', async () => {
    const dir = tempDir();
    const key = join(dir, 'key.pem');
    const cert = join(dir, 'cert.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1',
      '-subj', '/CN=hooks.pinned.invalid', '-addext', 'subjectAltName=DNS:hooks.pinned.invalid'], { stdio: 'ignore' });
    const sni: (string | false | null)[] = [];
    const bodies: string[] = [];
    const server = https.createServer({ key: readFileSync(key), cert: readFileSync(cert) }, (req, res) => {
      sni.push((req.socket as TLSSocket).servername);
      let b = '';
      req.on('data', (c) => (b += c));
      req.on('end', () => { bodies.push(b); res.writeHead(204); res.end(); });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }));
    const port = (server.address() as { port: number }).port;
    const lookup = async () => [{ address: '127.0.0.1', family: 4 }];
    const secret = generateWebhookSecret();
    const d = dispatcher(open(tempDir()), { secret, lookup, ca: readFileSync(cert), retryScheduleMs: [] });
    const rec = d.enqueue({ jobId: 'job-tls', modelId: 'm', url: `https://hooks.pinned.invalid:${port}/hook`, event: event('job-tls') });
    expect(await d.settled(rec.id)).toMatchObject({ state: 'delivered', attempts: 1, lastHttpStatus: 204 });
    expect(sni).toEqual(['hooks.pinned.invalid']);
    // Same address under a name the certificate does not cover: verification fails, nothing is delivered.
    const bad = d.enqueue({ jobId: 'job-tls2', modelId: 'm', url: `https://other.pinned.invalid:${port}/hook`, event: event('job-tls2') });
    const done = await d.settled(bad.id);
    expect(done).toMatchObject({ state: 'failed', attempts: 1 });
    expect(done.lastError).toMatch(/altnames|certificate/i);
    expect(bodies).toHaveLength(1);
  });

  it('signs with every configured secret during rotation; the receiver may hold either', async () => {
    const [oldS, newS] = [generateWebhookSecret(), generateWebhookSecret()];
    const rx = await receiver(ok);
    const d = dispatcher(open(tempDir()), { secret: `${newS} ${oldS}` });
    const rec = d.enqueue({ jobId: 'job-rot', modelId: 'm', url: rx.url, event: event('job-rot') });
    await d.settled(rec.id);
    const g = rx.received[0];
    expect(String(g.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(verifyWebhook(oldS, g.headers, g.body).id).toBe(rec.id);
    expect(verifyWebhook(newS, g.headers, g.body).id).toBe(rec.id);
  });

  it('rejects a bad retry schedule or timeout naming the option (config.ts, the one place they are read), and a bad secret', () => {
    const cases: [ServerOptions, string][] = [
      [{ webhookRetryScheduleMs: [100, -1] }, 'webhookRetryScheduleMs'], [{ webhookRetryScheduleMs: [1.5] }, 'webhookRetryScheduleMs'],
      [{ webhookRetryScheduleMs: new Array(51).fill(10) }, 'webhookRetryScheduleMs'], [{ webhookTimeoutMs: 0 }, 'webhookTimeoutMs'],
      [optionsFromEnv({ RECOMMENDER_WEBHOOK_RETRY_SCHEDULE_MS: '100,soon' }), 'webhookRetryScheduleMs'],
    ];
    for (const [o, field] of cases) {
      let err: unknown;
      try { compileServerOptions(o); } catch (e) { err = e; }
      expect(err).toBeInstanceOf(InvalidArgumentError);
      expect((err as InvalidArgumentError).field).toBe(field);
    }
    expect(compileServerOptions(optionsFromEnv({ RECOMMENDER_WEBHOOK_RETRY_SCHEDULE_MS: '10, 20' })).webhookRetryScheduleMs).toEqual([10, 20]);
    expect(compileServerOptions({}).webhookRetryScheduleMs).toEqual([5_000, 30_000, 120_000, 600_000, 1_800_000, 7_200_000]);
    expect(() => dispatcher(open(tempDir()), { secret: 'whsec_###' })).toThrow();
  });

  it('rejects non-http(s) and credential URLs at enqueue with InvalidArgumentError naming callback_url', () => {
    const d = dispatcher(open(tempDir()), { secret: generateWebhookSecret() });
    for (const url of ['ftp://example.com/x', 'https://u:p@example.com/x']) {
      let err: unknown;
      try { d.enqueue({ jobId: 'j', modelId: 'm', url, event: {} }); } catch (e) { err = e; }
      expect(err).toBeInstanceOf(InvalidArgumentError);
      expect((err as InvalidArgumentError).field).toBe('callback_url');
    }
    expect(d.statusForJob('j')).toBeUndefined();
  });

  it('is idempotent for an explicit webhookId and stop() aborts an in-flight attempt without counting it', async () => {
    const rx = await receiver(() => { /* hold */ });
    const d = dispatcher(open(tempDir()), { secret: generateWebhookSecret(), timeoutMs: 10_000 });
    const a = d.enqueue({ jobId: 'job-i', modelId: 'm', url: rx.url, event: event('job-i'), webhookId: 'msg_job-i' });
    const b = d.enqueue({ jobId: 'job-i', modelId: 'm', url: rx.url, event: event('job-i'), webhookId: 'msg_job-i' });
    expect(b.id).toBe(a.id);
    while (rx.received.length === 0) await new Promise((r) => setTimeout(r, 10));
    const t0 = Date.now();
    await d.stop();
    expect(Date.now() - t0).toBeLessThan(8000); // aborted, not waited out (the attempt's timeout is 10 s)
    expect(d.statusForJob('job-i')).toMatchObject({ state: 'pending', attempts: 0 });
  });
});

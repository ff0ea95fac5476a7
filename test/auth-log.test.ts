import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { Writable } from 'node:stream';
import { status } from '@grpc/grpc-js';
import { pino } from 'pino';
import { startApp, type App } from '../src/app.js';
import { compileServerOptions } from '../src/config.js';
import { createClient } from '../src/transport/client.js';
import { AUTH_LOG_BURST, AUTH_LOG_WINDOW_MS, AuthFailureLog } from '../src/transport/auth.js';
import { parsePrometheus, value } from './helpers/prometheus.js';
import { tempDataDir } from './helpers/server.js';
import { call } from './helpers/server.js';

const KEY = 'k-correct-horse-battery';
const WRONG = 'k-wrong-staple-9f3a';

describe('failed authentication is logged', () => {
  const lines: string[] = [];
  let app: App;
  let dataDir: string;
  beforeAll(async () => {
    dataDir = tempDataDir('rec-auth-');
    const sink = new Writable({ write(c, _e, cb) { lines.push(String(c)); cb(); } });
    app = await startApp(compileServerOptions({ port: 0, host: '127.0.0.1', backend: 'wasm', workers: 1, dataDir, apiKeys: [KEY], httpPort: 'any' }), pino({ level: 'info' }, sink));
  });
  afterAll(async () => { await app.stop(); rmSync(dataDir, { recursive: true, force: true }); });

  it('at info with the peer address and the method, never the key, at most a burst per window', async () => {
    const address = `127.0.0.1:${app.port}`;
    const wrong = createClient({ address, apiKey: WRONG });
    const none = createClient({ address });
    for (let i = 0; i < AUTH_LOG_BURST + 15; i++) {
      const err = await call(wrong.ListBatches.bind(wrong), {}).then(() => undefined, (e: { code: number }) => e);
      expect(err?.code).toBe(status.UNAUTHENTICATED);
    }
    const err = await call(none.GetStatus.bind(none), { job_id: 'x' }).then(() => undefined, (e: { code: number }) => e);
    expect(err?.code).toBe(status.UNAUTHENTICATED);
    wrong.close(); none.close();
    const refused = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'call refused: authentication failed');
    // A window holds at most AUTH_LOG_BURST lines (the loop above may straddle two windows on a slow machine).
    expect(refused.length).toBeGreaterThanOrEqual(1);
    expect(refused.length).toBeLessThanOrEqual(2 * AUTH_LOG_BURST);
    expect(refused[0]).toMatchObject({ level: 30, method: '/recommender.v1.Recommender/ListBatches', reason: 'invalid key' });
    expect(String(refused[0]!.peer)).toMatch(/127\.0\.0\.1:\d+/);
    const all = lines.join('');
    expect(all).not.toContain(WRONG);
    expect(all).not.toContain(KEY);
    // Every refusal is counted, logged or not.
    const { body } = await app.metrics.render();
    const samples = parsePrometheus(body);
    expect(value(samples, 'recommender_auth_failures_total', { transport: 'grpc', reason: 'invalid key' })).toBe(AUTH_LOG_BURST + 15);
    expect(value(samples, 'recommender_auth_failures_total', { transport: 'grpc', reason: 'missing key' })).toBe(1);
    expect(body).not.toContain(WRONG);
  });

  it('HTTP refusals (the listener\'s 401s) are logged and counted the same way', async () => {
    const base = `http://127.0.0.1:${app.http!.port}`;
    const before = lines.length;
    expect((await fetch(`${base}/metrics`, { headers: { 'x-api-key': WRONG } })).status).toBe(401);
    expect((await fetch(`${base}/jobs`, { headers: { authorization: `Basic ${Buffer.from(`u:${WRONG}`).toString('base64')}` } })).status).toBe(401);
    expect((await fetch(`${base}/`)).status).toBe(401);
    const ok = await fetch(`${base}/metrics`, { headers: { 'x-api-key': KEY } });
    expect(ok.status).toBe(200);
    const samples = parsePrometheus(await ok.text());
    expect(value(samples, 'recommender_auth_failures_total', { transport: 'http', reason: 'invalid key' })).toBe(2);
    expect(value(samples, 'recommender_auth_failures_total', { transport: 'http', reason: 'missing key' })).toBe(1);
    const refused = lines.slice(before).map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'call refused: authentication failed');
    // Its own rate limit (a fresh window): all three logged.
    expect(refused.map((l) => [l.method, l.reason])).toEqual([['GET /metrics', 'invalid key'], ['GET /jobs', 'invalid key'], ['GET /', 'missing key']]);
    expect(refused[0]).toMatchObject({ level: 30, component: 'http' });
    expect(String(refused[0]!.peer)).toMatch(/127\.0\.0\.1:\d+/);
    const all = lines.join('');
    expect(all).not.toContain(WRONG);
    expect(all).not.toContain(KEY);
  });

  it('says how many lines it left out once a new window starts', () => {
    const out: Record<string, unknown>[] = [];
    let now = 1_000_000;
    const log = new AuthFailureLog({ info: (f: Record<string, unknown>) => out.push(f) } as never, () => now);
    for (let i = 0; i < AUTH_LOG_BURST + 7; i++) log.failed('ipv4:10.0.0.9:5555', '/m', 'invalid key');
    expect(out).toHaveLength(AUTH_LOG_BURST);
    now += AUTH_LOG_WINDOW_MS;
    log.failed('ipv4:10.0.0.9:5555', '/m', 'missing key');
    expect(out).toHaveLength(AUTH_LOG_BURST + 1);
    expect(out.at(-1)).toEqual({ peer: 'ipv4:10.0.0.9:5555', method: '/m', reason: 'missing key', suppressed: 7 });
  });
});

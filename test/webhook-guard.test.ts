import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError, UnavailableError } from '../src/errors.js';
import { buildTrainingEvent } from '../src/service/webhooks/event.js';
import { compileAllowlist, parseIp, refusalReason } from '../src/service/webhooks/ip-policy.js';
import { nextDelayMs, parseRetryAfterMs } from '../src/service/webhooks/retry-policy.js';
import { DataDir } from '../src/data-dir.js';
import { generateWebhookSecret, loadOrCreateWebhookSecret } from '../src/service/webhooks/secret.js';
import { sign, verifyWebhook, webhookHeaders, WebhookVerificationError } from '../src/service/webhooks/signer.js';
import { CallbackTargetRefusedError, MAX_CALLBACK_URL_LENGTH, resolveAndCheck, validateCallbackUrl } from '../src/service/webhooks/url-guard.js';

const dirs: string[] = [];
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

function fieldOf(fn: () => unknown): { name: string; field?: string; message: string } {
  try {
    fn();
  } catch (err) {
    return { name: (err as Error).constructor.name, field: (err as InvalidArgumentError).field, message: (err as Error).message };
  }
  throw new Error('expected a throw');
}

async function rejection(p: Promise<unknown>): Promise<Error & { field?: string }> {
  try {
    await p;
  } catch (err) {
    return err as Error & { field?: string };
  }
  throw new Error('expected a rejection');
}

describe('validateCallbackUrl', () => {
  it('accepts http(s) URLs', () => {
    expect(validateCallbackUrl('https://hooks.example.com/recommender?x=1').hostname).toBe('hooks.example.com');
    expect(validateCallbackUrl('http://example.com:8080/h').port).toBe('8080');
  });

  it.each([
    ['ftp://example.com/hook', /http or https/],
    ['file:///etc/passwd', /http or https/],
    ['javascript:alert(1)', /http or https/],
    ['gopher://example.com/', /http or https/],
    ['not a url', /not a valid URL/],
    ['', /non-empty/],
    ['https://user:secret@example.com/hook', /credentials/],
    ['https://user@example.com/hook', /credentials/],
    [`https://example.com/${'a'.repeat(MAX_CALLBACK_URL_LENGTH)}`, /at most/],
  ])('rejects %s with InvalidArgumentError naming callback_url', (url, msg) => {
    const e = fieldOf(() => validateCallbackUrl(url));
    expect(e.name).toBe('InvalidArgumentError');
    expect(e.field).toBe('callback_url');
    expect(e.message).toMatch(msg);
  });

  it('with an allowlist, refuses literal private/loopback IPs at once (and permits allowlisted ones)', () => {
    const e = fieldOf(() => validateCallbackUrl('http://127.0.0.1:9000/h', { allowlist: [] }));
    expect(e.name).toBe('CallbackTargetRefusedError');
    expect(e.field).toBe('callback_url');
    expect(e.message).toMatch(/loopback/);
    expect(validateCallbackUrl('http://127.0.0.1:9000/h', { allowlist: ['127.0.0.1'] }).port).toBe('9000');
    expect(validateCallbackUrl('http://8.8.8.8/h', { allowlist: [] }).hostname).toBe('8.8.8.8');
  });
});

describe('resolveAndCheck (SSRF guard)', () => {
  it.each([
    ['http://127.0.0.1:8080/h', /loopback/],
    ['http://127.9.9.9/h', /loopback/],
    ['http://2130706433/h', /loopback/], // decimal form of 127.0.0.1 (normalised by the URL parser)
    ['http://0x7f.1/h', /loopback/],
    ['http://10.1.2.3/h', /private \(10/],
    ['http://172.16.5.4/h', /private \(172\.16/],
    ['http://192.168.1.1/h', /private \(192\.168/],
    ['http://169.254.169.254/latest/meta-data/', /link-local \/ cloud metadata/],
    ['http://100.64.0.1/h', /carrier-grade NAT/],
    ['http://0.0.0.0:80/h', /this network/],
    ['http://224.0.0.1/h', /multicast/],
    ['http://255.255.255.255/h', /reserved/],
    ['http://[::1]/h', /loopback \(::1\)/],
    ['http://[::]/h', /unspecified/],
    ['http://[::ffff:127.0.0.1]/h', /IPv4-mapped loopback/],
    ['http://[::ffff:a9fe:a9fe]/h', /IPv4-mapped link-local/],
    ['http://[64:ff9b::a00:1]/h', /NAT64 private/],
    ['http://[2002:c0a8:101::1]/h', /6to4 private/],
    ['http://[fd12:3456::1]/h', /unique local/],
    ['http://[fe80::1]/h', /link-local \(fe80/],
    ['http://[ff02::1]/h', /multicast/],
  ])('refuses %s', async (url, why) => {
    const err = await rejection(resolveAndCheck(url, []));
    expect(err).toBeInstanceOf(CallbackTargetRefusedError);
    expect(err.field).toBe('callback_url');
    expect(err.message).toMatch(why);
  });

  it('refuses a host name that resolves to loopback (localhost) unless the allowlist permits it', async () => {
    const err = await rejection(resolveAndCheck('http://localhost:9/h', []));
    expect(err).toBeInstanceOf(CallbackTargetRefusedError);
    expect(err.message).toMatch(/localhost \(127\.0\.0\.1\).*loopback/);
    for (const allow of [['localhost'], ['LOCALHOST.'], ['127.0.0.1'], ['127.0.0.0/8']]) {
      const t = await resolveAndCheck('http://localhost:9/h', allow);
      expect(t.address).toBe('127.0.0.1');
      expect(t.family).toBe(4);
    }
  });

  it('allows public literal addresses, and IPv4 allowlist entries cover their IPv4-mapped form', async () => {
    expect((await resolveAndCheck('http://8.8.8.8/h', [])).address).toBe('8.8.8.8');
    expect((await resolveAndCheck('http://[2606:4700:4700::1111]/h', [])).family).toBe(6);
    expect((await resolveAndCheck('http://[::ffff:127.0.0.1]/h', ['127.0.0.1'])).family).toBe(6);
    // An allowlisted CIDR permits only what it covers.
    await expect(resolveAndCheck('http://10.0.0.5/h', ['10.0.1.0/24'])).rejects.toBeInstanceOf(CallbackTargetRefusedError);
    expect((await resolveAndCheck('http://10.0.1.5/h', ['10.0.1.0/24'])).address).toBe('10.0.1.5');
  });

  it('refuses a host whose DNS answer mixes public and private addresses; pins all checked addresses otherwise', async () => {
    const mixed = async () => [{ address: '93.184.216.34', family: 4 }, { address: '10.0.0.7', family: 4 }];
    const err = await rejection(resolveAndCheck('https://rebind.example/h', [], { lookup: mixed }));
    expect(err).toBeInstanceOf(CallbackTargetRefusedError);
    expect(err.message).toMatch(/rebind\.example \(10\.0\.0\.7\)/);
    const pub = async () => [{ address: '93.184.216.34', family: 4 }, { address: '2606:2800:220:1::1', family: 6 }];
    const t = await resolveAndCheck('https://ok.example/h', [], { lookup: pub });
    expect(t.addresses.map((a) => a.address)).toEqual(['93.184.216.34', '2606:2800:220:1::1']);
  });

  it('reports DNS failure as UNAVAILABLE-class error naming callback_url', async () => {
    const failing = async () => { throw Object.assign(new Error('getaddrinfo ENOTFOUND nowhere.invalid'), { code: 'ENOTFOUND' }); };
    const err = await rejection(resolveAndCheck('https://nowhere.invalid/h', [], { lookup: failing }));
    expect(err).toBeInstanceOf(UnavailableError);
    expect(err.field).toBe('callback_url');
  });

  it('rejects a malformed allowlist entry naming webhookAllowlist', () => {
    const e = fieldOf(() => compileAllowlist(['10.0.0.0/33']));
    expect(e.field).toBe('webhookAllowlist');
    expect(fieldOf(() => compileAllowlist(['exa mple'])).field).toBe('webhookAllowlist');
  });

  it('parses IPv6 forms to the same bytes', () => {
    expect(Array.from(parseIp('::ffff:127.0.0.1')!.bytes)).toEqual(Array.from(parseIp('::ffff:7f00:1')!.bytes));
    expect(refusalReason(parseIp('1.1.1.1')!)).toBeUndefined();
    expect(refusalReason(parseIp('172.32.0.1')!)).toBeUndefined(); // just outside 172.16/12
    expect(refusalReason(parseIp('172.31.255.255')!)).toMatch(/private/);
  });
});

describe('Standard Webhooks signer', () => {
  it('matches the published Standard Webhooks test vector', () => {
    // From the standard-webhooks reference libraries' tests.
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    expect(sign(secret, 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}')).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('verifies its own headers and rejects a tampered body, a wrong secret and a stale timestamp', () => {
    const secret = generateWebhookSecret();
    const body = JSON.stringify({ type: 'training.completed', data: { model_id: 'm' } });
    const now = Math.floor(Date.now() / 1000);
    const h = webhookHeaders(secret, 'msg_1', now, body);
    expect(verifyWebhook(secret, h, body)).toEqual({ id: 'msg_1', timestampSec: now });
    expect(() => verifyWebhook(secret, h, body.replace('"m"', '"n"'))).toThrow(WebhookVerificationError);
    expect(() => verifyWebhook(generateWebhookSecret(), h, body)).toThrow(/no matching v1 signature/);
    expect(() => verifyWebhook(secret, h, body, 300, now + 301)).toThrow(/tolerance/);
    expect(() => verifyWebhook(secret, { 'webhook-id': 'msg_1' }, body)).toThrow(/missing/);
  });

  it('signs with every secret during rotation (space-separated), and either verifies', () => {
    const oldS = generateWebhookSecret();
    const newS = generateWebhookSecret();
    const now = Math.floor(Date.now() / 1000);
    const h = webhookHeaders([newS, oldS], 'msg_2', now, 'x');
    expect(h['webhook-signature'].split(' ')).toHaveLength(2);
    expect(verifyWebhook(oldS, h, 'x').id).toBe('msg_2');
    expect(verifyWebhook(newS, new Headers(h), 'x').id).toBe('msg_2');
  });
});

describe('webhook secret', () => {
  function capture() {
    const lines: string[] = [];
    const log = pino({ level: 'info' }, new Writable({ write(c, _e, cb) { lines.push(String(c)); cb(); } }));
    return { log, lines };
  }

  it('is generated once into <dataDir>/webhook-secret (0600), reused after a restart, and never logged', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wh-secret-'));
    dirs.push(dir);
    const { log, lines } = capture();
    const s1 = loadOrCreateWebhookSecret({ dataDir: dir, log });
    expect(s1).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const path = new DataDir(dir).webhookSecretFile;
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readFileSync(path, 'utf8').trim()).toBe(s1);
    const s2 = loadOrCreateWebhookSecret({ dataDir: dir, log });
    expect(s2).toBe(s1);
    const all = lines.join('');
    expect(all).toContain(path);
    expect(all).not.toContain(s1.slice(6));
  });

  it('takes the configured secret first and rejects a malformed one naming webhookSecret', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wh-secret-'));
    dirs.push(dir);
    const configured = generateWebhookSecret();
    expect(loadOrCreateWebhookSecret({ dataDir: dir, configured })).toBe(configured);
    expect(() => statSync(new DataDir(dir).webhookSecretFile)).toThrow();
    const rotating = `${generateWebhookSecret()} ${configured}`;
    expect(loadOrCreateWebhookSecret({ dataDir: dir, configured: rotating })).toBe(rotating);
    expect(fieldOf(() => loadOrCreateWebhookSecret({ dataDir: dir, configured: `${configured} whsec_!!` })).field).toBe('webhookSecret');
    const e = fieldOf(() => loadOrCreateWebhookSecret({ dataDir: dir, configured: 'whsec_!!notbase64' }));
    expect(e.name).toBe('InvalidArgumentError');
    expect(e.field).toBe('webhookSecret');
  });
});

describe('retry policy and event', () => {
  it('jitters schedule delays by +-20 % and ends after the schedule', () => {
    const s = [1000, 2000];
    expect(nextDelayMs(s, 1, undefined, () => 0)).toBe(800);
    expect(nextDelayMs(s, 1, undefined, () => 0.999999)).toBe(1200);
    expect(nextDelayMs(s, 2, undefined, () => 0.5)).toBe(2000);
    expect(nextDelayMs(s, 3, undefined, () => 0.5)).toBeUndefined();
  });

  it('honours Retry-After (seconds or HTTP date) as a lower bound, capped at the schedule maximum', () => {
    const now = Date.parse('2026-11-29T12:00:00Z');
    expect(parseRetryAfterMs('7', now)).toBe(7000);
    expect(parseRetryAfterMs('Sun, 29 Nov 2026 12:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfterMs('Sun, 29 Nov 2026 11:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfterMs('soon', now)).toBeUndefined();
    expect(nextDelayMs([100, 5000], 1, 3000, () => 0.5)).toBe(3000);
    expect(nextDelayMs([100, 5000], 1, 3_600_000, () => 0.5)).toBe(5000);
    expect(nextDelayMs([100, 5000], 1, 10, () => 0.5)).toBe(100);
  });

  it('builds the event body from plain fields', () => {
    const e = buildTrainingEvent(
      { modelId: 'm1', jobId: 'j1', status: 'ERROR', error: 'diverged', startTime: 0, endTime: new Date('2026-11-29T00:00:01Z'), progress: 42, batchIds: ['b1'] },
      new Date('2026-11-29T00:00:02Z'),
    );
    expect(e).toEqual({
      type: 'training.error',
      timestamp: '2026-11-29T00:00:02.000Z',
      data: { model_id: 'm1', job_id: 'j1', status: 'ERROR', error: 'diverged', start_time: '1970-01-01T00:00:00.000Z', end_time: '2026-11-29T00:00:01.000Z', progress: 42, batch_ids: ['b1'] },
    });
    expect(buildTrainingEvent({ modelId: 'm', jobId: 'j', status: 'CANCELLED', progress: 0, batchIds: [] }).type).toBe('training.cancelled');
  });
});

/**
 * Standard Webhooks signatures (https://www.standardwebhooks.com/, spec "symmetric" scheme):
 *
 *   signed_content = "{webhook-id}.{webhook-timestamp}.{body}"
 *   signature      = base64( HMAC-SHA256( key, signed_content ) ),   key = base64decode(secret without "whsec_")
 *   webhook-signature: "v1,<signature>"   (several, space separated, while a secret is being rotated)
 *
 * `webhook-id` is stable across retries of one delivery (receivers dedupe on it); `webhook-timestamp`
 * (unix seconds) and the signature are fresh on every attempt; receivers reject stale timestamps.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SECRET_PREFIX = 'whsec_';

export type WebhookHeaders = {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
};

/** The HMAC key of a `whsec_<base64>` secret. Throws RangeError when it is not one. */
export function secretKey(secret: string): Buffer {
  if (!secret.startsWith(SECRET_PREFIX)) throw new RangeError('webhook secret must start with whsec_');
  const b64 = secret.slice(SECRET_PREFIX.length);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) throw new RangeError('webhook secret is not whsec_<base64>');
  const key = Buffer.from(b64, 'base64');
  if (key.length < 16) throw new RangeError('webhook secret key is shorter than 16 bytes');
  return key;
}

/** One `v1,<base64>` signature. */
export function sign(secret: string, id: string, timestampSec: number, body: string | Uint8Array): string {
  const mac = createHmac('sha256', secretKey(secret));
  mac.update(`${id}.${timestampSec}.`);
  mac.update(body);
  return `v1,${mac.digest('base64')}`;
}

/** Headers of one attempt. Several secrets (rotation) give a space-separated list of signatures. */
export function webhookHeaders(secrets: string | readonly string[], id: string, timestampSec: number, body: string | Uint8Array): WebhookHeaders {
  const list = typeof secrets === 'string' ? [secrets] : secrets;
  if (list.length === 0) throw new RangeError('no webhook secret');
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestampSec),
    'webhook-signature': list.map((s) => sign(s, id, timestampSec, body)).join(' '),
  };
}

export class WebhookVerificationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookVerificationError';
  }
}

type HeaderBag = Headers | Record<string, string | string[] | undefined>;

function header(h: HeaderBag, name: string): string | undefined {
  if (typeof (h as Headers).get === 'function') return (h as Headers).get(name) ?? undefined;
  const rec = h as Record<string, string | string[] | undefined>;
  const key = Object.keys(rec).find((k) => k.toLowerCase() === name);
  const v = key === undefined ? undefined : rec[key];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * What a receiver does: checks the headers and the raw body against the secret. Throws
 * WebhookVerificationError (missing headers, timestamp outside +-toleranceSec, no matching signature);
 * returns the verified webhook-id and timestamp otherwise. `body` must be the raw bytes received.
 */
export function verifyWebhook(
  secret: string,
  headers: HeaderBag,
  body: string | Uint8Array,
  toleranceSec = 300,
  nowSec: number = Math.floor(Date.now() / 1000),
): { id: string; timestampSec: number } {
  const id = header(headers, 'webhook-id');
  const ts = header(headers, 'webhook-timestamp');
  const sigs = header(headers, 'webhook-signature');
  if (!id || !ts || !sigs) throw new WebhookVerificationError('missing webhook-id, webhook-timestamp or webhook-signature header');
  if (!/^\d+$/.test(ts)) throw new WebhookVerificationError('webhook-timestamp is not unix seconds');
  const timestampSec = Number(ts);
  if (Math.abs(nowSec - timestampSec) > toleranceSec) throw new WebhookVerificationError('webhook-timestamp outside the tolerance');
  const expected = Buffer.from(sign(secret, id, timestampSec, body).slice(3), 'base64');
  for (const part of sigs.split(' ')) {
    const comma = part.indexOf(',');
    if (comma < 0 || part.slice(0, comma) !== 'v1') continue;
    const given = Buffer.from(part.slice(comma + 1), 'base64');
    if (given.length === expected.length && timingSafeEqual(given, expected)) return { id, timestampSec };
  }
  throw new WebhookVerificationError('no matching v1 signature');
}

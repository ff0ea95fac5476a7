/**
 * One HTTP POST to a pinned address. The connection goes only to the addresses the SSRF guard checked
 * (a custom `lookup` hands them to the socket; no second DNS query), while the request keeps the
 * original host name for the Host header, TLS SNI and certificate verification. No agent (no pooled
 * sockets reused across deliveries) and redirects are never followed (node:http does not follow them;
 * the caller treats a 3xx as a failed attempt). The timeout covers connect, request and response head;
 * once the status line has arrived it decides the outcome, the body is read only for a short snippet.
 */
import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import type { ResolvedAddress } from './url-guard.js';

export interface SendResult {
  status: number;
  headers: IncomingHttpHeaders;
  /** Up to SNIPPET_BYTES of the response body (for last_error). */
  bodySnippet: string;
}

export const SNIPPET_BYTES = 512;

export class WebhookTimeoutError extends Error {
  constructor(timeoutMs: number) {
    super(`timed out after ${timeoutMs} ms`);
    this.name = 'WebhookTimeoutError';
  }
}
export class WebhookAbortedError extends Error {
  constructor() {
    super('aborted (dispatcher stopping)');
    this.name = 'WebhookAbortedError';
  }
}

export function pinnedLookup(addresses: readonly ResolvedAddress[]): LookupFunction {
  return ((hostname: string, options: { family?: number | string; all?: boolean }, callback: (...args: unknown[]) => void) => {
    const fam = options?.family === 'IPv4' ? 4 : options?.family === 'IPv6' ? 6 : Number(options?.family) || 0;
    const list = fam === 4 || fam === 6 ? addresses.filter((a) => a.family === fam) : addresses;
    if (list.length === 0) {
      const err = Object.assign(new Error(`no checked IPv${fam} address for ${hostname}`), { code: 'ENOTFOUND' });
      callback(err);
      return;
    }
    if (options?.all) callback(null, list.map((a) => ({ address: a.address, family: a.family })));
    else callback(null, list[0].address, list[0].family);
  }) as LookupFunction;
}

export function postOnce(o: {
  url: URL;
  addresses: readonly ResolvedAddress[];
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  signal?: AbortSignal;
  /** Extra trusted CA (PEM) for https. */
  ca?: string | Buffer;
}): Promise<SendResult> {
  return new Promise<SendResult>((resolve, reject) => {
    const payload = Buffer.from(o.body);
    const mod = o.url.protocol === 'https:' ? https : http;
    let settled = false;
    let response: IncomingMessage | undefined;
    const chunks: Buffer[] = [];
    let have = 0;
    const result = (): SendResult => ({
      status: response!.statusCode ?? 0,
      headers: response!.headers,
      bodySnippet: Buffer.concat(chunks).subarray(0, SNIPPET_BYTES).toString('utf8'),
    });
    const onAbort = () => finish(new WebhookAbortedError());
    const finish = (err?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      o.signal?.removeEventListener('abort', onAbort);
      req.destroy();
      if (err && !response) reject(err);
      else if (err instanceof WebhookAbortedError) reject(err);
      else resolve(result());
    };
    const req = mod.request(o.url, {
      method: 'POST',
      headers: { ...o.headers, 'content-length': String(payload.length) },
      lookup: pinnedLookup(o.addresses),
      agent: false,
      ...(o.ca !== undefined && o.url.protocol === 'https:' ? { ca: o.ca } : {}),
    });
    const timer = setTimeout(() => finish(new WebhookTimeoutError(o.timeoutMs)), o.timeoutMs);
    if (o.signal?.aborted) return finish(new WebhookAbortedError());
    o.signal?.addEventListener('abort', onAbort, { once: true });
    req.on('response', (res) => {
      response = res;
      res.on('data', (c: Buffer) => {
        chunks.push(c);
        have += c.length;
        if (have >= SNIPPET_BYTES) finish();
      });
      res.on('end', () => finish());
      res.on('error', () => finish());
    });
    req.on('error', (err) => finish(err));
    req.end(payload);
  });
}

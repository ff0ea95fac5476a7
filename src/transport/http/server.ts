/**
 * The HTTP listener (`--http-port`, default 50052 on the gRPC host): `/metrics` (Prometheus text format),
 * `/healthz`, and the web console (console.ts) with its static assets and live endpoints.
 *
 * - Auth: with API keys configured, every path but `/healthz` needs one, as on gRPC: `x-api-key: K`,
 *   `Authorization: Bearer K` (Prometheus' `authorization` / `bearer_token`), or HTTP Basic with the key as
 *   password (any user name; browsers prompt for it on the 401). Refusals are logged as gRPC's are (auth.ts:
 *   info, rate-limited, peer and method + path, never the key) and counted (recommender_auth_failures_total).
 * - CSRF: mutating requests are POSTs that must carry the per-process token the pages embed in their
 *   forms, and must not come from another origin (Origin / Sec-Fetch-Site), else 403.
 * - Every HTML response has a Content-Security-Policy allowing only our own script and stylesheet, no
 *   framing, no caching.
 * - Live job updates: server-sent events (`/jobs/:id/events`), the latest state only (a slow reader gets the
 *   newest when its socket drains), a comment every 15 s, ended at the terminal state or at shutdown.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { errorMessage, InvalidArgumentError, NotFoundError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { isTerminal, type JobRecord } from '../../service/jobs/job-record.js';
import type { ServiceMetrics } from '../../service/metrics.js';
import { AuthFailureLog, keyMatches, presentedKey } from '../auth.js';
import { Console, type ConsoleDeps, type Reply } from './console.js';

export interface HttpServer {
  port: number;
  /** Ends the live streams (before the gRPC drain). */
  endStreams(): void;
  close(): Promise<void>;
}

export interface HttpDeps extends ConsoleDeps {
  metrics: ServiceMetrics;
  log: Logger;
  /** Whether the service is serving (false once shutting down): /healthz answers 503 then. */
  healthy(): boolean;
}

const STATIC: Record<string, { file: string; type: string }> = {
  '/static/console.css': { file: 'console.css', type: 'text/css; charset=utf-8' },
  '/static/console.js': { file: 'console.js', type: 'text/javascript; charset=utf-8' },
};
const MAX_FORM_BYTES = 64 * 1024;
const SSE_THROTTLE_MS = 150;
const SSE_HEARTBEAT_MS = 15_000;
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

function loadStatic(): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const [path, { file }] of Object.entries(STATIC)) out.set(path, readFileSync(new URL(`./static/${file}`, import.meta.url)));
  return out;
}

/** The API key an HTTP request presents: x-api-key, Bearer, or Basic's password. */
function httpKey(req: IncomingMessage): string | undefined {
  const header = (n: string) => { const v = req.headers[n]; return v === undefined ? [] : Array.isArray(v) ? v : [v]; };
  const k = presentedKey(header);
  if (k !== undefined) return k;
  const m = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(req.headers.authorization ?? '');
  if (!m) return undefined;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon >= 0 ? decoded.slice(colon + 1) : undefined;
}

/** A path segment, percent-decoded (a malformed one is a bad request). */
function seg(s: string): string {
  try { return decodeURIComponent(s); } catch { throw new InvalidArgumentError(`malformed path segment "${s}"`); }
}

function sameToken(given: string | null, token: Buffer): boolean {
  if (!given) return false;
  const g = Buffer.from(given);
  return g.length === token.length && timingSafeEqual(g, token);
}

/** A POST from another site (Origin or Sec-Fetch-Site says so): refused whatever its token. */
function crossSite(req: IncomingMessage): boolean {
  const site = req.headers['sec-fetch-site'];
  if (site && site !== 'same-origin' && site !== 'none') return true;
  const origin = req.headers.origin;
  if (!origin || origin === 'null') return origin === 'null';
  try { return new URL(origin).host !== req.headers.host; } catch { return true; }
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > MAX_FORM_BYTES) throw new Error('form too large');
    chunks.push(c);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer, extra: Record<string, string> = {}): void {
  res.writeHead(status, {
    'content-type': type, 'content-length': Buffer.byteLength(body), 'x-content-type-options': 'nosniff',
    // same-origin, not no-referrer: with no-referrer browsers send `Origin: null` on our own form POSTs.
    'referrer-policy': 'same-origin', 'cache-control': 'no-store', ...extra,
  });
  res.end(body);
}

function writeReply(res: ServerResponse, r: Reply): void {
  if (r.kind === 'redirect') {
    res.writeHead(303, { location: r.location, 'cache-control': 'no-store', 'content-length': 0 });
    res.end();
  } else if (r.kind === 'json') {
    send(res, r.status, 'application/json; charset=utf-8', JSON.stringify(r.body));
  } else if (r.kind === 'svg') {
    send(res, r.status, 'image/svg+xml; charset=utf-8', r.body, { 'content-security-policy': CSP });
  } else {
    send(res, r.status, 'text/html; charset=utf-8', r.body, { 'content-security-policy': CSP, 'x-frame-options': 'DENY' });
  }
}

export async function startHttpServer(host: string, port: number, apiKeys: readonly string[], d: HttpDeps): Promise<HttpServer> {
  const csrf = randomBytes(24).toString('base64url');
  const csrfBuf = Buffer.from(csrf);
  const keys = apiKeys.map((k) => Buffer.from(k));
  const authLog = new AuthFailureLog(d.log);
  const assets = loadStatic();
  const console_ = new Console(d, csrf);
  const streams = new Set<() => void>();

  /** GET /jobs/:id/events: the job's state now, then on every change (throttled), until it ends. */
  const events = (req: IncomingMessage, res: ServerResponse, jobId: string): void => {
    const first = d.jobs.get(jobId);
    if (!first) { writeReply(res, console_.error(new NotFoundError(`no job "${jobId}"`, { field: 'job_id' }), 'jobs')); return; }
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', connection: 'keep-alive' });
    let latest: JobRecord = first;
    let sentSeq = -1;
    let timer: NodeJS.Timeout | undefined;
    let waitingDrain = false;
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      unsubscribe();
      clearTimeout(timer);
      clearInterval(heartbeat);
      streams.delete(end);
      res.end();
    };
    const flush = () => {
      timer = undefined;
      if (ended || waitingDrain || latest.sequence <= sentSeq) return;
      const job = latest;
      sentSeq = job.sequence;
      const ok = res.write(`event: state\ndata: ${JSON.stringify(console_.jobState(job))}\n\n`);
      // Ends once the job ended and its callback (if any) settled: the page shows the delivery state live too.
      if (isTerminal(job.status) && d.jobs.callbackState(job.jobId)?.state !== 'pending') { res.write('event: end\ndata: {}\n\n'); end(); return; }
      if (!ok) { waitingDrain = true; res.once('drain', () => { waitingDrain = false; flush(); }); }
    };
    const schedule = () => { if (!timer && !ended) timer = setTimeout(flush, SSE_THROTTLE_MS); };
    const unsubscribe = d.jobs.hub.subscribe(jobId, (job) => { if (job.sequence >= latest.sequence) latest = job; schedule(); });
    const heartbeat = setInterval(() => { if (!waitingDrain) res.write(': keep-alive\n\n'); }, SSE_HEARTBEAT_MS);
    streams.add(end);
    req.on('close', end);
    latest = d.jobs.get(jobId) ?? first;
    flush();
  };

  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const u = new URL(req.url ?? '/', 'http://console.invalid');
    const p = u.pathname;
    if (p === '/healthz') {
      const ok = d.healthy();
      send(res, ok ? 200 : 503, 'application/json; charset=utf-8', JSON.stringify({ status: ok ? 'SERVING' : 'NOT_SERVING' }));
      return;
    }
    if (keys.length > 0) {
      const k = httpKey(req);
      if (k === undefined || !keyMatches(k, keys)) {
        const reason = k === undefined ? 'missing key' : 'invalid key';
        const { remoteAddress, remotePort } = req.socket;
        authLog.failed(`${remoteAddress?.includes(':') ? `[${remoteAddress}]` : remoteAddress}:${remotePort}`, `${req.method} ${p.slice(0, 200)}`, reason);
        d.metrics.authFailures.inc({ transport: 'http', reason });
        send(res, 401, 'text/plain; charset=utf-8', k === undefined ? 'missing API key: send x-api-key, Authorization: Bearer <key>, or Basic auth with the key as password\n' : 'invalid API key\n',
          { 'www-authenticate': 'Basic realm="recommender", charset="UTF-8"' });
        return;
      }
    }
    const method = req.method ?? 'GET';
    if (method === 'POST') {
      let form: URLSearchParams;
      try { form = await readForm(req); } catch { send(res, 413, 'text/plain; charset=utf-8', 'form too large\n'); return; }
      if (crossSite(req) || !sameToken(form.get('csrf'), csrfBuf)) {
        send(res, 403, 'text/plain; charset=utf-8', 'refused: this form did not come from this console (missing or wrong CSRF token, or another origin)\n');
        return;
      }
      let m: RegExpExecArray | null;
      if (p === '/jobs') return writeReply(res, console_.startTraining(form));
      if ((m = /^\/jobs\/([^/]+)\/cancel$/.exec(p))) return writeReply(res, console_.cancelJob(seg(m[1]!)));
      if ((m = /^\/models\/([^/]+)\/rollback$/.exec(p))) return writeReply(res, console_.rollback(seg(m[1]!), form));
      if ((m = /^\/models\/([^/]+)\/delete$/.exec(p))) return writeReply(res, await console_.deleteModel(seg(m[1]!), form));
      send(res, 404, 'text/plain; charset=utf-8', 'not found\n');
      return;
    }
    if (method !== 'GET' && method !== 'HEAD') { send(res, 405, 'text/plain; charset=utf-8', 'method not allowed\n', { allow: 'GET, POST' }); return; }
    if (p === '/metrics') {
      const { contentType, body } = await d.metrics.render();
      send(res, 200, contentType, body);
      return;
    }
    const asset = STATIC[p];
    if (asset) { send(res, 200, asset.type, assets.get(p)!, { 'cache-control': 'no-cache' }); return; }
    let m: RegExpExecArray | null;
    if (p === '/') return writeReply(res, console_.overview());
    if (p === '/data') return writeReply(res, await console_.data(u.searchParams));
    if (p === '/jobs') return writeReply(res, console_.jobsPage());
    if (p === '/jobs/rows') return writeReply(res, console_.jobRowsFragment());
    if ((m = /^\/jobs\/([^/]+)\/events$/.exec(p))) return events(req, res, seg(m[1]!));
    if ((m = /^\/jobs\/([^/]+)\/(state|plot)$/.exec(p))) {
      const job = d.jobs.get(seg(m[1]!));
      if (!job) return writeReply(res, console_.jobPage(seg(m[1]!)));
      return writeReply(res, m[2] === 'state' ? { kind: 'json', status: 200, body: console_.jobState(job) } : { kind: 'svg', status: 200, body: console_.plot(job) });
    }
    if ((m = /^\/jobs\/([^/]+)$/.exec(p))) return writeReply(res, console_.jobPage(seg(m[1]!), u.searchParams.get('notice')));
    if (p === '/models') return writeReply(res, console_.modelsPage(u.searchParams.get('notice')));
    if ((m = /^\/models\/([^/]+)\/rollback$/.exec(p))) return writeReply(res, console_.rollbackConfirm(seg(m[1]!), u.searchParams.get('version')));
    if ((m = /^\/models\/([^/]+)\/delete$/.exec(p))) return writeReply(res, console_.deleteConfirm(seg(m[1]!)));
    if ((m = /^\/models\/([^/]+)$/.exec(p))) return writeReply(res, console_.modelPage(seg(m[1]!), u.searchParams.get('notice')));
    if (p === '/try') return writeReply(res, await console_.tryPage(u.searchParams));
    writeReply(res, console_.error(new NotFoundError(`no page ${p}`), 'home'));
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    route(req, res).catch((err) => {
      d.log.error({ err: errorMessage(err), url: req.url }, 'console request failed');
      if (!res.headersSent) writeReply(res, console_.error(err));
      else res.end();
    });
  };
  // With TLS configured for gRPC the listener is HTTPS with the same certificate: an API key sent to /metrics
  // or the console never travels in the clear.
  const tls = d.options.tls;
  const server: Server = tls
    ? createTlsServer({ cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile) }, handle)
    : createServer(handle);
  server.keepAliveTimeout = 5000;
  const bound = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => { server.off('error', reject); resolve((server.address() as AddressInfo).port); });
  });
  return {
    port: bound,
    endStreams: () => { for (const end of [...streams]) end(); },
    close: () => new Promise<void>((resolve) => {
      for (const end of [...streams]) end();
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

/**
 * Sends training callbacks: persists each delivery before the first attempt, POSTs the signed JSON
 * body (Standard Webhooks headers, fresh timestamp + signature per attempt, same webhook-id), and
 * retries failures on the schedule (retry-policy.ts). Outcomes: 2xx -> delivered; 410 -> stopped (no
 * more retries); anything else (other status incl. 3xx (redirects are not followed), timeout, network
 * error, DNS failure, SSRF refusal) -> a failed attempt, retried until the schedule is exhausted ->
 * failed. `start()` resumes pending deliveries after a restart. Listeners registered with `onChange`
 * hear the job id whenever a delivery of that job changes state (so the job status can be republished).
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Db } from '../store/catalog.js';
import type { ServiceMetrics } from '../metrics.js';
import { errorMessage } from '../../errors.js';
import { DeliveryRepo, type DeliveryRecord, type DeliveryState } from './delivery-repo.js';
import { postOnce, WebhookAbortedError, type SendResult } from './http-sender.js';
import { maxAttempts, nextDelayMs, parseRetryAfterMs } from './retry-policy.js';
import { webhookHeaders } from './signer.js';
import { resolveAndCheck, validateCallbackUrl, type LookupAll } from './url-guard.js';
import { compileAllowlist, type Allowlist } from './ip-policy.js';

export interface WebhookDispatcherOptions {
  db: Db;
  /** `whsec_...`; several (an array, or one string with space-separated secrets, for rotation) sign each attempt with each. */
  secret: string | readonly string[];
  /** Per-attempt timeout (options.webhookTimeoutMs, validated by config.ts). */
  timeoutMs: number;
  /** Delays before retries 1..n (options.webhookRetryScheduleMs, validated by config.ts's compileRetrySchedule). */
  retryScheduleMs: readonly number[];
  /** Hosts/IPs/CIDRs that may be private/loopback (options.webhookAllowlist). */
  allowlist: readonly string[];
  log: Logger;
  /** Clock (epoch ms) for timestamps and due times; default Date.now. */
  now?: () => number;
  /** Jitter source in [0, 1); default Math.random. */
  random?: () => number;
  /** DNS resolution (all addresses); default node's dns.lookup. */
  lookup?: LookupAll;
  /** Extra CA certificates (PEM) trusted for https receivers; default: the system's (or NODE_EXTRA_CA_CERTS). */
  ca?: string | Buffer;
  /** Attempts and settled deliveries are counted here (service/metrics.ts). */
  metrics?: ServiceMetrics;
}

export interface EnqueueRequest {
  jobId: string;
  modelId: string;
  url: string;
  /** The event object (see event.ts); serialised once and re-sent byte for byte. */
  event: object;
  /** Optional explicit webhook-id: enqueueing the same id again returns the existing delivery (idempotent). */
  webhookId?: string;
}

/** What the job status shows (maps to proto CallbackStatus: transport/handlers/job-status-message.ts). */
export interface CallbackDeliveryStatus {
  url: string;
  state: DeliveryState;
  attempts: number;
  lastHttpStatus?: number;
  lastError?: string;
  nextAttemptMs?: number;
  webhookId: string;
}

const USER_AGENT = 'recommender-webhooks/1';
/** setTimeout's largest delay (~24.8 days); longer waits are chained. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export function toDeliveryStatus(d: DeliveryRecord): CallbackDeliveryStatus {
  return {
    url: d.url,
    state: d.state,
    attempts: d.attempts,
    lastHttpStatus: d.lastHttpStatus,
    lastError: d.lastError,
    nextAttemptMs: d.state === 'pending' ? d.nextAttemptMs : undefined,
    webhookId: d.id,
  };
}

export class WebhookDispatcher {
  private readonly repo: DeliveryRepo;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly allow: Allowlist;
  private readonly secrets: readonly string[];
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly inFlight = new Map<string, { controller: AbortController; done: Promise<void> }>();
  private readonly listeners = new Set<(jobId: string) => void>();
  private readonly waiters = new Map<string, Set<(d: DeliveryRecord) => void>>();
  private stopped = false;

  constructor(private readonly opts: WebhookDispatcherOptions) {
    this.repo = new DeliveryRepo(opts.db);
    this.now = opts.now ?? Date.now;
    this.random = opts.random ?? Math.random;
    this.allow = compileAllowlist(opts.allowlist);
    this.secrets = typeof opts.secret === 'string' ? opts.secret.split(/\s+/).filter(Boolean) : opts.secret;
    webhookHeaders(this.secrets, 'msg_check', 0, ''); // fail fast on a malformed secret
  }

  /**
   * Persists a delivery (state pending, due now) and attempts it asynchronously. Throws
   * InvalidArgumentError (field callback_url) for a URL that is not http(s) or has credentials.
   */
  enqueue(e: EnqueueRequest): DeliveryRecord {
    validateCallbackUrl(e.url);
    if (e.webhookId !== undefined) {
      const existing = this.repo.get(e.webhookId);
      if (existing) return existing;
    }
    const t = this.now();
    const rec: DeliveryRecord = {
      id: e.webhookId ?? `msg_${randomUUID().replaceAll('-', '')}`,
      jobId: e.jobId,
      modelId: e.modelId,
      url: e.url,
      body: JSON.stringify(e.event),
      state: 'pending',
      attempts: 0,
      nextAttemptMs: t,
      createdMs: t,
      updatedMs: t,
    };
    this.repo.insert(rec);
    this.opts.log.info({ webhookId: rec.id, jobId: rec.jobId, modelId: rec.modelId, target: origin(rec.url) }, 'webhook delivery queued');
    this.emit(rec.jobId);
    this.schedule(rec.id, 0);
    return rec;
  }

  /** The latest delivery of a job, or undefined when the job has no callback. */
  statusForJob(jobId: string): CallbackDeliveryStatus | undefined {
    const d = this.repo.latestForJob(jobId);
    return d && toDeliveryStatus(d);
  }

  /** Deliveries not settled yet (metrics). */
  pendingCount(): number {
    return this.repo.countPending();
  }

  /** The persisted delivery by webhook-id. */
  get(webhookId: string): DeliveryRecord | undefined {
    return this.repo.get(webhookId);
  }

  onChange(listener: (jobId: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves with the record once the delivery is no longer pending (delivered, failed or stopped). */
  settled(webhookId: string): Promise<DeliveryRecord> {
    const d = this.repo.get(webhookId);
    if (!d) return Promise.reject(new Error(`no webhook delivery ${webhookId}`));
    if (d.state !== 'pending') return Promise.resolve(d);
    return new Promise((resolve) => {
      let set = this.waiters.get(webhookId);
      if (!set) this.waiters.set(webhookId, (set = new Set()));
      set.add(resolve);
    });
  }

  /** Resumes pending deliveries from the catalog: due ones now, the others at their due time. */
  start(): void {
    this.stopped = false;
    const pending = this.repo.pending();
    const t = this.now();
    for (const d of pending) this.schedule(d.id, Math.max(0, (d.nextAttemptMs ?? t) - t));
    if (pending.length) this.opts.log.info({ pending: pending.length }, 'resuming pending webhook deliveries');
  }

  /** Clears timers and aborts in-flight attempts (not counted; they stay pending and due, for the next start). */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    const running = [...this.inFlight.values()];
    for (const r of running) r.controller.abort();
    await Promise.all(running.map((r) => r.done));
  }

  private schedule(id: string, delayMs: number): void {
    if (this.stopped || this.timers.has(id) || this.inFlight.has(id)) return;
    const timer = setTimeout(() => {
      this.timers.delete(id);
      if (delayMs > MAX_TIMER_MS) this.schedule(id, delayMs - MAX_TIMER_MS);
      else this.run(id);
    }, Math.min(delayMs, MAX_TIMER_MS));
    timer.unref?.();
    this.timers.set(id, timer);
  }

  private run(id: string): void {
    if (this.stopped || this.inFlight.has(id)) return;
    const controller = new AbortController();
    const entry = { controller, done: Promise.resolve() };
    entry.done = this.attempt(id, controller.signal)
      .catch((err) => this.opts.log.error({ err, webhookId: id }, 'webhook dispatcher bug'))
      .finally(() => {
        if (this.inFlight.get(id) === entry) this.inFlight.delete(id);
      });
    this.inFlight.set(id, entry);
  }

  private async attempt(id: string, signal: AbortSignal): Promise<void> {
    const d = this.repo.get(id);
    if (!d || d.state !== 'pending') return;
    const attempt = d.attempts + 1;
    const started = this.now();
    const timestampSec = Math.floor(started / 1000);
    const headers: Record<string, string> = {
      ...webhookHeaders(this.secrets, d.id, timestampSec, d.body),
      'content-type': 'application/json',
      'user-agent': USER_AGENT,
    };
    let res: SendResult | undefined;
    let error: string | undefined;
    try {
      const url = validateCallbackUrl(d.url);
      const target = await resolveAndCheck(url, this.allow, { lookup: this.opts.lookup });
      if (signal.aborted) return;
      res = await postOnce({ url, addresses: target.addresses, headers, body: d.body, timeoutMs: this.opts.timeoutMs, signal, ca: this.opts.ca });
    } catch (err) {
      if (err instanceof WebhookAbortedError || signal.aborted) return; // shutting down: not an attempt
      error = errorMessage(err);
    }
    const t = this.now();
    let state: DeliveryState;
    let retryAfterMs: number | undefined;
    if (res && res.status >= 200 && res.status < 300) {
      state = 'delivered';
    } else if (res && res.status === 410) {
      state = 'stopped';
      error = 'receiver answered 410 Gone: no more retries';
    } else {
      if (res) {
        error = res.status >= 300 && res.status < 400
          ? `HTTP ${res.status}: redirect not followed${res.headers.location ? ` (Location: ${String(res.headers.location).slice(0, 200)})` : ''}`
          : `HTTP ${res.status}${snippet(res.bodySnippet)}`;
        retryAfterMs = parseRetryAfterMs(res.headers['retry-after'], t);
      }
      state = 'pending';
    }
    let nextAttemptMs: number | undefined;
    if (state === 'pending') {
      const delay = nextDelayMs(this.opts.retryScheduleMs, attempt, retryAfterMs, this.random);
      if (delay === undefined) state = 'failed';
      else nextAttemptMs = t + delay;
    }
    this.opts.metrics?.webhookAttempts.inc({ outcome: state === 'pending' ? 'retry' : state });
    if (state !== 'pending') this.opts.metrics?.webhookDeliveries.inc({ outcome: state });
    this.repo.recordOutcome(id, { state, attempts: attempt, lastHttpStatus: res?.status, lastError: state === 'delivered' ? undefined : error, nextAttemptMs, updatedMs: t });
    const logFields = {
      webhookId: id, jobId: d.jobId, target: origin(d.url), attempt, maxAttempts: maxAttempts(this.opts.retryScheduleMs),
      httpStatus: res?.status, durationMs: t - started, state, error: state === 'delivered' ? undefined : error,
      nextAttemptInMs: nextAttemptMs === undefined ? undefined : nextAttemptMs - t,
    };
    if (state === 'delivered') this.opts.log.info(logFields, 'webhook delivered');
    else if (state === 'pending') this.opts.log.warn(logFields, 'webhook attempt failed; will retry');
    else this.opts.log.warn(logFields, state === 'stopped' ? 'webhook stopped by receiver (410)' : 'webhook delivery failed; retries exhausted');
    this.emit(d.jobId);
    if (state === 'pending') {
      this.inFlight.delete(id);
      this.schedule(id, nextAttemptMs! - t);
    } else {
      const rec = this.repo.get(id)!;
      const set = this.waiters.get(id);
      this.waiters.delete(id);
      for (const w of set ?? []) w(rec);
    }
  }

  private emit(jobId: string): void {
    for (const l of this.listeners) {
      try {
        l(jobId);
      } catch (err) {
        this.opts.log.error({ err, jobId }, 'webhook onChange listener threw');
      }
    }
  }
}

function origin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '(invalid url)';
  }
}

function snippet(s: string): string {
  const clean = s.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim().slice(0, 200);
  return clean ? `: ${clean}` : '';
}

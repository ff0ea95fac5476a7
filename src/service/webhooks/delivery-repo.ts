/**
 * Persisted webhook deliveries (catalog table `webhook_deliveries`, migration 010). A row is written
 * before the first attempt and updated after each one, so a restart resumes every `pending` delivery.
 */
import type { Db } from '../store/catalog.js';

export type DeliveryState = 'pending' | 'delivered' | 'failed' | 'stopped';

export interface DeliveryRecord {
  /** The webhook-id header: stable across retries. */
  id: string;
  jobId: string;
  modelId: string;
  url: string;
  /** The exact JSON body, re-sent byte for byte. */
  body: string;
  state: DeliveryState;
  attempts: number;
  lastHttpStatus?: number;
  lastError?: string;
  /** When the next attempt is due (epoch ms); only while pending. */
  nextAttemptMs?: number;
  createdMs: number;
  updatedMs: number;
}

interface Row {
  id: string;
  job_id: string;
  model_id: string;
  url: string;
  body: string;
  state: DeliveryState;
  attempts: number;
  last_http_status: number | null;
  last_error: string | null;
  next_attempt_ms: number | null;
  created_ms: number;
  updated_ms: number;
}

function fromRow(r: Row): DeliveryRecord {
  return {
    id: r.id,
    jobId: r.job_id,
    modelId: r.model_id,
    url: r.url,
    body: r.body,
    state: r.state,
    attempts: r.attempts,
    lastHttpStatus: r.last_http_status ?? undefined,
    lastError: r.last_error ?? undefined,
    nextAttemptMs: r.next_attempt_ms ?? undefined,
    createdMs: r.created_ms,
    updatedMs: r.updated_ms,
  };
}

export interface AttemptOutcome {
  state: DeliveryState;
  attempts: number;
  lastHttpStatus?: number;
  lastError?: string;
  nextAttemptMs?: number;
  updatedMs: number;
}

export class DeliveryRepo {
  private readonly insertStmt;
  private readonly getStmt;
  private readonly latestForJobStmt;
  private readonly pendingStmt;
  private readonly updateStmt;
  private readonly countPendingStmt;

  constructor(db: Db) {
    this.countPendingStmt = db.prepare(`SELECT COUNT(*) FROM webhook_deliveries WHERE state = 'pending'`).pluck();
    this.insertStmt = db.prepare(
      `INSERT INTO webhook_deliveries (id, job_id, model_id, url, body, state, attempts, last_http_status, last_error, next_attempt_ms, created_ms, updated_ms)
       VALUES (@id, @job_id, @model_id, @url, @body, @state, @attempts, @last_http_status, @last_error, @next_attempt_ms, @created_ms, @updated_ms)`,
    );
    this.getStmt = db.prepare('SELECT * FROM webhook_deliveries WHERE id = ?');
    this.latestForJobStmt = db.prepare('SELECT * FROM webhook_deliveries WHERE job_id = ? ORDER BY created_ms DESC, rowid DESC LIMIT 1');
    this.pendingStmt = db.prepare(`SELECT * FROM webhook_deliveries WHERE state = 'pending' ORDER BY next_attempt_ms, created_ms`);
    this.updateStmt = db.prepare(
      `UPDATE webhook_deliveries SET state = @state, attempts = @attempts, last_http_status = @last_http_status, last_error = @last_error,
       next_attempt_ms = @next_attempt_ms, updated_ms = @updated_ms WHERE id = @id`,
    );
  }

  insert(d: DeliveryRecord): void {
    this.insertStmt.run({
      id: d.id,
      job_id: d.jobId,
      model_id: d.modelId,
      url: d.url,
      body: d.body,
      state: d.state,
      attempts: d.attempts,
      last_http_status: d.lastHttpStatus ?? null,
      last_error: d.lastError ?? null,
      next_attempt_ms: d.nextAttemptMs ?? null,
      created_ms: d.createdMs,
      updated_ms: d.updatedMs,
    });
  }

  get(id: string): DeliveryRecord | undefined {
    const r = this.getStmt.get(id) as Row | undefined;
    return r && fromRow(r);
  }

  latestForJob(jobId: string): DeliveryRecord | undefined {
    const r = this.latestForJobStmt.get(jobId) as Row | undefined;
    return r && fromRow(r);
  }

  /** How many deliveries are pending (metrics). */
  countPending(): number {
    return this.countPendingStmt.get() as number;
  }

  pending(): DeliveryRecord[] {
    return (this.pendingStmt.all() as Row[]).map(fromRow);
  }

  recordOutcome(id: string, o: AttemptOutcome): void {
    this.updateStmt.run({
      id,
      state: o.state,
      attempts: o.attempts,
      last_http_status: o.lastHttpStatus ?? null,
      last_error: o.lastError ?? null,
      next_attempt_ms: o.state === 'pending' ? (o.nextAttemptMs ?? o.updatedMs) : null,
      updated_ms: o.updatedMs,
    });
  }
}

/** Table `jobs` (migration 020_jobs in store/schema.ts); a job's model row is the registry's (service/models). */
import type { Db } from '../store/catalog.js';
import type { JobRecord, JobState } from './job-record.js';

interface JobRow {
  job_id: string; model_id: string; request_id: string | null; status: JobState; create_ms: number; start_ms: number | null;
  end_ms: number | null; error: string; progress: number; iteration: number; total_iterations: number; loss: number | null;
  backend: string; device: string; data_json: string | null; batch_ids_json: string; callback_url: string; request_json: string;
  evaluation_json: string | null; loss_curve_json: string; sequence: number; version: number; promoted: number; promotion: string;
  tuning_json: string | null;
}

function toRecord(r: JobRow): JobRecord {
  return {
    jobId: r.job_id, modelId: r.model_id, requestId: r.request_id ?? undefined, status: r.status, createMs: r.create_ms,
    startMs: r.start_ms ?? undefined, endMs: r.end_ms ?? undefined, error: r.error, progress: r.progress, iteration: r.iteration,
    totalIterations: r.total_iterations, loss: r.loss ?? undefined, backend: r.backend, device: r.device,
    data: r.data_json ? JSON.parse(r.data_json) : undefined, batchIds: JSON.parse(r.batch_ids_json) as string[],
    callbackUrl: r.callback_url, requestJson: r.request_json, evaluation: r.evaluation_json ? JSON.parse(r.evaluation_json) : undefined,
    lossCurve: JSON.parse(r.loss_curve_json) as number[], sequence: r.sequence,
    version: r.version || undefined, promoted: r.promoted === 1, promotion: r.promotion,
    ...(r.tuning_json ? { tuning: JSON.parse(r.tuning_json) as JobRecord['tuning'] } : {}),
  };
}

function toParams(j: JobRecord): Record<string, unknown> {
  return {
    job_id: j.jobId, model_id: j.modelId, request_id: j.requestId || null, status: j.status, create_ms: j.createMs,
    start_ms: j.startMs ?? null, end_ms: j.endMs ?? null, error: j.error, progress: j.progress, iteration: j.iteration,
    total_iterations: j.totalIterations, loss: j.loss ?? null, backend: j.backend, device: j.device,
    data_json: j.data ? JSON.stringify(j.data) : null, batch_ids_json: JSON.stringify(j.batchIds), callback_url: j.callbackUrl,
    request_json: j.requestJson, evaluation_json: j.evaluation === undefined ? null : JSON.stringify(j.evaluation),
    loss_curve_json: JSON.stringify(j.lossCurve), sequence: j.sequence,
    version: j.version ?? 0, promoted: j.promoted ? 1 : 0, promotion: j.promotion ?? '',
    tuning_json: j.tuning ? JSON.stringify(j.tuning) : null,
  };
}

export class JobRepo {
  private readonly ins; private readonly upd; private readonly byId; private readonly byReq; private readonly latest;
  private readonly active; private readonly recentRows; private readonly countRows;

  constructor(private readonly db: Db) {
    const cols = 'job_id, model_id, request_id, status, create_ms, start_ms, end_ms, error, progress, iteration, total_iterations, loss, backend, device, data_json, batch_ids_json, callback_url, request_json, evaluation_json, loss_curve_json, sequence, version, promoted, promotion, tuning_json';
    this.ins = db.prepare(`INSERT INTO jobs (${cols}) VALUES (${cols.split(', ').map((c) => '@' + c).join(', ')})`);
    this.upd = db.prepare(`UPDATE jobs SET ${cols.split(', ').filter((c) => c !== 'job_id').map((c) => `${c} = @${c}`).join(', ')} WHERE job_id = @job_id`);
    this.byId = db.prepare('SELECT * FROM jobs WHERE job_id = ?');
    this.byReq = db.prepare('SELECT * FROM jobs WHERE request_id = ?');
    this.latest = db.prepare('SELECT * FROM jobs WHERE model_id = ? ORDER BY create_ms DESC, rowid DESC LIMIT 1');
    this.active = db.prepare("SELECT * FROM jobs WHERE status IN ('QUEUED', 'RUNNING') ORDER BY create_ms, rowid");
    this.recentRows = db.prepare('SELECT * FROM jobs ORDER BY create_ms DESC, rowid DESC LIMIT ?');
    this.countRows = db.prepare('SELECT status, count(*) AS n FROM jobs GROUP BY status');
  }

  /** Removes every job row of a model (DeleteModel, inside its transaction). */
  deleteForModel(modelId: string): void {
    this.db.prepare('DELETE FROM jobs WHERE model_id = ?').run(modelId);
  }

  /** The newest jobs first, at most `limit`. */
  recent(limit: number): JobRecord[] {
    return (this.recentRows.all(limit) as JobRow[]).map(toRecord);
  }

  /** Jobs per state. */
  countByState(): Array<{ status: JobState; n: number }> {
    return this.countRows.all() as Array<{ status: JobState; n: number }>;
  }

  /** Inserts a new job (its model's row must exist: ModelRegistry.register). */
  insert(job: JobRecord): void {
    this.ins.run(toParams(job));
  }

  update(job: JobRecord): void {
    this.upd.run(toParams(job));
  }

  get(jobId: string): JobRecord | undefined {
    const r = this.byId.get(jobId) as JobRow | undefined;
    return r && toRecord(r);
  }

  byRequestId(requestId: string): JobRecord | undefined {
    const r = this.byReq.get(requestId) as JobRow | undefined;
    return r && toRecord(r);
  }

  latestForModel(modelId: string): JobRecord | undefined {
    const r = this.latest.get(modelId) as JobRow | undefined;
    return r && toRecord(r);
  }

  /** Finished jobs that asked for a callback (to find ones whose delivery was never enqueued). */
  terminalJobsWithCallback(): JobRecord[] {
    // Reads the webhook deliveries table (010_webhook_deliveries) so the scan stays small as jobs accumulate.
    return (this.db.prepare(`SELECT * FROM jobs j WHERE j.status IN ('COMPLETED', 'ERROR', 'CANCELLED') AND j.callback_url != ''
      AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.job_id = j.job_id) ORDER BY j.create_ms, j.rowid`).all() as JobRow[]).map(toRecord);
  }

  activeJobs(): JobRecord[] {
    return (this.active.all() as JobRow[]).map(toRecord);
  }
}

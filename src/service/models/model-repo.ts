/**
 * Table `models` (migration 021_models in store/schema.ts): one row per model id, created with its first
 * job; `job_id` is the served job (NULL until one completes) and `meta_json` that job's ModelMeta.
 */
import type { ModelMeta } from '../../data/trained-model.js';
import type { Db } from '../store/catalog.js';

export interface ModelRow {
  modelId: string;
  /** The served job, undefined until one completes. */
  jobId?: string;
  trainedMs?: number;
  /** ModelMeta of the served job. */
  meta?: ModelMeta;
  createdMs: number;
}

interface Row { model_id: string; job_id: string | null; trained_ms: number | null; meta_json: string | null; created_ms: number }

function toRow(r: Row): ModelRow {
  return {
    modelId: r.model_id, jobId: r.job_id ?? undefined, trainedMs: r.trained_ms ?? undefined,
    meta: r.meta_json ? (JSON.parse(r.meta_json) as ModelMeta) : undefined, createdMs: r.created_ms,
  };
}

export class ModelRepo {
  private readonly ins; private readonly byId; private readonly page; private readonly serveRow; private readonly servedJob;

  constructor(db: Db) {
    this.ins = db.prepare('INSERT OR IGNORE INTO models (model_id, created_ms) VALUES (?, ?)');
    this.byId = db.prepare('SELECT * FROM models WHERE model_id = ?');
    this.page = db.prepare('SELECT * FROM models WHERE model_id > ? ORDER BY model_id LIMIT ?');
    this.serveRow = db.prepare('UPDATE models SET job_id = ?, trained_ms = ?, meta_json = ? WHERE model_id = ?');
    // Serving asks this on every Recommend: one column, no JSON (meta_json is parsed only by get()).
    this.servedJob = db.prepare('SELECT job_id FROM models WHERE model_id = ?').pluck();
  }

  /** Creates the row of a new model (no-op when it exists). */
  ensure(modelId: string, createdMs: number): void {
    this.ins.run(modelId, createdMs);
  }

  get(modelId: string): ModelRow | undefined {
    const r = this.byId.get(modelId) as Row | undefined;
    return r && toRow(r);
  }

  /** Models in model_id order after `afterId`, at most `limit`. */
  list(afterId: string, limit: number): ModelRow[] {
    return (this.page.all(afterId, limit) as Row[]).map(toRow);
  }

  /** The job a model serves (undefined: no such model, or none completed yet). */
  servedJobId(modelId: string): string | undefined {
    return (this.servedJob.get(modelId) as string | null | undefined) ?? undefined;
  }

  /** Points the model at `meta.jobId`. */
  serve(meta: ModelMeta, trainedMs: number): void {
    this.serveRow.run(meta.jobId, trainedMs, JSON.stringify(meta), meta.modelId);
  }
}

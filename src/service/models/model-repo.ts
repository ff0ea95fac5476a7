/**
 * Tables `models` (migration 021_models) and `model_versions` (030_model_versions) in store/schema.ts.
 *
 * `models`: one row per model id, created with its first job; `job_id` is the served job (NULL until one
 * completes), `meta_json` that job's ModelMeta, `last_version` the last version number given.
 * `model_versions`: one row per kept completed job (version 1, 2, ... per model), with its ModelMeta and,
 * when the promote gate refused it, the reason. The served job is always one of the model's versions.
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
  /** The served version (undefined while none serves). */
  version?: number;
  /** The last version number given (0: none yet). */
  lastVersion: number;
}

export interface VersionRow {
  modelId: string;
  version: number;
  jobId: string;
  trainedMs: number;
  meta: ModelMeta;
  /** Why the version did not serve when it completed ('' when it was promoted). */
  promotion: string;
}

interface Row {
  model_id: string; job_id: string | null; trained_ms: number | null; meta_json: string | null; created_ms: number;
  last_version: number; version: number | null;
}
interface VRow { model_id: string; version: number; job_id: string; trained_ms: number; meta_json: string; promotion: string }

function toRow(r: Row): ModelRow {
  return {
    modelId: r.model_id, jobId: r.job_id ?? undefined, trainedMs: r.trained_ms ?? undefined,
    meta: r.meta_json ? (JSON.parse(r.meta_json) as ModelMeta) : undefined, createdMs: r.created_ms,
    version: r.version ?? undefined, lastVersion: r.last_version,
  };
}

function toVersion(r: VRow): VersionRow {
  return { modelId: r.model_id, version: r.version, jobId: r.job_id, trainedMs: r.trained_ms, meta: JSON.parse(r.meta_json) as ModelMeta, promotion: r.promotion };
}

/** A model row with its served version number. */
const MODEL_SELECT = `SELECT m.*, v.version AS version FROM models m LEFT JOIN model_versions v ON v.job_id = m.job_id`;

export class ModelRepo {
  private readonly ins; private readonly byId; private readonly page; private readonly serveRow; private readonly servedJob;
  private readonly bumpVersion; private readonly insVersion; private readonly versionsOf; private readonly versionOf;
  private readonly delVersion; private readonly hasVersionJob; private readonly versionByJob; private readonly delModel; private readonly delVersions;

  constructor(private readonly db: Db) {
    this.ins = db.prepare('INSERT OR IGNORE INTO models (model_id, created_ms) VALUES (?, ?)');
    this.byId = db.prepare(`${MODEL_SELECT} WHERE m.model_id = ?`);
    this.page = db.prepare(`${MODEL_SELECT} WHERE m.model_id > ? ORDER BY m.model_id LIMIT ?`);
    this.serveRow = db.prepare('UPDATE models SET job_id = ?, trained_ms = ?, meta_json = ? WHERE model_id = ?');
    // Serving asks this on every Recommend: one column, no JSON (meta_json is parsed only by get()).
    this.servedJob = db.prepare('SELECT job_id FROM models WHERE model_id = ?').pluck();
    this.bumpVersion = db.prepare('UPDATE models SET last_version = last_version + 1 WHERE model_id = ? RETURNING last_version').pluck();
    this.insVersion = db.prepare('INSERT INTO model_versions (model_id, version, job_id, trained_ms, meta_json, promotion) VALUES (?, ?, ?, ?, ?, ?)');
    this.versionsOf = db.prepare('SELECT * FROM model_versions WHERE model_id = ? ORDER BY version DESC');
    this.versionOf = db.prepare('SELECT * FROM model_versions WHERE model_id = ? AND version = ?');
    this.delVersion = db.prepare('DELETE FROM model_versions WHERE model_id = ? AND version = ?');
    this.hasVersionJob = db.prepare('SELECT 1 FROM model_versions WHERE job_id = ?').pluck();
    this.versionByJob = db.prepare('SELECT version FROM model_versions WHERE job_id = ?').pluck();
    this.delModel = db.prepare('DELETE FROM models WHERE model_id = ?');
    this.delVersions = db.prepare('DELETE FROM model_versions WHERE model_id = ?');
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

  /**
   * Records a completed job as the model's next version; returns its number (inside the commit's
   * transaction). A job that is a version already keeps its number.
   */
  addVersion(meta: ModelMeta, trainedMs: number, promotion: string): number {
    const existing = this.versionByJob.get(meta.jobId) as number | undefined;
    if (existing !== undefined) return existing;
    const version = this.bumpVersion.get(meta.modelId) as number | undefined;
    if (version === undefined) throw new Error(`model "${meta.modelId}" has no row`);
    this.insVersion.run(meta.modelId, version, meta.jobId, trainedMs, JSON.stringify(meta), promotion);
    return version;
  }

  /** The kept versions of a model, newest first. */
  versions(modelId: string): VersionRow[] {
    return (this.versionsOf.all(modelId) as VRow[]).map(toVersion);
  }

  version(modelId: string, version: number): VersionRow | undefined {
    const r = this.versionOf.get(modelId, version) as VRow | undefined;
    return r && toVersion(r);
  }

  deleteVersion(modelId: string, version: number): void {
    this.delVersion.run(modelId, version);
  }

  /** Whether a kept version is the output of this job. */
  isVersionJob(jobId: string): boolean {
    return this.hasVersionJob.get(jobId) !== undefined;
  }

  /** Removes the model's row and its versions' rows (the caller removes its jobs' rows in the same transaction). */
  deleteModel(modelId: string): void {
    this.serveRow.run(null, null, null, modelId);
    this.delVersions.run(modelId);
    this.delModel.run(modelId);
  }
}

/**
 * The catalog's tables. Each concept owns one entry; `catalog.ts` applies them in order, once each,
 * recording applied names in `schema_migrations`. Never edit an applied entry: append a new one.
 */

/** One named step of the catalog's schema. */
export interface Migration {
  name: string;
  sql: string;
}

export const MIGRATIONS: Migration[] = [
  // Batches (service/store/batch-repo.ts): one row per committed batch, tags also as a JSON array in the
  // order given; batch_tags for selection; path relative to the data dir; (kind, request_id) unique (AIP-155).
  {
    name: '001_batches',
    sql: `
    CREATE TABLE batches (
      batch_id TEXT PRIMARY KEY,
      kind TEXT NOT NULL CHECK (kind IN ('INTERACTIONS', 'ENTITIES')),
      tags_json TEXT NOT NULL,
      created_ms INTEGER NOT NULL,
      request_id TEXT,
      path TEXT NOT NULL,
      bytes INTEGER NOT NULL,
      entity_count INTEGER NOT NULL,
      interaction_count INTEGER NOT NULL,
      min_interaction_ms REAL,
      max_interaction_ms REAL,
      untimestamped_count INTEGER NOT NULL,
      distinct_source_count INTEGER NOT NULL,
      distinct_target_count INTEGER NOT NULL
    );
    CREATE UNIQUE INDEX batches_request_id ON batches (kind, request_id) WHERE request_id IS NOT NULL;
    CREATE INDEX batches_order ON batches (created_ms, batch_id);
    CREATE TABLE batch_tags (
      batch_id TEXT NOT NULL REFERENCES batches (batch_id) ON DELETE CASCADE,
      tag TEXT NOT NULL,
      PRIMARY KEY (batch_id, tag)
    ) WITHOUT ROWID;
    CREATE INDEX batch_tags_by_tag ON batch_tags (tag, batch_id);
    `,
  },
  // Webhook deliveries (service/webhooks/delivery-repo.ts): one row per callback, id = the webhook-id header;
  // body is the exact JSON re-sent on every retry; pending rows are resumed at start.
  {
    name: '010_webhook_deliveries',
    sql: `
    CREATE TABLE webhook_deliveries (
      id TEXT PRIMARY KEY,
      job_id TEXT NOT NULL,
      model_id TEXT NOT NULL,
      url TEXT NOT NULL,
      body TEXT NOT NULL,
      state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed', 'stopped')),
      attempts INTEGER NOT NULL DEFAULT 0,
      last_http_status INTEGER,
      last_error TEXT,
      next_attempt_ms INTEGER,
      created_ms INTEGER NOT NULL,
      updated_ms INTEGER NOT NULL
    );
    CREATE INDEX webhook_deliveries_by_job ON webhook_deliveries (job_id, created_ms);
    CREATE INDEX webhook_deliveries_pending ON webhook_deliveries (next_attempt_ms) WHERE state = 'pending';
    `,
  },
  // Training jobs (service/jobs/job-repo.ts): one row per Train call; request_id unique (AIP-155);
  // progress snapshots are throttled, final states always written. `models`: one row per model_id, job_id =
  // the served job (NULL until a first job completes); switched in the same transaction that completes a job.
  {
    name: '020_jobs',
    sql: `
    CREATE TABLE jobs (
      job_id TEXT PRIMARY KEY,
      model_id TEXT NOT NULL,
      request_id TEXT UNIQUE,
      status TEXT NOT NULL CHECK (status IN ('QUEUED', 'RUNNING', 'COMPLETED', 'ERROR', 'CANCELLED')),
      create_ms INTEGER NOT NULL,
      start_ms INTEGER,
      end_ms INTEGER,
      error TEXT NOT NULL DEFAULT '',
      progress REAL NOT NULL DEFAULT 0,
      iteration INTEGER NOT NULL DEFAULT 0,
      total_iterations INTEGER NOT NULL DEFAULT 0,
      loss REAL,
      backend TEXT NOT NULL DEFAULT '',
      device TEXT NOT NULL DEFAULT '',
      data_json TEXT,
      batch_ids_json TEXT NOT NULL DEFAULT '[]',
      callback_url TEXT NOT NULL DEFAULT '',
      request_json TEXT NOT NULL,
      evaluation_json TEXT,
      loss_curve_json TEXT NOT NULL DEFAULT '[]',
      sequence INTEGER NOT NULL DEFAULT 1
    );
    CREATE INDEX jobs_by_model ON jobs (model_id, create_ms);
    CREATE INDEX jobs_active ON jobs (status) WHERE status IN ('QUEUED', 'RUNNING');
    `,
  },
  {
    name: '021_models',
    sql: `
    CREATE TABLE models (
      model_id TEXT PRIMARY KEY,
      job_id TEXT REFERENCES jobs (job_id),
      trained_ms INTEGER,
      meta_json TEXT,
      created_ms INTEGER NOT NULL
    );
    `,
  },
  // Model versions (service/models/model-repo.ts): every completed job of a model is a version, numbered
  // 1, 2, ... per model (models.last_version is the last number given, so a number is never reused while the
  // model exists); rows beyond the retention limit are deleted (the serving one never). models.job_id stays
  // the served pointer. A data dir from before versions: its served job becomes version 1. Jobs record the
  // version they produced and whether it was promoted to serve (promote IF_BETTER), with the reason.
  {
    name: '030_model_versions',
    sql: `
    CREATE TABLE model_versions (
      model_id TEXT NOT NULL,
      version INTEGER NOT NULL,
      job_id TEXT NOT NULL UNIQUE REFERENCES jobs (job_id),
      trained_ms INTEGER NOT NULL,
      meta_json TEXT NOT NULL,
      promotion TEXT NOT NULL DEFAULT '',
      PRIMARY KEY (model_id, version)
    ) WITHOUT ROWID;
    ALTER TABLE models ADD COLUMN last_version INTEGER NOT NULL DEFAULT 0;
    INSERT INTO model_versions (model_id, version, job_id, trained_ms, meta_json)
      SELECT model_id, 1, job_id, trained_ms, meta_json FROM models WHERE job_id IS NOT NULL AND meta_json IS NOT NULL;
    UPDATE models SET last_version = 1 WHERE job_id IS NOT NULL AND meta_json IS NOT NULL;
    ALTER TABLE jobs ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE jobs ADD COLUMN promoted INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE jobs ADD COLUMN promotion TEXT NOT NULL DEFAULT '';
    CREATE INDEX jobs_by_time ON jobs (create_ms);
    UPDATE jobs SET version = 1, promoted = 1 WHERE job_id IN (SELECT job_id FROM models WHERE job_id IS NOT NULL AND meta_json IS NOT NULL);
    `,
  },
  // A tuning job's search progress (TrainingStatus.tuning: trial i of n, the best metric), kept after it ends.
  {
    name: '040_job_tuning',
    sql: `
    ALTER TABLE jobs ADD COLUMN tuning_json TEXT;
    `,
  },
];

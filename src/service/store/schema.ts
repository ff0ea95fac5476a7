/**
 * The catalog's tables. Each concept owns one entry; `catalog.ts` applies them in order, once each,
 * recording applied names in `schema_migrations`. Never edit an applied entry: append a new one.
 */
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
];

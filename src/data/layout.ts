/**
 * The data layout users send (the product's names; keep them) and the normalized form we store.
 *
 * Interactions, as sent: source_id (utf8, required), target_id (utf8, required), type (utf8),
 * timestamp (Arrow timestamp of any unit, or int64 epoch milliseconds; null = no timestamp),
 * weight (float; null = 1), metadata (utf8 JSON). Entities: id (utf8, required), type, name,
 * metadata (utf8 JSON), media_url. Dictionary-encoded strings accepted; extra columns ignored.
 *
 * Stored (one Arrow IPC *stream* file per batch, `<dataDir>/batches/<batch_id>.arrow`), normalized so
 * readers need no conversions:
 *   interactions: source_id Utf8, target_id Utf8, type Utf8?, timestamp_ms Float64? (epoch ms),
 *                 weight Float32? , metadata Utf8?
 *   entities:     id Utf8, type Utf8?, name Utf8?, metadata Utf8?, media_url Utf8?
 * (`?` = nullable). Record batches are at most STORED_BATCH_ROWS rows.
 */
export const INTERACTION_COLUMNS = ['source_id', 'target_id', 'type', 'timestamp', 'weight', 'metadata'] as const;
export const ENTITY_COLUMNS = ['id', 'type', 'name', 'metadata', 'media_url'] as const;

export const STORED_INTERACTION_COLUMNS = ['source_id', 'target_id', 'type', 'timestamp_ms', 'weight', 'metadata'] as const;
export const STORED_ENTITY_COLUMNS = ['id', 'type', 'name', 'metadata', 'media_url'] as const;

export const STORED_BATCH_ROWS = 65_536;

export type BatchKindName = 'INTERACTIONS' | 'ENTITIES';

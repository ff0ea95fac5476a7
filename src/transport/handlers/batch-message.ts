import type { Batch } from '../../gen/recommender/v1/Batch.js';
import type { Timestamp } from '../../gen/google/protobuf/Timestamp.js';
import type { BatchRecord } from '../../service/store/batch-record.js';

export function timestampOfMs(ms: number): Timestamp {
  const seconds = Math.floor(ms / 1000);
  return { seconds: String(seconds), nanos: Math.round((ms - seconds * 1000) * 1e6) % 1_000_000_000 };
}

/** A catalog record as the generated `Batch` message (int64 as strings, times as Timestamps). */
export function batchMessage(b: BatchRecord): Batch {
  return {
    batch_id: b.batchId,
    timestamp: timestampOfMs(b.createdMs),
    tags: b.tags,
    kind: b.kind,
    entity_count: String(b.entityCount),
    interaction_count: String(b.interactionCount),
    bytes: String(b.bytes),
    min_interaction_time: b.minInteractionMs === undefined ? null : timestampOfMs(b.minInteractionMs),
    max_interaction_time: b.maxInteractionMs === undefined ? null : timestampOfMs(b.maxInteractionMs),
    distinct_source_count: String(b.distinctSourceCount),
    distinct_target_count: String(b.distinctTargetCount),
    request_id: b.requestId ?? '',
    untimestamped_count: String(b.untimestampedCount),
  };
}

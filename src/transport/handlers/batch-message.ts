import type { Batch } from '../../gen/recommender/v1/Batch.js';
import { toTimestamp } from '../timestamp.js';
import type { BatchRecord } from '../../service/store/batch-record.js';

/** A catalog record as the generated `Batch` message (int64 as strings, times as Timestamps). */
export function batchMessage(b: BatchRecord): Batch {
  return {
    batch_id: b.batchId,
    timestamp: toTimestamp(b.createdMs),
    tags: b.tags,
    kind: b.kind,
    entity_count: String(b.entityCount),
    interaction_count: String(b.interactionCount),
    bytes: String(b.bytes),
    min_interaction_time: toTimestamp(b.minInteractionMs),
    max_interaction_time: toTimestamp(b.maxInteractionMs),
    distinct_source_count: String(b.distinctSourceCount),
    distinct_target_count: String(b.distinctTargetCount),
    request_id: b.requestId ?? '',
    untimestamped_count: String(b.untimestampedCount),
  };
}

/**
 * Limits on request fields that would otherwise be unbounded, and proto enum values, checked the same way
 * in every request (tags have their own rule: store/tags.ts):
 *   - request_id (ImportBatch header, Train): at most MAX_REQUEST_ID_LENGTH characters;
 *   - batch_ids (ListBatches, DeleteBatches): at most MAX_BATCH_IDS ids of 1..MAX_ID_LENGTH characters;
 *   - enum fields: util/proto-enum.ts (an undeclared value, e.g. kind = 99, is INVALID_ARGUMENT).
 * Ids that are only looked up (job_id, model_id, source_id) are not limited: an unknown one is NOT_FOUND, and
 * the message repeats at most MAX_ECHOED_CHARS of it (errors.ts echo()).
 */
import { InvalidArgumentError } from '../errors.js';

export const MAX_REQUEST_ID_LENGTH = 128;
export const MAX_BATCH_IDS = 1000;
export const MAX_ID_LENGTH = 128;

/** A request_id (idempotency key): undefined when empty. */
export function validateRequestId(v: string | undefined | null, field: string): string | undefined {
  if (!v) return undefined;
  if (v.length > MAX_REQUEST_ID_LENGTH) throw new InvalidArgumentError(`${field} is ${v.length} characters long; at most ${MAX_REQUEST_ID_LENGTH} are allowed`, { field });
  return v;
}

export function validateBatchIds(ids: readonly string[] | undefined | null, field: string): string[] {
  const list = ids ?? [];
  if (list.length > MAX_BATCH_IDS) throw new InvalidArgumentError(`${field}: at most ${MAX_BATCH_IDS} ids per request, got ${list.length}`, { field });
  list.forEach((id, i) => {
    const f = `${field}[${i}]`;
    if (typeof id !== 'string' || id.length === 0) throw new InvalidArgumentError(`${f} is empty`, { field: f });
    if (id.length > MAX_ID_LENGTH) throw new InvalidArgumentError(`${f} is ${id.length} characters long; batch ids have at most ${MAX_ID_LENGTH}`, { field: f });
  });
  return [...list];
}

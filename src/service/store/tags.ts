/**
 * Batch tags: the one rule for every request that takes tags (ImportBatch `header.tags`, ListBatches /
 * DeleteBatches `tags`, Train / DescribeDataset `data_tags`): at most MAX_TAGS tags, each 1 to
 * MAX_TAG_LENGTH characters, no control characters, no leading or trailing whitespace. Duplicates are
 * dropped, order kept. An error names the field and the tag's index (`data_tags[2]`).
 */
import { echo, InvalidArgumentError } from '../../errors.js';
import { TagMatch } from '../../gen/recommender/v1/TagMatch.js';
import { enumName } from '../../util/proto-enum.js';
import type { TagMatchMode } from './batch-record.js';

export const MAX_TAGS = 64;
export const MAX_TAG_LENGTH = 128;

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

export function validateTags(tags: readonly string[] | undefined, field: string): string[] {
  const list = tags ?? [];
  if (list.length > MAX_TAGS) throw new InvalidArgumentError(`${field}: at most ${MAX_TAGS} tags, got ${list.length}`, { field });
  list.forEach((t, i) => {
    const f = `${field}[${i}]`;
    if (typeof t !== 'string' || t.length === 0) throw new InvalidArgumentError(`${f} is empty`, { field: f });
    if (t.length > MAX_TAG_LENGTH) throw new InvalidArgumentError(`${f} is longer than ${MAX_TAG_LENGTH} characters`, { field: f });
    if (CONTROL.test(t)) throw new InvalidArgumentError(`${f} contains a control character`, { field: f });
    if (t.trim() !== t) throw new InvalidArgumentError(`${f} (${echo(t)}) has leading or trailing whitespace`, { field: f });
  });
  return [...new Set(list)];
}

/** `tag_match` of a request: TAG_MATCH_ALL (default) or TAG_MATCH_ANY. */
export function tagMatchOf(v: string | number | undefined): TagMatchMode {
  return enumName(v, TagMatch, 'tag_match') === 'TAG_MATCH_ANY' ? 'any' : 'all';
}

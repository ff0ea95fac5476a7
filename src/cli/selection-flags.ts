/**
 * The data selection flags of the commands that select data (train, describe): --tags, --tag-match,
 * --max-age-days, --filters, read into the request fields Train and DescribeDataset share.
 */
import type { DescribeDatasetRequest } from '../gen/recommender/v1/DescribeDatasetRequest.js';

export const SELECTION_FLAGS = {
  tags: { type: 'string' }, 'tag-match': { type: 'string', default: 'all' }, 'max-age-days': { type: 'string' }, filters: { type: 'string' },
} as const;

export const SELECTION_USAGE = '[--tags a,b] [--tag-match all|any] [--max-age-days N] [--filters JSON]';

/** The flag a selection field of the request came from (for error messages), or undefined. */
export function selectionFlagOf(field: string): string | undefined {
  if (field.startsWith('data_filters')) return '--filters';
  return ({ data_tags: '--tags', tag_match: '--tag-match', maximum_interaction_age_days: '--max-age-days' } as Record<string, string>)[field];
}

/** The selection fields of the request; throws an Error naming the flag on a malformed value. */
export function selectionOf(values: { tags?: string; 'tag-match'?: string; 'max-age-days'?: string; filters?: string }): DescribeDatasetRequest {
  const tagMatch = values['tag-match'] ?? 'all';
  if (tagMatch !== 'all' && tagMatch !== 'any') throw new Error('--tag-match must be all or any');
  const age = values['max-age-days'];
  if (age !== undefined && !/^[+-]?\d+$/.test(age.trim())) throw new Error(`--max-age-days must be an integer, got "${age}"`);
  let filters: DescribeDatasetRequest['data_filters'];
  try { filters = values.filters ? JSON.parse(values.filters) : undefined; } catch (err) { throw new Error(`--filters must be the DataFilters message as JSON: ${(err as Error).message}`); }
  return {
    data_tags: values.tags ? values.tags.split(',').map((t) => t.trim()).filter(Boolean) : [],
    tag_match: tagMatch === 'any' ? 'TAG_MATCH_ANY' : 'TAG_MATCH_ALL',
    maximum_interaction_age_days: age === undefined ? undefined : Number(age),
    data_filters: filters,
  };
}

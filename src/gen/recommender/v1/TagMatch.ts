// Original file: proto/recommender/v1/recommender.proto

export const TagMatch = {
  TAG_MATCH_UNSPECIFIED: 'TAG_MATCH_UNSPECIFIED',
  TAG_MATCH_ALL: 'TAG_MATCH_ALL',
  TAG_MATCH_ANY: 'TAG_MATCH_ANY',
} as const;

export type TagMatch =
  | 'TAG_MATCH_UNSPECIFIED'
  | 0
  | 'TAG_MATCH_ALL'
  | 1
  | 'TAG_MATCH_ANY'
  | 2

export type TagMatch__Output = typeof TagMatch[keyof typeof TagMatch]

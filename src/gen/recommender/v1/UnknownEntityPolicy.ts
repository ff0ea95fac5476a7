// Original file: proto/recommender/v1/recommender.proto

export const UnknownEntityPolicy = {
  UNKNOWN_ENTITY_POLICY_UNSPECIFIED: 'UNKNOWN_ENTITY_POLICY_UNSPECIFIED',
  UNKNOWN_ENTITY_KEEP: 'UNKNOWN_ENTITY_KEEP',
  UNKNOWN_ENTITY_DROP: 'UNKNOWN_ENTITY_DROP',
} as const;

export type UnknownEntityPolicy =
  | 'UNKNOWN_ENTITY_POLICY_UNSPECIFIED'
  | 0
  | 'UNKNOWN_ENTITY_KEEP'
  | 1
  | 'UNKNOWN_ENTITY_DROP'
  | 2

export type UnknownEntityPolicy__Output = typeof UnknownEntityPolicy[keyof typeof UnknownEntityPolicy]

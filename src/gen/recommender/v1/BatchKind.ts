// Original file: proto/recommender/v1/recommender.proto

export const BatchKind = {
  BATCH_KIND_UNSPECIFIED: 'BATCH_KIND_UNSPECIFIED',
  INTERACTIONS: 'INTERACTIONS',
  ENTITIES: 'ENTITIES',
} as const;

export type BatchKind =
  | 'BATCH_KIND_UNSPECIFIED'
  | 0
  | 'INTERACTIONS'
  | 1
  | 'ENTITIES'
  | 2

export type BatchKind__Output = typeof BatchKind[keyof typeof BatchKind]

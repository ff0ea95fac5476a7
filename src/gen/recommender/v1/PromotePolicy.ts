// Original file: proto/recommender/v1/recommender.proto

export const PromotePolicy = {
  PROMOTE_POLICY_UNSPECIFIED: 'PROMOTE_POLICY_UNSPECIFIED',
  PROMOTE_ALWAYS: 'PROMOTE_ALWAYS',
  PROMOTE_IF_BETTER: 'PROMOTE_IF_BETTER',
} as const;

export type PromotePolicy =
  | 'PROMOTE_POLICY_UNSPECIFIED'
  | 0
  | 'PROMOTE_ALWAYS'
  | 1
  | 'PROMOTE_IF_BETTER'
  | 2

export type PromotePolicy__Output = typeof PromotePolicy[keyof typeof PromotePolicy]

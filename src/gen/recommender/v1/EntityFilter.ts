// Original file: proto/recommender/v1/recommender.proto

import type { MetadataCondition as _recommender_v1_MetadataCondition, MetadataCondition__Output as _recommender_v1_MetadataCondition__Output } from '../../recommender/v1/MetadataCondition';

export interface EntityFilter {
  'types'?: (string)[];
  'metadata'?: (_recommender_v1_MetadataCondition)[];
}

export interface EntityFilter__Output {
  'types': (string)[];
  'metadata': (_recommender_v1_MetadataCondition__Output)[];
}

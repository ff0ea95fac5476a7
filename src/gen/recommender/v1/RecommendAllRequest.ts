// Original file: proto/recommender/v1/recommender.proto

import type { EntityFilter as _recommender_v1_EntityFilter, EntityFilter__Output as _recommender_v1_EntityFilter__Output } from '../../recommender/v1/EntityFilter';

export interface RecommendAllRequest {
  'model_id'?: (string);
  'max_recommendations'?: (number);
  'exclude_seen'?: (boolean);
  'source_type'?: (string);
  'target_type'?: (string);
  'target_filter'?: (_recommender_v1_EntityFilter | null);
  'chunk_size'?: (number);
  '_exclude_seen'?: "exclude_seen";
}

export interface RecommendAllRequest__Output {
  'model_id': (string);
  'max_recommendations': (number);
  'exclude_seen'?: (boolean);
  'source_type': (string);
  'target_type': (string);
  'target_filter': (_recommender_v1_EntityFilter__Output | null);
  'chunk_size': (number);
  '_exclude_seen'?: "exclude_seen";
}

// Original file: proto/recommender/v1/recommender.proto

import type { EntityFilter as _recommender_v1_EntityFilter, EntityFilter__Output as _recommender_v1_EntityFilter__Output } from '../../recommender/v1/EntityFilter';

export interface SimilarItemsRequest {
  'model_id'?: (string);
  'target_id'?: (string);
  'max_results'?: (number);
  'target_type'?: (string);
  'include_target_ids'?: (string)[];
  'exclude_target_ids'?: (string)[];
  'target_filter'?: (_recommender_v1_EntityFilter | null);
  'exact'?: (boolean);
}

export interface SimilarItemsRequest__Output {
  'model_id': (string);
  'target_id': (string);
  'max_results': (number);
  'target_type': (string);
  'include_target_ids': (string)[];
  'exclude_target_ids': (string)[];
  'target_filter': (_recommender_v1_EntityFilter__Output | null);
  'exact': (boolean);
}

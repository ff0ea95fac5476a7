// Original file: proto/recommender/v1/recommender.proto

import type { EntityFilter as _recommender_v1_EntityFilter, EntityFilter__Output as _recommender_v1_EntityFilter__Output } from '../../recommender/v1/EntityFilter';
import type { FoldInInteraction as _recommender_v1_FoldInInteraction, FoldInInteraction__Output as _recommender_v1_FoldInInteraction__Output } from '../../recommender/v1/FoldInInteraction';

export interface RecommendRequest {
  'model_id'?: (string);
  'source_id'?: (string);
  'source_ids'?: (string)[];
  'max_recommendations'?: (number);
  'exclude_seen'?: (boolean);
  'target_type'?: (string);
  'include_target_ids'?: (string)[];
  'exclude_target_ids'?: (string)[];
  'target_filter'?: (_recommender_v1_EntityFilter | null);
  'strict'?: (boolean);
  'interactions'?: (_recommender_v1_FoldInInteraction)[];
  'exact'?: (boolean);
  '_exclude_seen'?: "exclude_seen";
}

export interface RecommendRequest__Output {
  'model_id': (string);
  'source_id': (string);
  'source_ids': (string)[];
  'max_recommendations': (number);
  'exclude_seen'?: (boolean);
  'target_type': (string);
  'include_target_ids': (string)[];
  'exclude_target_ids': (string)[];
  'target_filter': (_recommender_v1_EntityFilter__Output | null);
  'strict': (boolean);
  'interactions': (_recommender_v1_FoldInInteraction__Output)[];
  'exact': (boolean);
  '_exclude_seen'?: "exclude_seen";
}

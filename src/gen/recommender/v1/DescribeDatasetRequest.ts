// Original file: proto/recommender/v1/recommender.proto

import type { TagMatch as _recommender_v1_TagMatch, TagMatch__Output as _recommender_v1_TagMatch__Output } from '../../recommender/v1/TagMatch';
import type { DataFilters as _recommender_v1_DataFilters, DataFilters__Output as _recommender_v1_DataFilters__Output } from '../../recommender/v1/DataFilters';

export interface DescribeDatasetRequest {
  'data_tags'?: (string)[];
  'tag_match'?: (_recommender_v1_TagMatch);
  'maximum_interaction_age_days'?: (number);
  'data_filters'?: (_recommender_v1_DataFilters | null);
  '_maximum_interaction_age_days'?: "maximum_interaction_age_days";
}

export interface DescribeDatasetRequest__Output {
  'data_tags': (string)[];
  'tag_match': (_recommender_v1_TagMatch__Output);
  'maximum_interaction_age_days'?: (number);
  'data_filters': (_recommender_v1_DataFilters__Output | null);
  '_maximum_interaction_age_days'?: "maximum_interaction_age_days";
}

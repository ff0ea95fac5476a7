// Original file: proto/recommender/v1/recommender.proto

import type { Distribution as _recommender_v1_Distribution, Distribution__Output as _recommender_v1_Distribution__Output } from '../../recommender/v1/Distribution';
import type { Long } from '@grpc/proto-loader';

export interface DatasetStatistics {
  'weight_shape'?: (string);
  'density'?: (number | string);
  'weights'?: (_recommender_v1_Distribution | null);
  'weight_sample'?: (number | string | Long);
  'distinct_weights'?: (number);
  'integer_weight_share'?: (number | string);
  'mean_log_weight'?: (number | string);
  'source_lengths'?: (_recommender_v1_Distribution | null);
  'target_lengths'?: (_recommender_v1_Distribution | null);
}

export interface DatasetStatistics__Output {
  'weight_shape': (string);
  'density': (number);
  'weights': (_recommender_v1_Distribution__Output | null);
  'weight_sample': (string);
  'distinct_weights': (number);
  'integer_weight_share': (number);
  'mean_log_weight': (number);
  'source_lengths': (_recommender_v1_Distribution__Output | null);
  'target_lengths': (_recommender_v1_Distribution__Output | null);
}

// Original file: proto/recommender/v1/recommender.proto

import type { DatasetStatistics as _recommender_v1_DatasetStatistics, DatasetStatistics__Output as _recommender_v1_DatasetStatistics__Output } from '../../recommender/v1/DatasetStatistics';
import type { HyperparameterChoice as _recommender_v1_HyperparameterChoice, HyperparameterChoice__Output as _recommender_v1_HyperparameterChoice__Output } from '../../recommender/v1/HyperparameterChoice';
import type { Long } from '@grpc/proto-loader';

export interface DatasetDescription {
  'interaction_count'?: (number | string | Long);
  'distinct_source_count'?: (number | string | Long);
  'distinct_target_count'?: (number | string | Long);
  'entity_count'?: (number | string | Long);
  'pair_count'?: (number | string | Long);
  'batch_ids'?: (string)[];
  'dropped_by_age'?: (number | string | Long);
  'dropped_by_filter'?: (number | string | Long);
  'statistics'?: (_recommender_v1_DatasetStatistics | null);
  'chosen_defaults'?: (_recommender_v1_HyperparameterChoice)[];
}

export interface DatasetDescription__Output {
  'interaction_count': (string);
  'distinct_source_count': (string);
  'distinct_target_count': (string);
  'entity_count': (string);
  'pair_count': (string);
  'batch_ids': (string)[];
  'dropped_by_age': (string);
  'dropped_by_filter': (string);
  'statistics': (_recommender_v1_DatasetStatistics__Output | null);
  'chosen_defaults': (_recommender_v1_HyperparameterChoice__Output)[];
}

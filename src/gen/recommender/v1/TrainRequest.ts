// Original file: proto/recommender/v1/recommender.proto

import type { TagMatch as _recommender_v1_TagMatch, TagMatch__Output as _recommender_v1_TagMatch__Output } from '../../recommender/v1/TagMatch';
import type { DataFilters as _recommender_v1_DataFilters, DataFilters__Output as _recommender_v1_DataFilters__Output } from '../../recommender/v1/DataFilters';
import type { Hyperparameters as _recommender_v1_Hyperparameters, Hyperparameters__Output as _recommender_v1_Hyperparameters__Output } from '../../recommender/v1/Hyperparameters';
import type { EvaluationOptions as _recommender_v1_EvaluationOptions, EvaluationOptions__Output as _recommender_v1_EvaluationOptions__Output } from '../../recommender/v1/EvaluationOptions';
import type { TuningOptions as _recommender_v1_TuningOptions, TuningOptions__Output as _recommender_v1_TuningOptions__Output } from '../../recommender/v1/TuningOptions';
import type { PromotePolicy as _recommender_v1_PromotePolicy, PromotePolicy__Output as _recommender_v1_PromotePolicy__Output } from '../../recommender/v1/PromotePolicy';

export interface TrainRequest {
  'model_id'?: (string);
  'maximum_interaction_age_days'?: (number);
  'data_tags'?: (string)[];
  'tag_match'?: (_recommender_v1_TagMatch);
  'data_filters'?: (_recommender_v1_DataFilters | null);
  'callback_url'?: (string);
  'hyperparameters'?: (_recommender_v1_Hyperparameters | null);
  'request_id'?: (string);
  'evaluation'?: (_recommender_v1_EvaluationOptions | null);
  'tuning'?: (_recommender_v1_TuningOptions | null);
  'promote'?: (_recommender_v1_PromotePolicy);
  'promote_tolerance'?: (number | string);
  'promote_metric'?: (string);
  '_maximum_interaction_age_days'?: "maximum_interaction_age_days";
  '_promote_tolerance'?: "promote_tolerance";
}

export interface TrainRequest__Output {
  'model_id': (string);
  'maximum_interaction_age_days'?: (number);
  'data_tags': (string)[];
  'tag_match': (_recommender_v1_TagMatch__Output);
  'data_filters': (_recommender_v1_DataFilters__Output | null);
  'callback_url': (string);
  'hyperparameters': (_recommender_v1_Hyperparameters__Output | null);
  'request_id': (string);
  'evaluation': (_recommender_v1_EvaluationOptions__Output | null);
  'tuning': (_recommender_v1_TuningOptions__Output | null);
  'promote': (_recommender_v1_PromotePolicy__Output);
  'promote_tolerance'?: (number);
  'promote_metric': (string);
  '_maximum_interaction_age_days'?: "maximum_interaction_age_days";
  '_promote_tolerance'?: "promote_tolerance";
}

// Original file: proto/recommender/v1/recommender.proto

import type { SearchRange as _recommender_v1_SearchRange, SearchRange__Output as _recommender_v1_SearchRange__Output } from '../../recommender/v1/SearchRange';

export interface TuningOptions {
  'max_trials'?: (number);
  'time_budget_seconds'?: (number);
  'metric'?: (string);
  'k'?: (number);
  'validation_fraction'?: (number | string);
  'seed'?: (number);
  'search'?: (_recommender_v1_SearchRange)[];
  '_max_trials'?: "max_trials";
  '_time_budget_seconds'?: "time_budget_seconds";
  '_k'?: "k";
  '_validation_fraction'?: "validation_fraction";
  '_seed'?: "seed";
}

export interface TuningOptions__Output {
  'max_trials'?: (number);
  'time_budget_seconds'?: (number);
  'metric': (string);
  'k'?: (number);
  'validation_fraction'?: (number);
  'seed'?: (number);
  'search': (_recommender_v1_SearchRange__Output)[];
  '_max_trials'?: "max_trials";
  '_time_budget_seconds'?: "time_budget_seconds";
  '_k'?: "k";
  '_validation_fraction'?: "validation_fraction";
  '_seed'?: "seed";
}

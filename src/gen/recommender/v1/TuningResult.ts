// Original file: proto/recommender/v1/recommender.proto

import type { TuningTrial as _recommender_v1_TuningTrial, TuningTrial__Output as _recommender_v1_TuningTrial__Output } from '../../recommender/v1/TuningTrial';
import type { Hyperparameters as _recommender_v1_Hyperparameters, Hyperparameters__Output as _recommender_v1_Hyperparameters__Output } from '../../recommender/v1/Hyperparameters';

export interface TuningResult {
  'metric'?: (string);
  'k'?: (number);
  'validation_fraction'?: (number | string);
  'trials'?: (_recommender_v1_TuningTrial)[];
  'best_trial'?: (number);
  'chosen'?: (_recommender_v1_Hyperparameters | null);
  'seconds'?: (number | string);
  'budget_exhausted'?: (boolean);
}

export interface TuningResult__Output {
  'metric': (string);
  'k': (number);
  'validation_fraction': (number);
  'trials': (_recommender_v1_TuningTrial__Output)[];
  'best_trial': (number);
  'chosen': (_recommender_v1_Hyperparameters__Output | null);
  'seconds': (number);
  'budget_exhausted': (boolean);
}

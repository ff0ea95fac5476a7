// Original file: proto/recommender/v1/recommender.proto

import type { Hyperparameters as _recommender_v1_Hyperparameters, Hyperparameters__Output as _recommender_v1_Hyperparameters__Output } from '../../recommender/v1/Hyperparameters';

export interface TuningTrial {
  'trial'?: (number);
  'hyperparameters'?: (_recommender_v1_Hyperparameters | null);
  'metric'?: (number | string);
  'iterations'?: (number);
  'state'?: (string);
  'seconds'?: (number | string);
  'phase'?: (string);
}

export interface TuningTrial__Output {
  'trial': (number);
  'hyperparameters': (_recommender_v1_Hyperparameters__Output | null);
  'metric': (number);
  'iterations': (number);
  'state': (string);
  'seconds': (number);
  'phase': (string);
}

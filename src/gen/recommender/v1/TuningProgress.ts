// Original file: proto/recommender/v1/recommender.proto


export interface TuningProgress {
  'trial'?: (number);
  'trials'?: (number);
  'metric'?: (string);
  'best_metric'?: (number | string);
  '_best_metric'?: "best_metric";
}

export interface TuningProgress__Output {
  'trial': (number);
  'trials': (number);
  'metric': (string);
  'best_metric'?: (number);
  '_best_metric'?: "best_metric";
}

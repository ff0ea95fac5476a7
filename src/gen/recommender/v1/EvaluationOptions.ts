// Original file: proto/recommender/v1/recommender.proto


export interface EvaluationOptions {
  'holdout_fraction'?: (number | string);
  'seed'?: (number);
  'k'?: (number);
  '_seed'?: "seed";
  '_k'?: "k";
}

export interface EvaluationOptions__Output {
  'holdout_fraction': (number);
  'seed'?: (number);
  'k'?: (number);
  '_seed'?: "seed";
  '_k'?: "k";
}

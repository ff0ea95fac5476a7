// Original file: proto/recommender/v1/recommender.proto


export interface HyperparameterChoice {
  'name'?: (string);
  'value'?: (string);
  'reason'?: (string);
}

export interface HyperparameterChoice__Output {
  'name': (string);
  'value': (string);
  'reason': (string);
}

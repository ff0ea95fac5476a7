// Original file: proto/recommender/v1/recommender.proto


export interface Distribution {
  'mean'?: (number | string);
  'min'?: (number | string);
  'q50'?: (number | string);
  'q90'?: (number | string);
  'q99'?: (number | string);
  'max'?: (number | string);
}

export interface Distribution__Output {
  'mean': (number);
  'min': (number);
  'q50': (number);
  'q90': (number);
  'q99': (number);
  'max': (number);
}

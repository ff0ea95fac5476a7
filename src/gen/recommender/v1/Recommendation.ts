// Original file: proto/recommender/v1/recommender.proto


export interface Recommendation {
  'target_id'?: (string);
  'score'?: (number | string);
  'rank'?: (number);
}

export interface Recommendation__Output {
  'target_id': (string);
  'score': (number);
  'rank': (number);
}

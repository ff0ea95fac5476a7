// Original file: proto/recommender/v1/recommender.proto


export interface FoldInInteraction {
  'target_id'?: (string);
  'weight'?: (number | string);
  'type'?: (string);
  '_weight'?: "weight";
}

export interface FoldInInteraction__Output {
  'target_id': (string);
  'weight'?: (number);
  'type': (string);
  '_weight'?: "weight";
}

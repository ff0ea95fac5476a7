// Original file: proto/recommender/v1/recommender.proto

import type { Recommendation as _recommender_v1_Recommendation, Recommendation__Output as _recommender_v1_Recommendation__Output } from '../../recommender/v1/Recommendation';

export interface SimilarItemsResponse {
  'target_id'?: (string);
  'similar'?: (_recommender_v1_Recommendation)[];
  'model_id'?: (string);
}

export interface SimilarItemsResponse__Output {
  'target_id': (string);
  'similar': (_recommender_v1_Recommendation__Output)[];
  'model_id': (string);
}

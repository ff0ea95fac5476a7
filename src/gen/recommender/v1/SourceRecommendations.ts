// Original file: proto/recommender/v1/recommender.proto

import type { Recommendation as _recommender_v1_Recommendation, Recommendation__Output as _recommender_v1_Recommendation__Output } from '../../recommender/v1/Recommendation';

export interface SourceRecommendations {
  'source_id'?: (string);
  'recommendations'?: (_recommender_v1_Recommendation)[];
  'strategy'?: (string);
}

export interface SourceRecommendations__Output {
  'source_id': (string);
  'recommendations': (_recommender_v1_Recommendation__Output)[];
  'strategy': (string);
}

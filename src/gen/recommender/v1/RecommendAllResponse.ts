// Original file: proto/recommender/v1/recommender.proto

import type { SourceRecommendations as _recommender_v1_SourceRecommendations, SourceRecommendations__Output as _recommender_v1_SourceRecommendations__Output } from '../../recommender/v1/SourceRecommendations';

export interface RecommendAllResponse {
  'results'?: (_recommender_v1_SourceRecommendations)[];
}

export interface RecommendAllResponse__Output {
  'results': (_recommender_v1_SourceRecommendations__Output)[];
}

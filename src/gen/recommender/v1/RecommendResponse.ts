// Original file: proto/recommender/v1/recommender.proto

import type { SourceRecommendations as _recommender_v1_SourceRecommendations, SourceRecommendations__Output as _recommender_v1_SourceRecommendations__Output } from '../../recommender/v1/SourceRecommendations';

export interface RecommendResponse {
  'results'?: (_recommender_v1_SourceRecommendations)[];
  'model_id'?: (string);
  'job_id'?: (string);
}

export interface RecommendResponse__Output {
  'results': (_recommender_v1_SourceRecommendations__Output)[];
  'model_id': (string);
  'job_id': (string);
}

// Original file: proto/recommender/v1/recommender.proto

import type { Model as _recommender_v1_Model, Model__Output as _recommender_v1_Model__Output } from '../../recommender/v1/Model';

export interface ListModelsResponse {
  'models'?: (_recommender_v1_Model)[];
  'next_page_token'?: (string);
}

export interface ListModelsResponse__Output {
  'models': (_recommender_v1_Model__Output)[];
  'next_page_token': (string);
}

// Original file: proto/recommender/v1/recommender.proto

import type { ModelVersion as _recommender_v1_ModelVersion, ModelVersion__Output as _recommender_v1_ModelVersion__Output } from '../../recommender/v1/ModelVersion';

export interface ListModelVersionsResponse {
  'versions'?: (_recommender_v1_ModelVersion)[];
}

export interface ListModelVersionsResponse__Output {
  'versions': (_recommender_v1_ModelVersion__Output)[];
}

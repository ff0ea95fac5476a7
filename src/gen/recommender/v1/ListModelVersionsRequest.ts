// Original file: proto/recommender/v1/recommender.proto


export interface ListModelVersionsRequest {
  'model_id'?: (string);
}

export interface ListModelVersionsRequest__Output {
  'model_id': (string);
}

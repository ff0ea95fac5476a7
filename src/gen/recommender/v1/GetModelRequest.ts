// Original file: proto/recommender/v1/recommender.proto


export interface GetModelRequest {
  'model_id'?: (string);
}

export interface GetModelRequest__Output {
  'model_id': (string);
}

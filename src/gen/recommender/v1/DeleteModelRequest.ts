// Original file: proto/recommender/v1/recommender.proto


export interface DeleteModelRequest {
  'model_id'?: (string);
  'force'?: (boolean);
}

export interface DeleteModelRequest__Output {
  'model_id': (string);
  'force': (boolean);
}

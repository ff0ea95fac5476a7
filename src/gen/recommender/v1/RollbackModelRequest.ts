// Original file: proto/recommender/v1/recommender.proto


export interface RollbackModelRequest {
  'model_id'?: (string);
  'version'?: (number);
}

export interface RollbackModelRequest__Output {
  'model_id': (string);
  'version': (number);
}

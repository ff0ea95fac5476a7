// Original file: proto/recommender/v1/recommender.proto


export interface CancelTrainingRequest {
  'model_id'?: (string);
  'job_id'?: (string);
}

export interface CancelTrainingRequest__Output {
  'model_id': (string);
  'job_id': (string);
}

// Original file: proto/recommender/v1/recommender.proto


export interface GetStatusRequest {
  'model_id'?: (string);
  'job_id'?: (string);
}

export interface GetStatusRequest__Output {
  'model_id': (string);
  'job_id': (string);
}

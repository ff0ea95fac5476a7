// Original file: proto/recommender/v1/recommender.proto


export interface DeleteModelResponse {
  'model_id'?: (string);
  'deleted_versions'?: (number)[];
  'cancelled_job_id'?: (string);
}

export interface DeleteModelResponse__Output {
  'model_id': (string);
  'deleted_versions': (number)[];
  'cancelled_job_id': (string);
}

// Original file: proto/recommender/v1/recommender.proto


export interface WatchStatusRequest {
  'model_id'?: (string);
  'job_id'?: (string);
  'heartbeat_ms'?: (number);
}

export interface WatchStatusRequest__Output {
  'model_id': (string);
  'job_id': (string);
  'heartbeat_ms': (number);
}

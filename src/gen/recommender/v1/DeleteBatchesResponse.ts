// Original file: proto/recommender/v1/recommender.proto


export interface DeleteBatchesResponse {
  'deleted_batch_ids'?: (string)[];
}

export interface DeleteBatchesResponse__Output {
  'deleted_batch_ids': (string)[];
}

// Original file: proto/recommender/v1/recommender.proto


export interface DeleteBatchesRequest {
  'batch_ids'?: (string)[];
  'tags'?: (string)[];
  'allow_missing'?: (boolean);
}

export interface DeleteBatchesRequest__Output {
  'batch_ids': (string)[];
  'tags': (string)[];
  'allow_missing': (boolean);
}

// Original file: proto/recommender/v1/recommender.proto

import type { BatchKind as _recommender_v1_BatchKind, BatchKind__Output as _recommender_v1_BatchKind__Output } from '../../recommender/v1/BatchKind';

export interface ListBatchesRequest {
  'batch_ids'?: (string)[];
  'tags'?: (string)[];
  'kind'?: (_recommender_v1_BatchKind);
  'page_size'?: (number);
  'page_token'?: (string);
}

export interface ListBatchesRequest__Output {
  'batch_ids': (string)[];
  'tags': (string)[];
  'kind': (_recommender_v1_BatchKind__Output);
  'page_size': (number);
  'page_token': (string);
}

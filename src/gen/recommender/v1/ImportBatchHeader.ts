// Original file: proto/recommender/v1/recommender.proto

import type { BatchKind as _recommender_v1_BatchKind, BatchKind__Output as _recommender_v1_BatchKind__Output } from '../../recommender/v1/BatchKind';

export interface ImportBatchHeader {
  'kind'?: (_recommender_v1_BatchKind);
  'tags'?: (string)[];
  'request_id'?: (string);
}

export interface ImportBatchHeader__Output {
  'kind': (_recommender_v1_BatchKind__Output);
  'tags': (string)[];
  'request_id': (string);
}

// Original file: proto/recommender/v1/recommender.proto

import type { Batch as _recommender_v1_Batch, Batch__Output as _recommender_v1_Batch__Output } from '../../recommender/v1/Batch';
import type { Long } from '@grpc/proto-loader';

export interface ListBatchesResponse {
  'batches'?: (_recommender_v1_Batch)[];
  'next_page_token'?: (string);
  'total_size'?: (number | string | Long);
}

export interface ListBatchesResponse__Output {
  'batches': (_recommender_v1_Batch__Output)[];
  'next_page_token': (string);
  'total_size': (string);
}

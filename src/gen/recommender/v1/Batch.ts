// Original file: proto/recommender/v1/recommender.proto

import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp';
import type { BatchKind as _recommender_v1_BatchKind, BatchKind__Output as _recommender_v1_BatchKind__Output } from '../../recommender/v1/BatchKind';
import type { Long } from '@grpc/proto-loader';

export interface Batch {
  'batch_id'?: (string);
  'timestamp'?: (_google_protobuf_Timestamp | null);
  'tags'?: (string)[];
  'kind'?: (_recommender_v1_BatchKind);
  'entity_count'?: (number | string | Long);
  'interaction_count'?: (number | string | Long);
  'bytes'?: (number | string | Long);
  'min_interaction_time'?: (_google_protobuf_Timestamp | null);
  'max_interaction_time'?: (_google_protobuf_Timestamp | null);
  'distinct_source_count'?: (number | string | Long);
  'distinct_target_count'?: (number | string | Long);
  'request_id'?: (string);
  'untimestamped_count'?: (number | string | Long);
}

export interface Batch__Output {
  'batch_id': (string);
  'timestamp': (_google_protobuf_Timestamp__Output | null);
  'tags': (string)[];
  'kind': (_recommender_v1_BatchKind__Output);
  'entity_count': (string);
  'interaction_count': (string);
  'bytes': (string);
  'min_interaction_time': (_google_protobuf_Timestamp__Output | null);
  'max_interaction_time': (_google_protobuf_Timestamp__Output | null);
  'distinct_source_count': (string);
  'distinct_target_count': (string);
  'request_id': (string);
  'untimestamped_count': (string);
}

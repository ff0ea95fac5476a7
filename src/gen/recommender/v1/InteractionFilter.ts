// Original file: proto/recommender/v1/recommender.proto

import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp';
import type { MetadataCondition as _recommender_v1_MetadataCondition, MetadataCondition__Output as _recommender_v1_MetadataCondition__Output } from '../../recommender/v1/MetadataCondition';

export interface InteractionFilter {
  'types'?: (string)[];
  'min_weight'?: (number | string);
  'max_weight'?: (number | string);
  'min_timestamp'?: (_google_protobuf_Timestamp | null);
  'max_timestamp'?: (_google_protobuf_Timestamp | null);
  'metadata'?: (_recommender_v1_MetadataCondition)[];
  '_min_weight'?: "min_weight";
  '_max_weight'?: "max_weight";
}

export interface InteractionFilter__Output {
  'types': (string)[];
  'min_weight'?: (number);
  'max_weight'?: (number);
  'min_timestamp': (_google_protobuf_Timestamp__Output | null);
  'max_timestamp': (_google_protobuf_Timestamp__Output | null);
  'metadata': (_recommender_v1_MetadataCondition__Output)[];
  '_min_weight'?: "min_weight";
  '_max_weight'?: "max_weight";
}

// Original file: proto/recommender/v1/recommender.proto

import type { Long } from '@grpc/proto-loader';

export interface AnnIndex {
  'kind'?: (string);
  'recall_at_10'?: (number | string);
  'build_seconds'?: (number | string);
  'bytes'?: (number | string | Long);
  'threshold_targets'?: (number | string | Long);
  'state'?: (string);
  'breadth'?: (number);
}

export interface AnnIndex__Output {
  'kind': (string);
  'recall_at_10': (number);
  'build_seconds': (number);
  'bytes': (string);
  'threshold_targets': (string);
  'state': (string);
  'breadth': (number);
}

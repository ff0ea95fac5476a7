// Original file: proto/recommender/v1/recommender.proto

import type { Long } from '@grpc/proto-loader';

export interface DataCounts {
  'interactions'?: (number | string | Long);
  'pairs'?: (number | string | Long);
  'sources'?: (number | string | Long);
  'targets'?: (number | string | Long);
  'entities'?: (number | string | Long);
  'dropped_by_age'?: (number | string | Long);
  'dropped_by_filter'?: (number | string | Long);
}

export interface DataCounts__Output {
  'interactions': (string);
  'pairs': (string);
  'sources': (string);
  'targets': (string);
  'entities': (string);
  'dropped_by_age': (string);
  'dropped_by_filter': (string);
}

// Original file: proto/recommender/v1/recommender.proto

import type { Long } from '@grpc/proto-loader';

export interface ExportModelHeader {
  'model_id'?: (string);
  'version'?: (number);
  'job_id'?: (string);
  'factors'?: (number);
  'source_count'?: (number | string | Long);
  'target_count'?: (number | string | Long);
}

export interface ExportModelHeader__Output {
  'model_id': (string);
  'version': (number);
  'job_id': (string);
  'factors': (number);
  'source_count': (string);
  'target_count': (string);
}

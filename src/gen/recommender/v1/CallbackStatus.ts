// Original file: proto/recommender/v1/recommender.proto

import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp';

export interface CallbackStatus {
  'url'?: (string);
  'state'?: (string);
  'attempts'?: (number);
  'last_http_status'?: (number);
  'last_error'?: (string);
  'next_attempt_time'?: (_google_protobuf_Timestamp | null);
  'webhook_id'?: (string);
}

export interface CallbackStatus__Output {
  'url': (string);
  'state': (string);
  'attempts': (number);
  'last_http_status': (number);
  'last_error': (string);
  'next_attempt_time': (_google_protobuf_Timestamp__Output | null);
  'webhook_id': (string);
}

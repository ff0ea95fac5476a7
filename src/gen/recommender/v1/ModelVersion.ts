// Original file: proto/recommender/v1/recommender.proto

import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp';
import type { Hyperparameters as _recommender_v1_Hyperparameters, Hyperparameters__Output as _recommender_v1_Hyperparameters__Output } from '../../recommender/v1/Hyperparameters';
import type { Evaluation as _recommender_v1_Evaluation, Evaluation__Output as _recommender_v1_Evaluation__Output } from '../../recommender/v1/Evaluation';
import type { Long } from '@grpc/proto-loader';

export interface ModelVersion {
  'model_id'?: (string);
  'version'?: (number);
  'job_id'?: (string);
  'trained_time'?: (_google_protobuf_Timestamp | null);
  'serving'?: (boolean);
  'factors'?: (number);
  'source_count'?: (number | string | Long);
  'target_count'?: (number | string | Long);
  'backend'?: (string);
  'hyperparameters'?: (_recommender_v1_Hyperparameters | null);
  'evaluation'?: (_recommender_v1_Evaluation | null);
  'batch_ids'?: (string)[];
  'promotion'?: (string);
}

export interface ModelVersion__Output {
  'model_id': (string);
  'version': (number);
  'job_id': (string);
  'trained_time': (_google_protobuf_Timestamp__Output | null);
  'serving': (boolean);
  'factors': (number);
  'source_count': (string);
  'target_count': (string);
  'backend': (string);
  'hyperparameters': (_recommender_v1_Hyperparameters__Output | null);
  'evaluation': (_recommender_v1_Evaluation__Output | null);
  'batch_ids': (string)[];
  'promotion': (string);
}

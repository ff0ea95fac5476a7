// Original file: proto/recommender/v1/recommender.proto

import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp';
import type { JobStatus as _recommender_v1_JobStatus, JobStatus__Output as _recommender_v1_JobStatus__Output } from '../../recommender/v1/JobStatus';
import type { DataCounts as _recommender_v1_DataCounts, DataCounts__Output as _recommender_v1_DataCounts__Output } from '../../recommender/v1/DataCounts';
import type { CallbackStatus as _recommender_v1_CallbackStatus, CallbackStatus__Output as _recommender_v1_CallbackStatus__Output } from '../../recommender/v1/CallbackStatus';
import type { Evaluation as _recommender_v1_Evaluation, Evaluation__Output as _recommender_v1_Evaluation__Output } from '../../recommender/v1/Evaluation';
import type { TuningProgress as _recommender_v1_TuningProgress, TuningProgress__Output as _recommender_v1_TuningProgress__Output } from '../../recommender/v1/TuningProgress';
import type { Long } from '@grpc/proto-loader';

export interface TrainingStatus {
  'model_id'?: (string);
  'start_time'?: (_google_protobuf_Timestamp | null);
  'end_time'?: (_google_protobuf_Timestamp | null);
  'status'?: (_recommender_v1_JobStatus);
  'error'?: (string);
  'progress'?: (number | string);
  'batch_ids'?: (string)[];
  'job_id'?: (string);
  'iteration'?: (number);
  'total_iterations'?: (number);
  'loss'?: (number | string);
  'eta_seconds'?: (number | string);
  'backend'?: (string);
  'device'?: (string);
  'data'?: (_recommender_v1_DataCounts | null);
  'sequence'?: (number | string | Long);
  'heartbeat'?: (boolean);
  'create_time'?: (_google_protobuf_Timestamp | null);
  'callback'?: (_recommender_v1_CallbackStatus | null);
  'evaluation'?: (_recommender_v1_Evaluation | null);
  'request_id'?: (string);
  'phase'?: (string);
  'tuning'?: (_recommender_v1_TuningProgress | null);
  'version'?: (number);
  'promoted'?: (boolean);
  'promotion'?: (string);
  '_loss'?: "loss";
  '_eta_seconds'?: "eta_seconds";
}

export interface TrainingStatus__Output {
  'model_id': (string);
  'start_time': (_google_protobuf_Timestamp__Output | null);
  'end_time': (_google_protobuf_Timestamp__Output | null);
  'status': (_recommender_v1_JobStatus__Output);
  'error': (string);
  'progress': (number);
  'batch_ids': (string)[];
  'job_id': (string);
  'iteration': (number);
  'total_iterations': (number);
  'loss'?: (number);
  'eta_seconds'?: (number);
  'backend': (string);
  'device': (string);
  'data': (_recommender_v1_DataCounts__Output | null);
  'sequence': (string);
  'heartbeat': (boolean);
  'create_time': (_google_protobuf_Timestamp__Output | null);
  'callback': (_recommender_v1_CallbackStatus__Output | null);
  'evaluation': (_recommender_v1_Evaluation__Output | null);
  'request_id': (string);
  'phase': (string);
  'tuning': (_recommender_v1_TuningProgress__Output | null);
  'version': (number);
  'promoted': (boolean);
  'promotion': (string);
  '_loss'?: "loss";
  '_eta_seconds'?: "eta_seconds";
}

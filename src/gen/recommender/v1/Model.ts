// Original file: proto/recommender/v1/recommender.proto

import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp';
import type { Hyperparameters as _recommender_v1_Hyperparameters, Hyperparameters__Output as _recommender_v1_Hyperparameters__Output } from '../../recommender/v1/Hyperparameters';
import type { Evaluation as _recommender_v1_Evaluation, Evaluation__Output as _recommender_v1_Evaluation__Output } from '../../recommender/v1/Evaluation';
import type { TrainingStatus as _recommender_v1_TrainingStatus, TrainingStatus__Output as _recommender_v1_TrainingStatus__Output } from '../../recommender/v1/TrainingStatus';
import type { HyperparameterChoice as _recommender_v1_HyperparameterChoice, HyperparameterChoice__Output as _recommender_v1_HyperparameterChoice__Output } from '../../recommender/v1/HyperparameterChoice';
import type { TuningResult as _recommender_v1_TuningResult, TuningResult__Output as _recommender_v1_TuningResult__Output } from '../../recommender/v1/TuningResult';
import type { AnnIndex as _recommender_v1_AnnIndex, AnnIndex__Output as _recommender_v1_AnnIndex__Output } from '../../recommender/v1/AnnIndex';
import type { Long } from '@grpc/proto-loader';

export interface Model {
  'model_id'?: (string);
  'job_id'?: (string);
  'trained_time'?: (_google_protobuf_Timestamp | null);
  'factors'?: (number);
  'source_count'?: (number | string | Long);
  'target_count'?: (number | string | Long);
  'backend'?: (string);
  'device'?: (string);
  'batch_ids'?: (string)[];
  'hyperparameters'?: (_recommender_v1_Hyperparameters | null);
  'evaluation'?: (_recommender_v1_Evaluation | null);
  'loss_curve'?: (number | string)[];
  'train_seconds'?: (number | string);
  'latest_job'?: (_recommender_v1_TrainingStatus | null);
  'serving'?: (boolean);
  'chosen'?: (_recommender_v1_HyperparameterChoice)[];
  'tuning'?: (_recommender_v1_TuningResult | null);
  'version'?: (number);
  'ann'?: (_recommender_v1_AnnIndex | null);
}

export interface Model__Output {
  'model_id': (string);
  'job_id': (string);
  'trained_time': (_google_protobuf_Timestamp__Output | null);
  'factors': (number);
  'source_count': (string);
  'target_count': (string);
  'backend': (string);
  'device': (string);
  'batch_ids': (string)[];
  'hyperparameters': (_recommender_v1_Hyperparameters__Output | null);
  'evaluation': (_recommender_v1_Evaluation__Output | null);
  'loss_curve': (number)[];
  'train_seconds': (number);
  'latest_job': (_recommender_v1_TrainingStatus__Output | null);
  'serving': (boolean);
  'chosen': (_recommender_v1_HyperparameterChoice__Output)[];
  'tuning': (_recommender_v1_TuningResult__Output | null);
  'version': (number);
  'ann': (_recommender_v1_AnnIndex__Output | null);
}

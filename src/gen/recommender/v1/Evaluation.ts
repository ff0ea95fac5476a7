// Original file: proto/recommender/v1/recommender.proto

import type { RankingMetrics as _recommender_v1_RankingMetrics, RankingMetrics__Output as _recommender_v1_RankingMetrics__Output } from '../../recommender/v1/RankingMetrics';
import type { Long } from '@grpc/proto-loader';

export interface Evaluation {
  'k'?: (number);
  'holdout_fraction'?: (number | string);
  'seed'?: (number);
  'test_interactions'?: (number | string | Long);
  'test_sources'?: (number | string | Long);
  'model'?: (_recommender_v1_RankingMetrics | null);
  'baseline'?: (_recommender_v1_RankingMetrics | null);
}

export interface Evaluation__Output {
  'k': (number);
  'holdout_fraction': (number);
  'seed': (number);
  'test_interactions': (string);
  'test_sources': (string);
  'model': (_recommender_v1_RankingMetrics__Output | null);
  'baseline': (_recommender_v1_RankingMetrics__Output | null);
}

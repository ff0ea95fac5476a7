// Original file: proto/recommender/v1/recommender.proto


export interface RankingMetrics {
  'precision_at_k'?: (number | string);
  'recall_at_k'?: (number | string);
  'ndcg_at_k'?: (number | string);
  'map_at_k'?: (number | string);
  'catalog_coverage'?: (number | string);
}

export interface RankingMetrics__Output {
  'precision_at_k': (number);
  'recall_at_k': (number);
  'ndcg_at_k': (number);
  'map_at_k': (number);
  'catalog_coverage': (number);
}

// Original file: proto/recommender/v1/recommender.proto

import type { InteractionFilter as _recommender_v1_InteractionFilter, InteractionFilter__Output as _recommender_v1_InteractionFilter__Output } from '../../recommender/v1/InteractionFilter';
import type { EntityFilter as _recommender_v1_EntityFilter, EntityFilter__Output as _recommender_v1_EntityFilter__Output } from '../../recommender/v1/EntityFilter';
import type { UnknownEntityPolicy as _recommender_v1_UnknownEntityPolicy, UnknownEntityPolicy__Output as _recommender_v1_UnknownEntityPolicy__Output } from '../../recommender/v1/UnknownEntityPolicy';

export interface DataFilters {
  'interactions'?: (_recommender_v1_InteractionFilter | null);
  'entities'?: (_recommender_v1_EntityFilter | null);
  'unknown_entities'?: (_recommender_v1_UnknownEntityPolicy);
}

export interface DataFilters__Output {
  'interactions': (_recommender_v1_InteractionFilter__Output | null);
  'entities': (_recommender_v1_EntityFilter__Output | null);
  'unknown_entities': (_recommender_v1_UnknownEntityPolicy__Output);
}

// Original file: proto/recommender/v1/recommender.proto

import type { ImportBatchHeader as _recommender_v1_ImportBatchHeader, ImportBatchHeader__Output as _recommender_v1_ImportBatchHeader__Output } from '../../recommender/v1/ImportBatchHeader';

export interface ImportBatchRequest {
  'header'?: (_recommender_v1_ImportBatchHeader | null);
  'arrow_chunk'?: (Buffer | Uint8Array | string);
  'payload'?: "header"|"arrow_chunk";
}

export interface ImportBatchRequest__Output {
  'header'?: (_recommender_v1_ImportBatchHeader__Output | null);
  'arrow_chunk'?: (Buffer);
  'payload'?: "header"|"arrow_chunk";
}

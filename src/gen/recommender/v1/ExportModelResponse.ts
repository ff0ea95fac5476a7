// Original file: proto/recommender/v1/recommender.proto

import type { ExportModelHeader as _recommender_v1_ExportModelHeader, ExportModelHeader__Output as _recommender_v1_ExportModelHeader__Output } from '../../recommender/v1/ExportModelHeader';

export interface ExportModelResponse {
  'header'?: (_recommender_v1_ExportModelHeader | null);
  'arrow_chunk'?: (Buffer | Uint8Array | string);
  'payload'?: "header"|"arrow_chunk";
}

export interface ExportModelResponse__Output {
  'header'?: (_recommender_v1_ExportModelHeader__Output | null);
  'arrow_chunk'?: (Buffer);
  'payload'?: "header"|"arrow_chunk";
}

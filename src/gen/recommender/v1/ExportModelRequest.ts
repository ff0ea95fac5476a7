// Original file: proto/recommender/v1/recommender.proto


export interface ExportModelRequest {
  'model_id'?: (string);
  'version'?: (number);
  '_version'?: "version";
}

export interface ExportModelRequest__Output {
  'model_id': (string);
  'version'?: (number);
  '_version'?: "version";
}

// Original file: proto/recommender/v1/recommender.proto


export interface MetadataCondition {
  'key'?: (string);
  'values'?: (string)[];
}

export interface MetadataCondition__Output {
  'key': (string);
  'values': (string)[];
}

// Original file: proto/recommender/v1/recommender.proto


export interface SearchRange {
  'name'?: (string);
  'min'?: (number | string);
  'max'?: (number | string);
  'log'?: (boolean);
  'values'?: (number | string)[];
  '_min'?: "min";
  '_max'?: "max";
}

export interface SearchRange__Output {
  'name': (string);
  'min'?: (number);
  'max'?: (number);
  'log': (boolean);
  'values': (number)[];
  '_min'?: "min";
  '_max'?: "max";
}

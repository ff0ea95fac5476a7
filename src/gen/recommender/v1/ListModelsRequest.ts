// Original file: proto/recommender/v1/recommender.proto


export interface ListModelsRequest {
  'page_size'?: (number);
  'page_token'?: (string);
}

export interface ListModelsRequest__Output {
  'page_size': (number);
  'page_token': (string);
}

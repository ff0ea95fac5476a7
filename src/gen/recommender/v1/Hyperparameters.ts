// Original file: proto/recommender/v1/recommender.proto


export interface Hyperparameters {
  'factors'?: (number);
  'regularization'?: (number | string);
  'alpha'?: (number | string);
  'iterations'?: (number);
  'cg_steps'?: (number);
  'seed'?: (number);
  'type_weights'?: ({[key: string]: number | string});
  'log_scaling'?: (boolean);
  'log_epsilon'?: (number | string);
  'backend'?: (string);
  'workers'?: (number);
  'regularization_exponent'?: (number | string);
  'unobserved_weight'?: (number | string);
  'solver'?: (string);
  'block_size'?: (number);
  'regularization_frequency_weight'?: (number | string);
  '_factors'?: "factors";
  '_regularization'?: "regularization";
  '_alpha'?: "alpha";
  '_iterations'?: "iterations";
  '_cg_steps'?: "cg_steps";
  '_seed'?: "seed";
  '_log_scaling'?: "log_scaling";
  '_log_epsilon'?: "log_epsilon";
  '_workers'?: "workers";
  '_regularization_exponent'?: "regularization_exponent";
  '_unobserved_weight'?: "unobserved_weight";
  '_block_size'?: "block_size";
  '_regularization_frequency_weight'?: "regularization_frequency_weight";
}

export interface Hyperparameters__Output {
  'factors'?: (number);
  'regularization'?: (number);
  'alpha'?: (number);
  'iterations'?: (number);
  'cg_steps'?: (number);
  'seed'?: (number);
  'type_weights': ({[key: string]: number});
  'log_scaling'?: (boolean);
  'log_epsilon'?: (number);
  'backend': (string);
  'workers'?: (number);
  'regularization_exponent'?: (number);
  'unobserved_weight'?: (number);
  'solver': (string);
  'block_size'?: (number);
  'regularization_frequency_weight'?: (number);
  '_factors'?: "factors";
  '_regularization'?: "regularization";
  '_alpha'?: "alpha";
  '_iterations'?: "iterations";
  '_cg_steps'?: "cg_steps";
  '_seed'?: "seed";
  '_log_scaling'?: "log_scaling";
  '_log_epsilon'?: "log_epsilon";
  '_workers'?: "workers";
  '_regularization_exponent'?: "regularization_exponent";
  '_unobserved_weight'?: "unobserved_weight";
  '_block_size'?: "block_size";
  '_regularization_frequency_weight'?: "regularization_frequency_weight";
}

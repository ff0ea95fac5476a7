import * as errors from '../errors.js';
import type { CompiledAlsOptions } from './options.js';
import type { AlsResult, CsrMatrix, TrainProgress } from './types.js';

/** Messages between `trainInWorker` (parent) and train-worker.ts. */
export type ToWorker = { type: 'start'; matrix: CsrMatrix; options: CompiledAlsOptions } | { type: 'abort' };
export type FromWorker =
  | { type: 'progress'; progress: TrainProgress }
  | { type: 'log'; msg: string; fields?: Record<string, unknown> }
  | { type: 'result'; result: AlsResult }
  | { type: 'error'; error: SerializedError };

export interface SerializedError {
  name: string;
  message: string;
  field?: string;
  stack?: string;
}

export function serializeError(err: unknown): SerializedError {
  if (err instanceof Error) {
    return { name: err.name, message: err.message, field: (err as { field?: string }).field, stack: err.stack };
  }
  return { name: 'Error', message: String(err) };
}

type DomainErrorClass = new (message: string, details?: errors.ErrorDetails) => errors.RecommenderError;
const DOMAIN: Record<string, DomainErrorClass> = {
  InvalidArgumentError: errors.InvalidArgumentError,
  NotFoundError: errors.NotFoundError,
  FailedPreconditionError: errors.FailedPreconditionError,
  ResourceExhaustedError: errors.ResourceExhaustedError,
  CancelledError: errors.CancelledError,
  TrainingDivergedError: errors.TrainingDivergedError,
  UnavailableError: errors.UnavailableError,
  InternalError: errors.InternalError,
};

/**
 * The same domain error class as in the worker; anything else becomes an InternalError. `where` names the
 * worker in messages and stacks (any worker thread of the service may use this pair).
 */
export function deserializeError(e: SerializedError, where = 'training worker'): Error {
  const Cls = DOMAIN[e.name];
  const err = Cls ? new Cls(e.message, { field: e.field }) : new errors.InternalError(`${where} failed: ${e.name}: ${e.message}`);
  if (e.stack) err.stack = `${err.name}: ${err.message}\n    (in ${where})\n${e.stack.split('\n').slice(1).join('\n')}`;
  return err;
}

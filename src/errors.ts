/**
 * Domain errors. Every layer throws these (never gRPC statuses); `transport/grpc-status.ts` is the one
 * place that maps them to gRPC status codes. Each carries an optional `cause` and, where the error is
 * about one input, the `field` (request field, Arrow column or row) it is about.
 */
export interface ErrorDetails {
  /** The request field, Arrow column or row the error is about, e.g. `hyperparameters.factors`. */
  field?: string;
  cause?: unknown;
}

export abstract class RecommenderError extends Error {
  readonly field?: string;
  constructor(message: string, details: ErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = new.target.name;
    this.field = details.field;
  }
}

/** The request is malformed or names something invalid (bad Arrow bytes, missing column, bad filter). */
export class InvalidArgumentError extends RecommenderError {}
/** A named batch, model or job does not exist. */
export class NotFoundError extends RecommenderError {}
/** Something with that identity exists already. */
export class AlreadyExistsError extends RecommenderError {}
/** The system is not in a state that allows the call (e.g. no trained model yet). */
export class FailedPreconditionError extends RecommenderError {}
/** A conflict with concurrent work (e.g. the model is already training). */
export class AbortedError extends RecommenderError {}
/** A configured limit was exceeded (upload size, queue length). */
export class ResourceExhaustedError extends RecommenderError {}
/** No or a wrong API key. */
export class UnauthenticatedError extends RecommenderError {}
/** Transient: shutting down, try again later. */
export class UnavailableError extends RecommenderError {}
/** The operation was cancelled by its caller. */
export class CancelledError extends RecommenderError {}
/** Training diverged (NaN/Inf) or another numeric failure of the engine. */
export class TrainingDivergedError extends RecommenderError {}
/** A bug or an unexpected failure of our own. */
export class InternalError extends RecommenderError {}

/** How much of a caller's id (or other value) an error message repeats. */
export const MAX_ECHOED_CHARS = 128;

/**
 * A caller-given value for an error message: in double quotes, cut after MAX_ECHOED_CHARS characters (saying
 * how long it was), so a huge id still gets its NOT_FOUND / INVALID_ARGUMENT instead of a status too big to send.
 */
export function echo(value: string): string {
  const s = String(value);
  return s.length <= MAX_ECHOED_CHARS ? `"${s}"` : `"${s.slice(0, MAX_ECHOED_CHARS)}..." (${s.length} characters)`;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** An error as it crosses a thread boundary (worker-rpc.ts). */
export interface SerializedError {
  name: string;
  message: string;
  field?: string;
  stack?: string;
}

export function serializeError(err: unknown): SerializedError {
  if (err instanceof Error) return { name: err.name, message: err.message, field: (err as { field?: string }).field, stack: err.stack };
  return { name: 'Error', message: String(err) };
}

type DomainErrorClass = new (message: string, details?: ErrorDetails) => RecommenderError;
const DOMAIN: Record<string, DomainErrorClass> = {
  InvalidArgumentError, NotFoundError, AlreadyExistsError, FailedPreconditionError, AbortedError, ResourceExhaustedError,
  UnauthenticatedError, UnavailableError, CancelledError, TrainingDivergedError, InternalError,
};

/**
 * The same domain error class as on the other side of the thread boundary; anything else becomes an
 * InternalError. `where` names the worker in messages and stacks.
 */
export function deserializeError(e: SerializedError, where: string): Error {
  const Cls = DOMAIN[e.name];
  const err = Cls ? new Cls(e.message, { field: e.field }) : new InternalError(`${where} failed: ${e.name}: ${e.message}`);
  if (e.stack) err.stack = `${err.name}: ${err.message}\n    (in ${where})\n${e.stack.split('\n').slice(1).join('\n')}`;
  return err;
}

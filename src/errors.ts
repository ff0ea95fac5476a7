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

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

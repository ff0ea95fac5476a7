import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import {
  AbortedError, AlreadyExistsError, CancelledError, FailedPreconditionError, InvalidArgumentError,
  NotFoundError, RecommenderError, ResourceExhaustedError, TrainingDivergedError, UnauthenticatedError,
  UnavailableError,
} from '../errors.js';

/** The one mapping from domain errors to gRPC status codes. Unknown errors are INTERNAL. */
export function grpcCodeOf(err: unknown): status {
  if (err instanceof InvalidArgumentError) return status.INVALID_ARGUMENT;
  if (err instanceof NotFoundError) return status.NOT_FOUND;
  if (err instanceof AlreadyExistsError) return status.ALREADY_EXISTS;
  if (err instanceof FailedPreconditionError) return status.FAILED_PRECONDITION;
  if (err instanceof TrainingDivergedError) return status.FAILED_PRECONDITION;
  if (err instanceof AbortedError) return status.ABORTED;
  if (err instanceof ResourceExhaustedError) return status.RESOURCE_EXHAUSTED;
  if (err instanceof UnauthenticatedError) return status.UNAUTHENTICATED;
  if (err instanceof UnavailableError) return status.UNAVAILABLE;
  if (err instanceof CancelledError) return status.CANCELLED;
  return status.INTERNAL;
}

/** A grpc-js ServiceError for `err`; the field (if any) also travels as `field` trailing metadata. */
export function toServiceError(err: unknown): Partial<ServiceError> {
  const code = grpcCodeOf(err);
  const metadata = new Metadata();
  let details: string;
  if (err instanceof RecommenderError) {
    details = err.message;
    if (err.field) metadata.set('field', err.field);
  } else {
    details = code === status.INTERNAL ? `internal error: ${err instanceof Error ? err.message : String(err)}` : String(err);
  }
  return { code, details, metadata };
}

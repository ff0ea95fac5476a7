import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import {
  AbortedError, AlreadyExistsError, CancelledError, FailedPreconditionError, InvalidArgumentError,
  NotFoundError, RecommenderError, ResourceExhaustedError, TrainingDivergedError, UnauthenticatedError,
  UnavailableError,
} from '../errors.js';
import { isDiskFull } from '../data-dir.js';

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

/** Longest status message sent (longer ones are cut): the status travels in HTTP/2 trailers, which peers cap (8 KiB by default). */
export const MAX_DETAILS_CHARS = 2048;
const MAX_FIELD_CHARS = 256;

/** A metadata value from text that may hold anything (e.g. a client's column name): printable ASCII only, bounded. */
function metadataText(s: string): string {
  // eslint-disable-next-line no-control-regex
  const ascii = s.replace(/[^\x20-\x7e]/g, (c) => `\\u{${c.codePointAt(0)!.toString(16)}}`);
  return ascii.length <= MAX_FIELD_CHARS ? ascii : `${ascii.slice(0, MAX_FIELD_CHARS)}...`;
}

function bounded(details: string): string {
  return details.length <= MAX_DETAILS_CHARS ? details : `${details.slice(0, MAX_DETAILS_CHARS)}... (message cut at ${MAX_DETAILS_CHARS} of ${details.length} characters)`;
}

/**
 * A grpc-js ServiceError for `err`; the field (if any) also travels as `field` trailing metadata. Disk-full
 * errors that no layer turned into RESOURCE_EXHAUSTED (data-dir.ts) are still RESOURCE_EXHAUSTED here.
 */
export function toServiceError(err: unknown): Partial<ServiceError> {
  const e = isDiskFull(err) && !(err instanceof RecommenderError) ? new ResourceExhaustedError(`no space left for the data directory: ${(err as Error).message}`) : err;
  const code = grpcCodeOf(e);
  const metadata = new Metadata();
  let details: string;
  if (e instanceof RecommenderError) {
    details = e.message;
    if (e.field) metadata.set('field', metadataText(e.field));
  } else {
    details = code === status.INTERNAL ? `internal error: ${e instanceof Error ? e.message : String(e)}` : String(e);
  }
  return { code, details: bounded(details), metadata };
}

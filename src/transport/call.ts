import { randomUUID } from 'node:crypto';
import type {
  handleClientStreamingCall, handleServerStreamingCall, handleUnaryCall, Metadata, ServerReadableStream,
  ServerUnaryCall, ServerWritableStream, sendUnaryData,
} from '@grpc/grpc-js';
import { CancelledError } from '../errors.js';
import type { Logger } from '../log.js';
import { grpcCodeOf, toServiceError } from './grpc-status.js';

/** What every handler gets besides the request: a logger carrying the request id, and the call's abort signal. */
export interface CallContext {
  log: Logger;
  requestId: string;
  metadata: Metadata;
  /** Aborted when the client cancels or goes away. */
  signal: AbortSignal;
}

/**
 * Per-call context, built cheaply: the child logger and the AbortController are created only when a
 * handler first asks for them (a Recommend never does on success), since grpc-js reports every call as
 * "cancelled" once its stream closes, and an eager controller would build an Error per call for that.
 */
class LazyCallContext implements CallContext {
  private logger?: Logger;
  private ac?: AbortController;
  private cancelled = false;
  constructor(private readonly base: Logger, private readonly method: string, readonly requestId: string, readonly metadata: Metadata) {}

  get log(): Logger {
    this.logger ??= this.base.child({ method: this.method, request_id: this.requestId });
    return this.logger;
  }

  get signal(): AbortSignal {
    if (!this.ac) {
      this.ac = new AbortController();
      if (this.cancelled) this.ac.abort(new Error('client cancelled the call'));
    }
    return this.ac.signal;
  }

  /** Whether the call's logger would write at `level` (asked of the base logger: no child is built). */
  logs(level: 'debug'): boolean { return this.base.isLevelEnabled(level); }

  onCancelled(): void {
    this.cancelled = true;
    this.ac?.abort(new Error('client cancelled the call'));
  }
}

function callContext(base: Logger, method: string, call: { metadata: Metadata; on(ev: 'cancelled', f: () => void): unknown }): LazyCallContext {
  const given = call.metadata.get('x-request-id')[0];
  const requestId = typeof given === 'string' && given.length > 0 && given.length <= 128 ? given : randomUUID();
  const ctx = new LazyCallContext(base, method, requestId, call.metadata);
  call.on('cancelled', () => ctx.onCancelled());
  return ctx;
}

/**
 * One line per finished call. Successes are logged at debug (a JSON line per call costs a measurable share
 * of a ~1 ms Recommend at info); failed calls at info, internal errors at error. Both carry the request id.
 */
function logEnd(ctx: LazyCallContext, started: number, err?: unknown): void {
  const ms = Math.round((performance.now() - started) * 10) / 10;
  if (err === undefined) {
    if (ctx.logs('debug')) ctx.log.debug({ ms, code: 0 }, 'call ok');
  } else {
    const code = grpcCodeOf(err);
    const level = code === 13 ? 'error' : 'info';
    ctx.log[level]({ ms, code, err: err instanceof Error ? { message: err.message, field: (err as { field?: string }).field, stack: code === 13 ? err.stack : undefined } : err }, 'call failed');
  }
}

/** Wraps an async unary implementation: request id, logging, domain error -> gRPC status. */
export function unary<Req, Res>(log: Logger, method: string, fn: (req: Req, ctx: CallContext) => Promise<Res>): handleUnaryCall<Req, Res> {
  return (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => {
    const ctx = callContext(log, method, call);
    const started = performance.now();
    fn(call.request, ctx).then(
      (res) => { logEnd(ctx, started); callback(null, res); },
      (err) => { logEnd(ctx, started, err); callback(toServiceError(err)); },
    );
  };
}

/** Client streaming: the implementation consumes `call` as an async iterable of messages. */
export function clientStreaming<Req, Res>(log: Logger, method: string, fn: (call: ServerReadableStream<Req, Res>, ctx: CallContext) => Promise<Res>): handleClientStreamingCall<Req, Res> {
  return (call, callback) => {
    const ctx = callContext(log, method, call);
    const started = performance.now();
    fn(call, ctx).then(
      (res) => { logEnd(ctx, started); callback(null, res); },
      (err) => { logEnd(ctx, started, err); callback(toServiceError(err)); },
    );
  };
}

/** Server streaming: the implementation writes to `call` (honouring backpressure) and resolves when done. */
export function serverStreaming<Req, Res>(log: Logger, method: string, fn: (call: ServerWritableStream<Req, Res>, ctx: CallContext) => Promise<void>): handleServerStreamingCall<Req, Res> {
  return (call) => {
    const ctx = callContext(log, method, call);
    const started = performance.now();
    fn(call, ctx).then(
      () => { logEnd(ctx, started); if (!call.cancelled) call.end(); },
      // grpc-js sends a status for an 'error' event on a server stream; destroy() would lose it.
      (err) => { logEnd(ctx, started, err); if (!call.cancelled) call.emit('error', toServiceError(err)); },
    );
  };
}

/** Writes one message, waiting for 'drain' when the transport buffer is full. Rejects if the call is cancelled. */
export function writeWithBackpressure<Res>(call: ServerWritableStream<unknown, Res>, msg: Res): Promise<void> {
  if (call.cancelled) return Promise.reject(new CancelledError('the client cancelled the call'));
  if (call.write(msg)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onDrain = () => { call.off('cancelled', onCancel); resolve(); };
    const onCancel = () => { call.off('drain', onDrain); reject(new CancelledError('the client cancelled the call')); };
    call.once('drain', onDrain);
    call.once('cancelled', onCancel);
  });
}

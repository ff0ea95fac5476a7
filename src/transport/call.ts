import { randomUUID } from 'node:crypto';
import type {
  handleClientStreamingCall, handleServerStreamingCall, handleUnaryCall, Metadata, ServerReadableStream,
  ServerUnaryCall, ServerWritableStream, sendUnaryData,
} from '@grpc/grpc-js';
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

function callContext(base: Logger, method: string, call: { metadata: Metadata; on(ev: 'cancelled', f: () => void): unknown }): CallContext {
  const given = call.metadata.get('x-request-id')[0];
  const requestId = typeof given === 'string' && given.length > 0 && given.length <= 128 ? given : randomUUID();
  const ac = new AbortController();
  call.on('cancelled', () => ac.abort(new Error('client cancelled the call')));
  return { log: base.child({ method, request_id: requestId }), requestId, metadata: call.metadata, signal: ac.signal };
}

function logEnd(ctx: CallContext, started: number, err?: unknown): void {
  const ms = Math.round((performance.now() - started) * 10) / 10;
  if (err === undefined) ctx.log.info({ ms, code: 0 }, 'call ok');
  else {
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
  if (call.cancelled) return Promise.reject(new Error('call cancelled'));
  if (call.write(msg)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onDrain = () => { call.off('cancelled', onCancel); resolve(); };
    const onCancel = () => { call.off('drain', onDrain); reject(new Error('call cancelled')); };
    call.once('drain', onDrain);
    call.once('cancelled', onCancel);
  });
}

/**
 * The gRPC server metrics interceptor (names and labels in service/metrics.ts): counts every call that
 * reaches a registered method (health and reflection included) when it starts, each message received and
 * sent, and the status it ends with, and times it from start to status. A call the client cancels counts
 * as handled with code Canceled. It sits innermost (first in ServerOptions.interceptors), so a status that
 * another interceptor sends (the API-key check's UNAUTHENTICATED) is counted too.
 */
import { ServerInterceptingCall, status, type ServerInterceptor } from '@grpc/grpc-js';
import type { ServiceMetrics } from '../service/metrics.js';

/** Go's codes.Code names, by code number (the grpc_code label of go-grpc-middleware). */
const CODE_NAMES = [
  'OK', 'Canceled', 'Unknown', 'InvalidArgument', 'DeadlineExceeded', 'NotFound', 'AlreadyExists', 'PermissionDenied',
  'ResourceExhausted', 'FailedPrecondition', 'Aborted', 'OutOfRange', 'Unimplemented', 'Internal', 'Unavailable', 'DataLoss', 'Unauthenticated',
];

export function grpcCodeName(code: number): string {
  return CODE_NAMES[code] ?? String(code);
}

/** The metric children of one method (label sets resolved once, not per call). */
interface MethodMetrics {
  started: { inc(): void };
  received: { inc(): void };
  sent: { inc(): void };
  seconds: { observe(v: number): void };
  handled: Map<number, { inc(): void }>;
  labels: { grpc_type: string; grpc_service: string; grpc_method: string };
}

export function grpcMetricsInterceptor(m: ServiceMetrics): ServerInterceptor {
  const byPath = new Map<string, MethodMetrics>();
  const methodMetrics = (method: { path: string; requestStream: boolean; responseStream: boolean }): MethodMetrics => {
    let mm = byPath.get(method.path);
    if (!mm) {
      const slash = method.path.lastIndexOf('/');
      const labels = {
        grpc_type: method.requestStream ? (method.responseStream ? 'bidi_stream' : 'client_stream') : (method.responseStream ? 'server_stream' : 'unary'),
        grpc_service: method.path.slice(1, slash),
        grpc_method: method.path.slice(slash + 1),
      };
      mm = {
        started: m.grpcStarted.labels(labels), received: m.grpcMsgReceived.labels(labels), sent: m.grpcMsgSent.labels(labels),
        seconds: m.grpcHandlingSeconds.labels(labels), handled: new Map(), labels,
      };
      byPath.set(method.path, mm);
    }
    return mm;
  };
  return (method, call) => {
    const mm = methodMetrics(method);
    let startedAt = 0;
    let ended = false;
    const end = (code: number) => {
      if (ended) return;
      ended = true;
      let handled = mm.handled.get(code);
      if (!handled) { handled = m.grpcHandled.labels({ ...mm.labels, grpc_code: grpcCodeName(code) }); mm.handled.set(code, handled); }
      handled.inc();
      mm.seconds.observe((performance.now() - startedAt) / 1000);
    };
    return new ServerInterceptingCall(call, {
      start: (next) => {
        startedAt = performance.now();
        mm.started.inc();
        next({
          onReceiveMessage: (message, nextMessage) => { mm.received.inc(); nextMessage(message); },
          // Also called when the stream closes after a status: `end` counts once.
          onCancel: () => end(status.CANCELLED),
        });
      },
      sendMessage: (message, next) => { mm.sent.inc(); next(message); },
      sendStatus: (s, next) => { end(s.code); next(s); },
    });
  };
}

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

export function grpcMetricsInterceptor(m: ServiceMetrics): ServerInterceptor {
  return (method, call) => {
    const slash = method.path.lastIndexOf('/');
    const labels = {
      grpc_type: method.requestStream ? (method.responseStream ? 'bidi_stream' : 'client_stream') : (method.responseStream ? 'server_stream' : 'unary'),
      grpc_service: method.path.slice(1, slash),
      grpc_method: method.path.slice(slash + 1),
    };
    let startedAt = 0;
    let ended = false;
    const end = (code: number) => {
      if (ended) return;
      ended = true;
      m.grpcHandled.inc({ ...labels, grpc_code: grpcCodeName(code) });
      m.grpcHandlingSeconds.observe(labels, (performance.now() - startedAt) / 1000);
    };
    return new ServerInterceptingCall(call, {
      start: (next) => {
        startedAt = performance.now();
        m.grpcStarted.inc(labels);
        next({
          onReceiveMessage: (message, nextMessage) => { m.grpcMsgReceived.inc(labels); nextMessage(message); },
          // Also called when the stream closes after a status: `end` counts once.
          onCancel: () => end(status.CANCELLED),
        });
      },
      sendMessage: (message, next) => { m.grpcMsgSent.inc(labels); next(message); },
      sendStatus: (s, next) => { end(s.code); next(s); },
    });
  };
}

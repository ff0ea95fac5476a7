import { Server, ServerCredentials } from '@grpc/grpc-js';
import { ReflectionService } from '@grpc/reflection';
import { loadSync } from '@grpc/proto-loader';
import { HealthImplementation, protoPath as healthProtoPath } from 'grpc-health-check';
import { readFileSync } from 'node:fs';
import type { CompiledServerOptions } from '../config.js';
import type { RecommenderHandlers } from '../gen/recommender/v1/Recommender.js';
import type { Logger } from '../log.js';
import type { ServiceMetrics } from '../service/metrics.js';
import { apiKeyInterceptor } from './auth.js';
import { grpcMetricsInterceptor } from './grpc-metrics.js';
import { loadProto, PROTO_LOADER_OPTIONS } from './proto.js';
import { withDeclaredDependencies } from './reflection-descriptors.js';

export const SERVICE_NAME = 'recommender.v1.Recommender';

export interface GrpcServer {
  server: Server;
  port: number;
  health: HealthImplementation;
  /** Health NOT_SERVING, then `tryShutdown` with a deadline, then force. */
  shutdown(graceMs: number): Promise<void>;
}

/**
 * Binds the Recommender service (methods without an implementation answer UNIMPLEMENTED), health and
 * reflection, with API-key auth when keys are configured, TLS when a certificate is, and the server
 * metrics when `metrics` is given.
 */
export async function startGrpcServer(options: CompiledServerOptions, handlers: Partial<RecommenderHandlers>, log: Logger, metrics?: ServiceMetrics): Promise<GrpcServer> {
  const { packageDefinition, proto } = loadProto();
  const server = new Server({
    // Metrics innermost (first), so the key check's refusals are counted. No keys configured: no key
    // interceptor at all (it would wrap every call for nothing). Auth failures are logged (rate-limited) and counted.
    interceptors: [
      ...(metrics ? [grpcMetricsInterceptor(metrics)] : []),
      ...(options.apiKeys.length > 0 ? [apiKeyInterceptor(options.apiKeys, {
        log: log.child({ component: 'auth' }), onFailure: metrics ? (_method, reason) => metrics.authFailures.inc({ transport: 'grpc', reason }) : undefined,
      })] : []),
    ],
    // Uploads come in chunks well below this; the limit only guards against abuse.
    'grpc.max_receive_message_length': 16 * 1024 * 1024,
    'grpc.keepalive_permit_without_calls': 1,
  });
  server.addService(proto.recommender.v1.Recommender.service, handlers as RecommenderHandlers);
  const health = new HealthImplementation({ '': 'SERVING', [SERVICE_NAME]: 'SERVING' });
  health.addToServer(server);
  // Reflection describes our service and health, so grpcurl needs neither proto file.
  new ReflectionService(withDeclaredDependencies({ ...loadSync(healthProtoPath, PROTO_LOADER_OPTIONS), ...packageDefinition })).addToServer(server);

  const credentials = options.tls
    ? ServerCredentials.createSsl(null, [{ cert_chain: readFileSync(options.tls.certFile), private_key: readFileSync(options.tls.keyFile) }], false)
    : ServerCredentials.createInsecure();
  const address = `${options.host.includes(':') ? `[${options.host}]` : options.host}:${options.port}`;
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(address, credentials, (err, p) => (err ? reject(err) : resolve(p)));
  });
  log.info({ address, port, tls: Boolean(options.tls), auth: options.apiKeys.length > 0 }, 'gRPC server listening');

  let closing: Promise<void> | undefined;
  const shutdown = (graceMs: number) => {
    closing ??= new Promise<void>((resolve) => {
      health.setStatus('', 'NOT_SERVING');
      health.setStatus(SERVICE_NAME, 'NOT_SERVING');
      const timer = setTimeout(() => {
        log.warn({ graceMs }, 'shutdown deadline passed: cancelling open calls');
        server.forceShutdown();
        resolve();
      }, graceMs);
      server.tryShutdown(() => { clearTimeout(timer); resolve(); });
    });
    return closing;
  };
  return { server, port, health, shutdown };
}

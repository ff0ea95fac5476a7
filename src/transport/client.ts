import { credentials as grpcCredentials, InterceptingCall, type Interceptor } from '@grpc/grpc-js';
import { readFileSync } from 'node:fs';
import type { RecommenderClient } from '../gen/recommender/v1/Recommender.js';
import { loadProto } from './proto.js';

export interface ClientOptions {
  /** host:port */
  address: string;
  apiKey?: string;
  tls?: boolean;
  /** PEM CA to trust (implies TLS). */
  caFile?: string;
}

/** Adds `x-api-key` to every call (works on plaintext channels too, unlike call credentials). */
function apiKeyClientInterceptor(key: string): Interceptor {
  return (options, next) => new InterceptingCall(next(options), {
    start: (metadata, listener, nextStart) => { metadata.set('x-api-key', key); nextStart(metadata, listener); },
  });
}

/** A client of the Recommender service typed by the generated code. */
export function createClient(opts: ClientOptions): RecommenderClient {
  const { proto } = loadProto();
  const secure = Boolean(opts.tls || opts.caFile);
  const creds = secure ? grpcCredentials.createSsl(opts.caFile ? readFileSync(opts.caFile) : null) : grpcCredentials.createInsecure();
  return new proto.recommender.v1.Recommender(opts.address, creds, {
    interceptors: opts.apiKey ? [apiKeyClientInterceptor(opts.apiKey)] : [],
    'grpc.max_receive_message_length': 64 * 1024 * 1024,
  }) as unknown as RecommenderClient;
}

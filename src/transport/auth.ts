import { ServerInterceptingCall, status, type ServerInterceptor } from '@grpc/grpc-js';
import { timingSafeEqual } from 'node:crypto';

/** Methods that never need a key (load balancers and orchestrators probe health without one). */
const OPEN_PREFIXES = ['/grpc.health.v1.Health/'];

/** Whether `given` is one of `keys` (constant time per key). */
export function keyMatches(given: string, keys: Buffer[]): boolean {
  const g = Buffer.from(given);
  let ok = false;
  for (const k of keys) if (k.length === g.length && timingSafeEqual(k, g)) ok = true;
  return ok;
}

/** The key a call presents: `x-api-key: K` or `authorization: Bearer K`. */
export function presentedKey(get: (name: string) => unknown[]): string | undefined {
  const x = get('x-api-key')[0];
  if (typeof x === 'string' && x) return x;
  const auth = get('authorization')[0];
  if (typeof auth === 'string') {
    const m = /^Bearer\s+(.+)$/i.exec(auth);
    if (m) return m[1];
  }
  return undefined;
}

/** Server interceptor: with keys configured, every call but health must present one, else UNAUTHENTICATED. */
export function apiKeyInterceptor(apiKeys: string[]): ServerInterceptor {
  const keys = apiKeys.map((k) => Buffer.from(k));
  return (methodDescriptor, call) => new ServerInterceptingCall(call, {
    start: (next) => {
      next({
        onReceiveMetadata: (metadata, mdNext) => {
          if (keys.length === 0 || OPEN_PREFIXES.some((p) => methodDescriptor.path.startsWith(p))) return mdNext(metadata);
          const key = presentedKey((n) => metadata.get(n));
          if (key === undefined) {
            call.sendStatus({ code: status.UNAUTHENTICATED, details: 'missing API key: send metadata x-api-key or authorization: Bearer <key>' });
          } else if (!keyMatches(key, keys)) {
            call.sendStatus({ code: status.UNAUTHENTICATED, details: 'invalid API key' });
          } else {
            mdNext(metadata);
          }
        },
      });
    },
  });
}

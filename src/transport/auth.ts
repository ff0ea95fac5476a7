/**
 * API-key auth of every call but health, and the log of failed attempts: at info, with the peer address and
 * the method, never the key; rate-limited (AUTH_LOG_BURST lines per AUTH_LOG_WINDOW_MS, then one line saying
 * how many were left out), so a flood of bad keys cannot flood the log.
 */
import { ServerInterceptingCall, status, type ServerInterceptor } from '@grpc/grpc-js';
import { timingSafeEqual } from 'node:crypto';
import type { Logger } from '../log.js';

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

export const AUTH_LOG_BURST = 10;
export const AUTH_LOG_WINDOW_MS = 10_000;

export type AuthFailure = 'missing key' | 'invalid key';

/** At most AUTH_LOG_BURST lines per window; the first line after a window that dropped some says how many. */
export class AuthFailureLog {
  private windowStart = 0;
  private lines = 0;
  private suppressed = 0;
  constructor(private readonly log: Logger, private readonly now: () => number = Date.now) {}

  failed(peer: string, method: string, reason: AuthFailure): void {
    const t = this.now();
    if (t - this.windowStart >= AUTH_LOG_WINDOW_MS) { this.windowStart = t; this.lines = 0; }
    if (this.lines >= AUTH_LOG_BURST) { this.suppressed++; return; }
    this.lines++;
    const fields: Record<string, unknown> = { peer, method, reason };
    if (this.suppressed > 0) { fields.suppressed = this.suppressed; this.suppressed = 0; }
    this.log.info(fields, 'call refused: authentication failed');
  }
}

export interface AuthOptions {
  /** Failed attempts are logged here (rate-limited), never with the key. */
  log?: Logger;
  /** Told of every failed attempt (e.g. a metrics counter). */
  onFailure?: (method: string, reason: AuthFailure) => void;
}

/** Server interceptor: with keys configured, every call but health must present one, else UNAUTHENTICATED. */
export function apiKeyInterceptor(apiKeys: string[], o: AuthOptions = {}): ServerInterceptor {
  const keys = apiKeys.map((k) => Buffer.from(k));
  const failures = o.log ? new AuthFailureLog(o.log) : undefined;
  return (methodDescriptor, call) => new ServerInterceptingCall(call, {
    start: (next) => {
      next({
        onReceiveMetadata: (metadata, mdNext) => {
          if (keys.length === 0 || OPEN_PREFIXES.some((p) => methodDescriptor.path.startsWith(p))) return mdNext(metadata);
          const key = presentedKey((n) => metadata.get(n));
          const reason: AuthFailure | undefined = key === undefined ? 'missing key' : keyMatches(key, keys) ? undefined : 'invalid key';
          if (reason === undefined) return mdNext(metadata);
          failures?.failed(call.getPeer(), methodDescriptor.path, reason);
          o.onFailure?.(methodDescriptor.path, reason);
          call.sendStatus({
            code: status.UNAUTHENTICATED,
            details: reason === 'missing key' ? 'missing API key: send metadata x-api-key or authorization: Bearer <key>' : 'invalid API key',
          });
        },
      });
    },
  });
}

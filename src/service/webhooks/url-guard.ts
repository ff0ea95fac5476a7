/**
 * Callback URL checks, in two steps:
 * - `validateCallbackUrl` (sync, at Train time): http(s) only, no credentials, bounded length, and, when
 *   an allowlist is passed, literal-IP hosts in refused ranges; errors are InvalidArgumentError naming
 *   `callback_url`.
 * - `resolveAndCheck` (async, before every delivery attempt): resolves the host (all addresses) and
 *   refuses the delivery when any address is refused (see ip-policy.ts) and not allowlisted. The caller
 *   then connects to the returned addresses only (pinned; no second DNS lookup, so DNS rebinding cannot
 *   swap in a private address between check and connect).
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import { InvalidArgumentError, UnavailableError } from '../../errors.js';
import { addressAllowed, compileAllowlist, normaliseHost, parseIp, refusalReason, type Allowlist } from './ip-policy.js';

export const MAX_CALLBACK_URL_LENGTH = 2048;
export const CALLBACK_URL_FIELD = 'callback_url';

/** The callback's target is not allowed (private/loopback/metadata address, not allowlisted). */
export class CallbackTargetRefusedError extends InvalidArgumentError {}

export type AllowlistInput = readonly string[] | Allowlist;

export function validateCallbackUrl(url: string, opts: { allowlist?: AllowlistInput; field?: string } = {}): URL {
  const field = opts.field ?? CALLBACK_URL_FIELD;
  if (typeof url !== 'string' || url.length === 0) throw new InvalidArgumentError(`${field} must be a non-empty http(s) URL`, { field });
  if (url.length > MAX_CALLBACK_URL_LENGTH) {
    throw new InvalidArgumentError(`${field} is ${url.length} characters long; at most ${MAX_CALLBACK_URL_LENGTH} are allowed`, { field });
  }
  let u: URL;
  try {
    u = new URL(url);
  } catch (cause) {
    throw new InvalidArgumentError(`${field} is not a valid URL`, { field, cause });
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new InvalidArgumentError(`${field} must use http or https, not ${u.protocol.replace(/:$/, '')}`, { field });
  }
  if (u.username || u.password) throw new InvalidArgumentError(`${field} must not contain credentials (user:password@)`, { field });
  if (!u.hostname) throw new InvalidArgumentError(`${field} has no host`, { field });
  if (opts.allowlist !== undefined) {
    const ip = parseIp(normaliseHost(u.hostname));
    if (ip) checkAddress(u.hostname, ip, compileAllowlist(opts.allowlist), field);
  }
  return u;
}

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}
export interface ResolvedTarget extends ResolvedAddress {
  /** Every checked address (the first is `address`); connect only to these. */
  addresses: ResolvedAddress[];
}

export type LookupAll = (hostname: string) => Promise<{ address: string; family: number }[]>;

const defaultLookup: LookupAll = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

function checkAddress(host: string, ip: ReturnType<typeof parseIp> & object, allow: Allowlist, field: string): void {
  if (addressAllowed(ip, allow)) return;
  const why = refusalReason(ip);
  if (why) {
    throw new CallbackTargetRefusedError(`${field} host ${host} is a refused address: ${why}; add it to webhookAllowlist to permit it`, { field });
  }
}

export async function resolveAndCheck(url: URL | string, allowlist: AllowlistInput, opts: { lookup?: LookupAll; field?: string } = {}): Promise<ResolvedTarget> {
  const field = opts.field ?? CALLBACK_URL_FIELD;
  const u = typeof url === 'string' ? validateCallbackUrl(url, { field }) : url;
  const allow = compileAllowlist(allowlist);
  const host = normaliseHost(u.hostname);
  const literal = parseIp(host);
  let found: { address: string; family: number }[];
  if (literal) {
    found = [{ address: host, family: literal.family }];
  } else {
    try {
      found = await (opts.lookup ?? defaultLookup)(host);
    } catch (cause) {
      throw new UnavailableError(`${field} host ${host} could not be resolved: ${(cause as Error).message}`, { field, cause });
    }
    if (found.length === 0) throw new UnavailableError(`${field} host ${host} resolved to no address`, { field });
  }
  const hostAllowed = allow.hosts.has(host);
  const addresses: ResolvedAddress[] = [];
  for (const a of found) {
    const ip = parseIp(a.address);
    if (!ip) throw new CallbackTargetRefusedError(`${field} host ${host} resolved to an unparseable address ${a.address}`, { field });
    if (!hostAllowed) checkAddress(literal ? host : `${host} (${a.address})`, ip, allow, field);
    addresses.push({ address: a.address, family: ip.family });
  }
  return { ...addresses[0], addresses };
}

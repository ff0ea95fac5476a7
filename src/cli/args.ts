/**
 * What every client command shares: the flags naming the server, how `--server` is read, opening the
 * client (grpc-js is loaded only then, so `--help` stays fast), and how a failed call is printed.
 */
import type { ServiceError } from '@grpc/grpc-js';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { RecommenderClient } from '../gen/recommender/v1/Recommender.js';

/** The port of an address given without one (the server's default). */
export const DEFAULT_PORT = 50051;
const DEFAULT_SERVER = `127.0.0.1:${DEFAULT_PORT}`;

/** Common client flags: where the server is and how to authenticate. */
export const CLIENT_FLAGS = {
  server: { type: 'string', default: process.env.RECOMMENDER_SERVER || DEFAULT_SERVER },
  'api-key': { type: 'string', default: process.env.RECOMMENDER_API_KEY },
  tls: { type: 'boolean', default: false },
  'ca-file': { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

/** The usage line of the client flags and what they mean, for each command's --help. */
export const CLIENT_USAGE = '[--server host[:port]] [--api-key K] [--tls] [--ca-file F]';
export const CLIENT_HELP = `--server: the server's host:port (default ${DEFAULT_SERVER}, or RECOMMENDER_SERVER); without a port,
${DEFAULT_PORT}; an http:// prefix is dropped, https:// means --tls. --api-key K (or RECOMMENDER_API_KEY) when the
server has keys; --tls / --ca-file F for a TLS server.`;

export function parse<T extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: T) {
  return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
}

/** A command-line mistake: printed with the command's name, exit code 2. */
export class UsageError extends Error {}

/** Schemes grpc-js resolves itself (`dns:///host:port`, `unix:/path`, ...): passed through as given. */
const GRPC_TARGET = /^(dns|unix|unix-abstract|ipv4|ipv6|vsock):/i;

/**
 * `--server` as a gRPC target: `host` -> `host:50051`; `http://host:port` -> `host:port`;
 * `https://host` -> `host:50051` with TLS; an IPv6 literal with or without brackets. Anything else with
 * a scheme, a path, or a bad port is refused naming the flag.
 */
export function serverAddress(spec: string): { address: string; tls: boolean } {
  let s = spec.trim();
  if (!s) throw new UsageError('--server is empty: give host:port, e.g. 127.0.0.1:50051');
  if (GRPC_TARGET.test(s)) return { address: s, tls: false };
  let tls = false;
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(s);
  if (scheme) {
    const name = scheme[1]!.toLowerCase();
    if (name !== 'http' && name !== 'https') throw new UsageError(`--server "${spec}": the ${name}:// scheme is not understood; give host:port (http:// and https:// are accepted)`);
    tls = name === 'https';
    s = s.slice(scheme[0].length).replace(/\/+$/, '');
  }
  if (s.includes('/')) throw new UsageError(`--server "${spec}": a gRPC server address is host:port, without a path`);
  let host: string;
  let port: string | undefined;
  const bracketed = /^\[([^\]]+)\](?::(.*))?$/.exec(s);
  if (bracketed) [host, port] = [`[${bracketed[1]}]`, bracketed[2]];
  else if ((s.match(/:/g) ?? []).length > 1) [host, port] = [`[${s}]`, undefined]; // a bare IPv6 literal
  else [host, port] = s.includes(':') ? [s.slice(0, s.indexOf(':')), s.slice(s.indexOf(':') + 1)] : [s, undefined];
  if (!host || host === '[]') throw new UsageError(`--server "${spec}": the host is missing`);
  if (port !== undefined && !(/^\d+$/.test(port) && Number(port) >= 1 && Number(port) <= 65535)) {
    throw new UsageError(`--server "${spec}": the port must be 1-65535, got "${port}"`);
  }
  return { address: `${host}:${port ?? DEFAULT_PORT}`, tls };
}

interface ClientValues { server: string; 'api-key'?: string; tls: boolean; 'ca-file'?: string }

/** A client for the server the flags name (`address` as dialled, for error messages). */
export async function openClient(values: ClientValues): Promise<{ client: RecommenderClient; address: string }> {
  const { address, tls } = serverAddress(values.server);
  const { createClient } = await import('../transport/client.js');
  return { client: createClient({ address, apiKey: values['api-key'], tls: tls || values.tls, caFile: values['ca-file'] }), address };
}

const UNAVAILABLE = 14;
const UNAUTHENTICATED = 16;
/** grpc-js's own wording when no connection could be made (not an UNAVAILABLE the server sent). */
const NO_CONNECTION = /No connection established|Name resolution failed|Failed to connect|Connection dropped|connect E[A-Z]+/;

/** The command-line flag (and value) a request field came from, for error messages. */
export type FlagOf = (field: string) => string | undefined;

/**
 * A failed call in words: `<details> (field F, --flag)`, and for a server that cannot be reached, where
 * it was looked for and what to do.
 */
export function describeCallError(err: unknown, address: string, flagOf: FlagOf = () => undefined): string {
  const e = err as ServiceError;
  if (typeof e.code !== 'number') return (err as Error).message ?? String(err);
  const details = e.details || e.message;
  if (e.code === UNAVAILABLE && NO_CONNECTION.test(details)) {
    const cause = /(connect E[A-Z]+|Name resolution failed for target \S+|Connection dropped)/.exec(details)?.[1] ?? details;
    return `cannot reach a recommender server at ${address} (${cause}). Start one with "npm start" (or "recommender serve"), or point --server (or RECOMMENDER_SERVER) at yours`;
  }
  if (e.code === UNAUTHENTICATED) return `${details} (the server at ${address} wants an API key: --api-key K or RECOMMENDER_API_KEY)`;
  const field = e.metadata?.get('field')[0];
  if (field === undefined) return details;
  const flag = flagOf(String(field));
  return `${details} (field ${String(field)}${flag ? `, ${flag}` : ''})`;
}

/** Runs a client command's body, printing usage mistakes (exit 2) and failed calls (exit 1). */
export async function runClient(
  command: string, values: ClientValues, body: (client: RecommenderClient, address: string) => Promise<number>, flagOf?: FlagOf,
): Promise<number> {
  let opened: { client: RecommenderClient; address: string };
  try {
    opened = await openClient(values);
  } catch (err) {
    if (err instanceof UsageError) { console.error(`recommender ${command}: ${err.message}`); return 2; }
    throw err;
  }
  try {
    return await body(opened.client, opened.address);
  } catch (err) {
    console.error(`recommender ${command}: ${describeCallError(err, opened.address, flagOf)}`);
    return 1;
  } finally {
    opened.client.close();
  }
}

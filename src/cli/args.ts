import type { ServiceError } from '@grpc/grpc-js';
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** Common client flags: where the server is and how to authenticate. */
export const CLIENT_FLAGS = {
  server: { type: 'string', default: process.env.RECOMMENDER_SERVER ?? '127.0.0.1:50051' },
  'api-key': { type: 'string', default: process.env.RECOMMENDER_API_KEY },
  tls: { type: 'boolean', default: false },
  'ca-file': { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

export function parse<T extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: T) {
  return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
}

/** Prints a failed call as `recommender <command>: <details> (field F)`, with the field from the status trailer. */
export function reportCallError(command: string, err: unknown): void {
  const e = err as ServiceError;
  const field = e.metadata?.get('field')[0];
  console.error(`recommender ${command}: ${e.details ?? e.message}${field ? ` (field ${String(field)})` : ''}`);
}

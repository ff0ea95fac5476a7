import type { ServiceError } from '@grpc/grpc-js';
import { Float32, Int64, Table, tableToIPC, Utf8, vectorFromArray } from 'apache-arrow';
import type { TrainingStatus__Output } from '../../src/gen/recommender/v1/TrainingStatus.js';
import type { WatchStatusRequest } from '../../src/gen/recommender/v1/WatchStatusRequest.js';
import type { RecommenderClient } from '../../src/gen/recommender/v1/Recommender.js';
import { importBytes } from './import.js';
import { call, type TestServer } from './server.js';

/** Interaction rows as a test writes them (the user's layout). */
export interface Row {
  s: string; t: string; type?: string | null; ts?: number | null; w?: number | null; meta?: string | null;
}
export interface EntityRow { id: string; type?: string | null; metadata?: string | null }

function interactionTable(rows: Row[]): Table {
  return new Table({
    source_id: vectorFromArray(rows.map((r) => r.s), new Utf8()),
    target_id: vectorFromArray(rows.map((r) => r.t), new Utf8()),
    type: vectorFromArray(rows.map((r) => r.type ?? null), new Utf8()),
    timestamp: vectorFromArray(rows.map((r) => (r.ts === null || r.ts === undefined ? null : BigInt(r.ts))), new Int64()),
    weight: vectorFromArray(rows.map((r) => r.w ?? null), new Float32()),
    metadata: vectorFromArray(rows.map((r) => r.meta ?? null), new Utf8()),
  });
}

function entityTable(rows: EntityRow[]): Table {
  return new Table({
    id: vectorFromArray(rows.map((r) => r.id), new Utf8()),
    type: vectorFromArray(rows.map((r) => r.type ?? null), new Utf8()),
    name: vectorFromArray(rows.map(() => null), new Utf8()),
    metadata: vectorFromArray(rows.map((r) => r.metadata ?? null), new Utf8()),
    media_url: vectorFromArray(rows.map(() => null), new Utf8()),
  });
}

/** Imports through the real ImportBatch RPC; returns the batch id. */
export async function importBatch(srv: TestServer, kind: 'INTERACTIONS' | 'ENTITIES', rows: Row[] | EntityRow[], tags: string[]): Promise<string> {
  const bytes = tableToIPC(kind === 'INTERACTIONS' ? interactionTable(rows as Row[]) : entityTable(rows as EntityRow[]), 'stream');
  return (await importBytes(srv.client, { kind, tags }, bytes)).batch_id;
}

/** A dense-ish random interaction set: `users` x `items`, each user with `perUser` items. */
export function randomRows(users: number, items: number, perUser: number, seed = 1): Row[] {
  let x = seed >>> 0 || 1;
  const rnd = () => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x / 0x100000000; };
  const rows: Row[] = [];
  for (let u = 0; u < users; u++) for (let j = 0; j < perUser; j++) rows.push({ s: `u${u}`, t: `i${Math.floor(rnd() * items)}`, w: 1 + Math.floor(rnd() * 4) });
  return rows;
}

export const getStatus = (c: RecommenderClient, req: { job_id?: string; model_id?: string }) => call<typeof req, TrainingStatus__Output>(c.GetStatus.bind(c), req);

/** Polls until the job is terminal (or throws after `timeoutMs`). */
export async function waitTerminal(c: RecommenderClient, jobId: string, timeoutMs = 60_000): Promise<TrainingStatus__Output> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const s = await getStatus(c, { job_id: jobId });
    if (['COMPLETED', 'ERROR', 'CANCELLED'].includes(s.status)) return s;
    if (Date.now() > until) throw new Error(`job ${jobId} still ${s.status} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function waitFor(pred: () => boolean | Promise<boolean>, timeoutMs = 30_000, what = 'condition'): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await pred())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Collects a WatchStatus stream until it ends (or errors). */
export function watchAll(c: RecommenderClient, req: WatchStatusRequest): Promise<{ messages: TrainingStatus__Output[]; error?: ServiceError }> {
  return new Promise((resolve) => {
    const messages: TrainingStatus__Output[] = [];
    const stream = c.WatchStatus(req);
    stream.on('data', (m: TrainingStatus__Output) => messages.push(m));
    stream.on('error', (error: ServiceError) => resolve({ messages, error }));
    stream.on('end', () => resolve({ messages }));
  });
}

export function grpcCode(err: unknown): number | undefined {
  return (err as ServiceError | undefined)?.code;
}
export function fieldOf(err: unknown): string | undefined {
  const v = (err as ServiceError | undefined)?.metadata?.get('field')[0];
  return typeof v === 'string' ? v : undefined;
}

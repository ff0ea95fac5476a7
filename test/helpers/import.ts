import type { ServiceError } from '@grpc/grpc-js';
import type { RecommenderClient } from '../../src/gen/recommender/v1/Recommender.js';
import type { Batch__Output } from '../../src/gen/recommender/v1/Batch.js';
import type { ImportBatchRequest } from '../../src/gen/recommender/v1/ImportBatchRequest.js';

export interface ImportHeaderInput { kind?: 'INTERACTIONS' | 'ENTITIES' | 'BATCH_KIND_UNSPECIFIED'; tags?: string[]; request_id?: string }

/** Sends raw ImportBatch messages (as given) and resolves with the batch or rejects with the ServiceError. */
export function sendImport(client: RecommenderClient, messages: ImportBatchRequest[]): Promise<Batch__Output> {
  return new Promise((resolve, reject) => {
    const call = client.ImportBatch((err: ServiceError | null, res?: Batch__Output) => (err ? reject(err) : resolve(res!)));
    for (const m of messages) call.write(m);
    call.end();
  });
}

/** An ImportBatch stream's messages: the header, then `bytes` in chunks of `chunkSize`. */
function importMessages(header: ImportHeaderInput, bytes: Uint8Array, chunkSize: number): ImportBatchRequest[] {
  const msgs: ImportBatchRequest[] = [{ header: { kind: 'INTERACTIONS', tags: [], ...header } }];
  for (let i = 0; i < bytes.length; i += chunkSize) msgs.push({ arrow_chunk: Buffer.from(bytes.subarray(i, i + chunkSize)) });
  return msgs;
}

/** Header, then `bytes` in chunks of `chunkSize`. */
export function importBytes(client: RecommenderClient, header: ImportHeaderInput, bytes: Uint8Array, chunkSize = 64 * 1024): Promise<Batch__Output> {
  return sendImport(client, importMessages(header, bytes, chunkSize));
}

/** Resolves with the rejection (fails if the promise resolves). */
export async function rejection(p: Promise<unknown>): Promise<ServiceError> {
  const r = await p.then(() => undefined, (e: ServiceError) => e);
  if (!r) throw new Error('expected the call to fail');
  return r;
}

/** An upload with a deadline: the server must answer every input within it. */
export function importWithin(client: RecommenderClient, bytes: Uint8Array, deadlineMs: number, chunk = 64 * 1024): Promise<Batch__Output> {
  return new Promise((resolve, reject) => {
    const c = client.ImportBatch({ deadline: Date.now() + deadlineMs }, (err: ServiceError | null, res?: Batch__Output) => (err ? reject(err) : resolve(res!)));
    for (const m of importMessages({ tags: ['hostile'] }, bytes, chunk)) c.write(m);
    c.end();
  });
}

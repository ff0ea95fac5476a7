import type { ClientWritableStream, ServiceError } from '@grpc/grpc-js';
import type { Batch__Output } from '../../gen/recommender/v1/Batch.js';
import type { ImportBatchHeader } from '../../gen/recommender/v1/ImportBatchHeader.js';
import type { ImportBatchRequest } from '../../gen/recommender/v1/ImportBatchRequest.js';
import type { RecommenderClient } from '../../gen/recommender/v1/Recommender.js';
import { ARROW_CHUNK_BYTES } from '../../transport/arrow-chunks.js';

/** Chunks sent per message: well under the 4 MiB gRPC default (the same size ExportModel sends). */
export const UPLOAD_CHUNK_BYTES = ARROW_CHUNK_BYTES;

/**
 * Streams an ImportBatch: the header, then the Arrow IPC stream bytes of `pieces` re-cut into
 * UPLOAD_CHUNK_BYTES messages, honouring backpressure. Stops sending as soon as the server answers
 * (e.g. an early INVALID_ARGUMENT) and rejects with its error.
 */
export async function uploadArrow(
  client: RecommenderClient, header: ImportBatchHeader, pieces: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  onBytes: (n: number) => void = () => undefined,
): Promise<Batch__Output> {
  let settled = false;
  let call!: ClientWritableStream<ImportBatchRequest>;
  const result = new Promise<Batch__Output>((resolve, reject) => {
    call = client.ImportBatch((err: ServiceError | null, res?: Batch__Output) => {
      settled = true;
      if (err) reject(err); else resolve(res!);
    });
  });
  result.catch(() => undefined);
  const ended = result.then(() => undefined, () => undefined);
  const write = (msg: ImportBatchRequest): Promise<void> => {
    if (call.write(msg)) return Promise.resolve();
    // Wait for room, or for the server's answer (it may stop reading after an early error).
    return Promise.race([new Promise<void>((resolve) => call.once('drain', () => resolve())), ended]);
  };
  try {
    await write({ header });
    for await (const piece of pieces) {
      for (let i = 0; i < piece.byteLength && !settled; i += UPLOAD_CHUNK_BYTES) {
        const part = piece.subarray(i, Math.min(piece.byteLength, i + UPLOAD_CHUNK_BYTES));
        await write({ arrow_chunk: Buffer.from(part.buffer, part.byteOffset, part.byteLength) });
        onBytes(part.byteLength);
      }
      if (settled) break;
    }
  } catch (err) {
    call.cancel();
    throw err;
  }
  if (!settled) call.end();
  return result;
}

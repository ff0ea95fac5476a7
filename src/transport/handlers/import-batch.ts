import type { handleClientStreamingCall } from '@grpc/grpc-js';
import { CancelledError, InvalidArgumentError } from '../../errors.js';
import type { Batch } from '../../gen/recommender/v1/Batch.js';
import type { ImportBatchRequest__Output } from '../../gen/recommender/v1/ImportBatchRequest.js';
import type { Logger } from '../../log.js';
import type { BatchService } from '../../service/batches.js';
import { clientStreaming } from '../call.js';
import { batchMessage } from './batch-message.js';

function nextOrCancel<T>(it: AsyncIterator<T>, signal: AbortSignal): Promise<IteratorResult<T>> {
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(new CancelledError('upload cancelled by the client'));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    it.next().then((v) => { signal.removeEventListener('abort', onAbort); resolve(v); },
      (e) => { signal.removeEventListener('abort', onAbort); reject(e); });
  });
}

/**
 * ImportBatch: the first message must be the header, every later one an arrow_chunk (a second header is
 * INVALID_ARGUMENT). The chunks are fed to the importer as they arrive; a client cancel aborts it and
 * removes its temp file.
 */
export function importBatchHandler(log: Logger, batches: BatchService): handleClientStreamingCall<ImportBatchRequest__Output, Batch> {
  return clientStreaming(log, 'ImportBatch', async (call, ctx) => {
    const it = (call as AsyncIterable<ImportBatchRequest__Output>)[Symbol.asyncIterator]();
    const first = await nextOrCancel(it, ctx.signal);
    if (first.done) throw new InvalidArgumentError('empty request stream: the first message must be a header', { field: 'header' });
    const header = first.value.header;
    if (first.value.payload !== 'header' || !header) {
      throw new InvalidArgumentError('the first message must be a header (kind, tags, request_id), not an arrow_chunk', { field: 'header' });
    }
    let messages = 1;
    async function* chunks(): AsyncGenerator<Uint8Array> {
      for (;;) {
        const m = await nextOrCancel(it, ctx.signal);
        if (m.done) return;
        messages++;
        if (m.value.payload === 'header' || m.value.header) {
          throw new InvalidArgumentError(`a second header (message ${messages}): send exactly one header, first`, { field: 'header' });
        }
        const c = m.value.arrow_chunk;
        if (c && c.byteLength > 0) yield c;
      }
    }
    const { batch, deduplicated } = await batches.importBatch(
      { kind: header.kind, tags: header.tags, requestId: header.request_id }, chunks(), ctx.signal,
    );
    if (deduplicated) ctx.log.info({ batch_id: batch.batchId, request_id: batch.requestId }, 'request_id seen before: returning the stored batch');
    return batchMessage(batch);
  });
}

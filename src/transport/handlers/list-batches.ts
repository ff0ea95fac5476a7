import type { handleUnaryCall } from '@grpc/grpc-js';
import type { ListBatchesRequest__Output } from '../../gen/recommender/v1/ListBatchesRequest.js';
import type { ListBatchesResponse } from '../../gen/recommender/v1/ListBatchesResponse.js';
import type { Logger } from '../../log.js';
import type { BatchService } from '../../service/batches.js';
import { unary } from '../call.js';
import { BatchKind } from '../../gen/recommender/v1/BatchKind.js';
import { enumName } from '../../util/proto-enum.js';
import { batchMessage } from './batch-message.js';

/** ListBatches: ids AND all tags (if given), optional kind; (created, id) order; page_size default 100, max 1000. */
export function listBatchesHandler(log: Logger, batches: BatchService): handleUnaryCall<ListBatchesRequest__Output, ListBatchesResponse> {
  return unary(log, 'ListBatches', async (req: ListBatchesRequest__Output) => {
    const k = enumName(req.kind, BatchKind, 'kind');
    const kind = k === 'BATCH_KIND_UNSPECIFIED' ? undefined : k;
    const page = batches.list({ batchIds: req.batch_ids, tags: req.tags, tagMatch: 'all', kind }, req.page_size, req.page_token);
    return { batches: page.batches.map(batchMessage), next_page_token: page.nextPageToken, total_size: String(page.totalSize) };
  });
}

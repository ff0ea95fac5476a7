import type { handleUnaryCall } from '@grpc/grpc-js';
import type { DeleteBatchesRequest__Output } from '../../gen/recommender/v1/DeleteBatchesRequest.js';
import type { DeleteBatchesResponse } from '../../gen/recommender/v1/DeleteBatchesResponse.js';
import type { Logger } from '../../log.js';
import type { BatchService } from '../../service/batches.js';
import { unary } from '../call.js';

/** DeleteBatches: same selectors as ListBatches, at least one; unknown ids NOT_FOUND unless allow_missing. */
export function deleteBatchesHandler(log: Logger, batches: BatchService): handleUnaryCall<DeleteBatchesRequest__Output, DeleteBatchesResponse> {
  return unary(log, 'DeleteBatches', async (req: DeleteBatchesRequest__Output) => ({
    deleted_batch_ids: batches.delete({ batchIds: req.batch_ids, tags: req.tags }, req.allow_missing),
  }));
}

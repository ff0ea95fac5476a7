import type { handleUnaryCall } from '@grpc/grpc-js';
import type { DatasetDescription } from '../../gen/recommender/v1/DatasetDescription.js';
import type { DescribeDatasetRequest__Output } from '../../gen/recommender/v1/DescribeDatasetRequest.js';
import type { Logger } from '../../log.js';
import { selectionParams } from '../../service/jobs/train-params.js';
import type { TrainingPipeline } from '../../service/jobs/training-pipeline.js';
import { unary } from '../call.js';

/** The same selection as Train (tags, age relative to now, filters), counts only. Per-type weights are not applied. */
export function describeDatasetHandler(log: Logger, pipeline: TrainingPipeline): handleUnaryCall<DescribeDatasetRequest__Output, DatasetDescription> {
  return unary(log, 'DescribeDataset', async (req: DescribeDatasetRequest__Output, ctx) => {
    const sel = await pipeline.describe(selectionParams(req, Date.now()), ctx.signal);
    const c = sel.counts;
    return {
      interaction_count: c.interactions, distinct_source_count: c.sources, distinct_target_count: c.targets, entity_count: c.entities,
      pair_count: c.pairs, batch_ids: sel.batchIds, dropped_by_age: c.droppedByAge, dropped_by_filter: c.droppedByFilter,
    };
  });
}

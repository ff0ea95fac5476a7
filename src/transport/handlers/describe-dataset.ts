import type { handleUnaryCall } from '@grpc/grpc-js';
import type { CompiledServerOptions } from '../../config.js';
import { weightShape } from '../../engine/defaults.js';
import type { MatrixStats, Quantiles } from '../../engine/matrix-stats.js';
import type { DatasetDescription } from '../../gen/recommender/v1/DatasetDescription.js';
import type { DatasetStatistics } from '../../gen/recommender/v1/DatasetStatistics.js';
import type { DescribeDatasetRequest__Output } from '../../gen/recommender/v1/DescribeDatasetRequest.js';
import type { Distribution } from '../../gen/recommender/v1/Distribution.js';
import type { Logger } from '../../log.js';
import { selectionParams } from '../../service/jobs/train-params.js';
import type { DatasetDescription as Described, TrainingPipeline } from '../../service/jobs/training-pipeline.js';
import { unary } from '../call.js';

function distributionMessage(q: Quantiles): Distribution {
  return { mean: q.mean, min: q.min, q50: q.q50, q90: q.q90, q99: q.q99, max: q.max };
}

/** DatasetDescription.statistics: the matrix statistics the data-aware defaults read (engine/matrix-stats.ts). */
export function statisticsMessage(s: MatrixStats): DatasetStatistics {
  const w = s.weights;
  return {
    weight_shape: weightShape(s), density: s.density, weights: distributionMessage(w), weight_sample: String(w.sample),
    distinct_weights: w.distinct, integer_weight_share: w.integerShare, mean_log_weight: w.logMean,
    source_lengths: distributionMessage(s.rowLengths), target_lengths: distributionMessage(s.colLengths),
  };
}

/** The DatasetDescription message (the web console renders the same one). */
export function datasetDescriptionMessage(d: Described): DatasetDescription {
  const c = d.selection.counts;
  return {
    interaction_count: c.interactions, distinct_source_count: c.sources, distinct_target_count: c.targets, entity_count: c.entities,
    pair_count: c.pairs, batch_ids: d.selection.batchIds, dropped_by_age: c.droppedByAge, dropped_by_filter: c.droppedByFilter,
    statistics: d.stats ? statisticsMessage(d.stats) : null, chosen_defaults: d.chosenDefaults,
  };
}

/**
 * The same selection as Train (tags, age relative to now, filters): counts, the matrix's statistics and what a
 * Train with nothing set would choose from them. Per-type weights are not applied.
 */
export function describeDatasetHandler(log: Logger, pipeline: TrainingPipeline, server: CompiledServerOptions): handleUnaryCall<DescribeDatasetRequest__Output, DatasetDescription> {
  return unary(log, 'DescribeDataset', async (req: DescribeDatasetRequest__Output, ctx) => {
    return datasetDescriptionMessage(await pipeline.describe(selectionParams(req, Date.now()), server, ctx.signal));
  });
}

/**
 * Model versions over gRPC: ListModelVersions, RollbackModel, DeleteModel and ExportModel (server
 * streaming: the header, then the Arrow IPC stream bytes in ARROW_CHUNK_BYTES chunks, honouring
 * backpressure). The rules are the registry's (service/models/model-registry.ts) and the scheduler's.
 */
import type { ServerWritableStream } from '@grpc/grpc-js';
import type { ExportModelRequest__Output } from '../../gen/recommender/v1/ExportModelRequest.js';
import type { ExportModelResponse } from '../../gen/recommender/v1/ExportModelResponse.js';
import type { ModelVersion } from '../../gen/recommender/v1/ModelVersion.js';
import type { RecommenderHandlers } from '../../gen/recommender/v1/Recommender.js';
import type { Logger } from '../../log.js';
import type { JobScheduler } from '../../service/jobs/job-scheduler.js';
import type { ModelRegistry } from '../../service/models/model-registry.js';
import type { VersionRow } from '../../service/models/model-repo.js';
import { ARROW_CHUNK_BYTES, rechunk } from '../arrow-chunks.js';
import { serverStreaming, unary, writeWithBackpressure } from '../call.js';
import { toTimestamp } from '../timestamp.js';
import { hyperparametersMessage, modelMessage } from './get-model.js';

/** The proto ModelVersion of a kept version; `servedJobId` names the serving one. */
export function versionMessage(v: VersionRow, servedJobId: string | undefined): ModelVersion {
  const m = v.meta;
  return {
    model_id: v.modelId, version: v.version, job_id: v.jobId, trained_time: toTimestamp(v.trainedMs), serving: v.jobId === servedJobId,
    factors: m.factors, source_count: m.data.sources, target_count: m.data.targets, backend: m.backend,
    hyperparameters: hyperparametersMessage(m.hyperparameters), evaluation: (m.evaluation as ModelVersion['evaluation']) ?? null,
    batch_ids: m.batchIds, promotion: v.promotion,
  };
}

export function modelVersionHandlers(log: Logger, jobs: JobScheduler, models: ModelRegistry):
  Pick<RecommenderHandlers, 'ListModelVersions' | 'RollbackModel' | 'DeleteModel' | 'ExportModel'> {
  return {
    ListModelVersions: unary(log, 'ListModelVersions', async (req) => {
      const versions = models.versions(req.model_id);
      const served = models.get(req.model_id)?.jobId;
      return { versions: versions.map((v) => versionMessage(v, served)) };
    }),
    RollbackModel: unary(log, 'RollbackModel', async (req) => modelMessage(jobs, models.rollback(req.model_id, req.version))),
    DeleteModel: unary(log, 'DeleteModel', async (req) => {
      const r = await jobs.deleteModel(req.model_id, req.force);
      return { model_id: req.model_id, deleted_versions: r.deletedVersions, cancelled_job_id: r.cancelledJobId ?? '' };
    }),
    ExportModel: serverStreaming(log, 'ExportModel', async (call: ServerWritableStream<ExportModelRequest__Output, ExportModelResponse>) => {
      const req = call.request;
      const ex = await models.exportVersion(req.model_id, req.version);
      const v = ex.version;
      await writeWithBackpressure(call, {
        header: { model_id: v.modelId, version: v.version, job_id: v.jobId, factors: v.meta.factors, source_count: String(ex.sourceCount), target_count: String(ex.targetCount) },
      });
      for (const chunk of rechunk(ex.pieces, ARROW_CHUNK_BYTES)) {
        await writeWithBackpressure(call, { arrow_chunk: Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength) });
      }
    }),
  };
}

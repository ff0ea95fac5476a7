/**
 * The composition root: opens the store, builds the services, binds the transport. The only module
 * that knows every layer; layers below it never import it.
 */
import type { CompiledServerOptions } from './config.js';
import type { RecommenderHandlers } from './gen/recommender/v1/Recommender.js';
import { createLogger, type Logger } from './log.js';
import { openCatalog, type Db } from './service/store/catalog.js';
import { startGrpcServer, type GrpcServer } from './transport/server.js';
import { BatchRepo } from './service/store/batch-repo.js';
import { createWebhookDispatcher } from './service/webhooks/index.js';
import { JobScheduler } from './service/jobs/job-scheduler.js';
import { TrainingPipeline } from './service/jobs/training-pipeline.js';
import { ModelRegistry } from './service/models/model-registry.js';
import { trainHandler } from './transport/handlers/train.js';
import { getStatusHandler } from './transport/handlers/get-status.js';
import { watchStatusHandler } from './transport/handlers/watch-status.js';
import { cancelTrainingHandler } from './transport/handlers/cancel-training.js';
import { listModelsHandler } from './transport/handlers/list-models.js';
import { getModelHandler } from './transport/handlers/get-model.js';
import { describeDatasetHandler } from './transport/handlers/describe-dataset.js';
import { ModelCache } from './service/models/model-cache.js';
import { ScoringPool } from './service/serving/scoring-pool.js';
import { recommendHandlers } from './transport/handlers/recommend.js';
import { recommendAllHandlers } from './transport/handlers/recommend-all.js';
import { similarItemsHandlers } from './transport/handlers/similar-items.js';
import { BatchService } from './service/batches.js';
import { importBatchHandler } from './transport/handlers/import-batch.js';
import { listBatchesHandler } from './transport/handlers/list-batches.js';
import { deleteBatchesHandler } from './transport/handlers/delete-batches.js';
import { warmTrainingWorker } from './engine/worker-trainer.js';
import type { EngineBackend } from './engine/options.js';
import { errorMessage } from './errors.js';

export interface App {
  options: CompiledServerOptions;
  log: Logger;
  db: Db;
  grpc: GrpcServer;
  port: number;
  /** Training jobs (tests read `jobs.hub.listenerCount()`). */
  jobs: JobScheduler;
  /** Models: their served pointers and directories. */
  models: ModelRegistry;
  /** The training pipeline (its selection workers serve DescribeDataset too). */
  pipeline: TrainingPipeline;
  /** Graceful stop: health NOT_SERVING, drain calls within the grace period, stop services, close the store. */
  stop(graceMs?: number): Promise<void>;
}

export async function startApp(options: CompiledServerOptions, log: Logger = createLogger(options.logLevel)): Promise<App> {
  const db = openCatalog(options.dataDir);
  /** Run after the transport has drained (stop services, in reverse order of creation). */
  const closers: Array<() => Promise<void> | void> = [];
  /** Run when shutdown starts, before draining: end long-lived streams (WatchStatus, RecommendAll) so drain can finish. */
  const beforeDrain: Array<() => Promise<void> | void> = [];

  // Data plane: batches (cleans leftovers of interrupted uploads at start).
  const batchService = new BatchService(options, db, log.child({ component: 'batches' }));
  closers.push(() => batchService.close());

  // Webhooks (callbacks of training jobs) and training jobs.
  const dispatcher = createWebhookDispatcher({ options, db, log });
  dispatcher.start();
  closers.push(() => dispatcher.stop());
  const models = new ModelRegistry({ db, dataDir: options.dataDir, log: log.child({ component: 'models' }) });
  const pipeline = new TrainingPipeline({ batches: new BatchRepo(db, options.dataDir), registry: models, engine: options.engine });
  closers.push(() => pipeline.close());
  const jobs = new JobScheduler({ options, db, log: log.child({ component: 'jobs' }), pipeline, registry: models, dispatcher });
  await jobs.start();
  beforeDrain.push(() => jobs.endWatchers());
  closers.push(() => jobs.stop());

  // Serving: models loaded lazily from the store, swapped when the catalog points at a new job.
  // Recommend scores on worker threads (models' factors in shared memory); 0 threads = on the event loop.
  const scoring = options.servingThreads > 0 ? new ScoringPool(options.servingThreads, log.child({ component: 'serving' })) : undefined;
  if (scoring) closers.push(() => scoring.close());
  const modelCache: ModelCache = new ModelCache({
    scoring: { slots: options.servingThreads, wasm: options.wasmScoring, prefilter: options.servingPrefilter },
    resolveServed: (modelId) => models.served(modelId),
    hasAnyJob: (modelId) => jobs.hasAnyJob(modelId),
    budgetBytes: options.modelCacheBytes,
    log: log.child({ component: 'serving' }),
  });
  models.onSwap((modelId) => modelCache.invalidate(modelId));
  const servingShutdown = new AbortController();
  beforeDrain.push(() => servingShutdown.abort());

  const handlers: Partial<RecommenderHandlers> = {
    ImportBatch: importBatchHandler(log, batchService),
    ListBatches: listBatchesHandler(log, batchService),
    DeleteBatches: deleteBatchesHandler(log, batchService),
    Train: trainHandler(log, jobs),
    GetStatus: getStatusHandler(log, jobs),
    WatchStatus: watchStatusHandler(log, jobs),
    CancelTraining: cancelTrainingHandler(log, jobs),
    ListModels: listModelsHandler(log, jobs, models),
    GetModel: getModelHandler(log, jobs, models),
    DescribeDataset: describeDatasetHandler(log, pipeline),
    ...recommendHandlers(log, modelCache, scoring),
    ...recommendAllHandlers(log, modelCache, servingShutdown.signal),
    ...similarItemsHandlers(log, modelCache),
  };

  let grpc: GrpcServer;
  try {
    grpc = await startGrpcServer(options, handlers, log);
  } catch (err) {
    // Could not listen: stop what was started (in reverse order), so the process can exit on its own.
    servingShutdown.abort();
    for (const close of [...beforeDrain, ...closers.reverse()]) await Promise.resolve(close()).catch(() => undefined);
    db.close();
    throw err;
  }
  // The training worker starts now, in the background, so the first Train does not wait for it.
  warmTrainingWorker({ backend: options.backend as EngineBackend, workers: options.workers }, options.engine).catch((err) =>
    log.warn({ err: errorMessage(err) }, 'could not start the training worker ahead of the first Train'));
  let stopping: Promise<void> | undefined;
  const stop = (graceMs = options.shutdownGraceMs) => {
    stopping ??= (async () => {
      log.info({ graceMs }, 'shutting down');
      grpc.health.setStatus('', 'NOT_SERVING');
      for (const end of beforeDrain) await end();
      await grpc.shutdown(graceMs);
      for (const close of closers.reverse()) await close();
      db.close();
      log.info('stopped');
    })();
    return stopping;
  };
  return { options, log, db, grpc, port: grpc.port, jobs, models, pipeline, stop };
}

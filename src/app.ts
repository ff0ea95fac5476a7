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
import { AnnBuilder } from './service/serving/ann-builder.js';
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
import { DataDir } from './data-dir.js';
import { cleanSparkStaging, sparkTrainer } from './service/spark/spark-trainer.js';
import { localStagingRoot } from './service/spark/settings.js';
import { ServiceMetrics } from './service/metrics.js';
import { modelVersionHandlers } from './transport/handlers/model-versions.js';
import { startHttpServer, type HttpServer } from './transport/http/server.js';

export interface App {
  options: CompiledServerOptions;
  log: Logger;
  db: Db;
  grpc: GrpcServer;
  port: number;
  /** The HTTP listener (metrics, health, console); undefined when off. */
  http?: HttpServer;
  /** The server's Prometheus metrics. */
  metrics: ServiceMetrics;
  /** Training jobs (tests read `jobs.hub.listenerCount()`). */
  jobs: JobScheduler;
  /** Models: their served pointers and directories. */
  models: ModelRegistry;
  /** The training pipeline (its selection workers serve DescribeDataset too). */
  pipeline: TrainingPipeline;
  /** Models loaded for serving (tests and diagnostics read their ANN indexes and counters). */
  serving: ModelCache;
  /** Graceful stop: health NOT_SERVING, drain calls within the grace period, stop services, close the store. */
  stop(graceMs?: number): Promise<void>;
}

export async function startApp(options: CompiledServerOptions, log: Logger = createLogger(options.logLevel)): Promise<App> {
  const db = openCatalog(options.dataDir);
  const metrics = new ServiceMetrics();
  /** Run after the transport has drained (stop services, in reverse order of creation). */
  const closers: Array<() => Promise<void> | void> = [];
  /** Run when shutdown starts, before draining: end long-lived streams (WatchStatus, RecommendAll) so drain can finish. */
  const beforeDrain: Array<() => Promise<void> | void> = [];

  // Data plane: batches (cleans leftovers of interrupted uploads at start).
  const batchService = new BatchService(options, db, log.child({ component: 'batches' }), metrics);
  closers.push(() => batchService.close());

  // Webhooks (callbacks of training jobs) and training jobs.
  const dispatcher = createWebhookDispatcher({ options, db, log, metrics });
  dispatcher.start();
  closers.push(() => dispatcher.stop());
  const models = new ModelRegistry({
    db, dataDir: options.dataDir, log: log.child({ component: 'models' }), versionsKept: options.modelVersionsKept, crashPoint: options.crashPoint,
  });
  const batchRepo = new BatchRepo(db, options.dataDir);
  const sparkStaging = localStagingRoot(options.spark, new DataDir(options.dataDir).sparkStagingDir, options.dataDir);
  const sparkLog = log.child({ component: 'spark' });
  await cleanSparkStaging(sparkStaging, sparkLog);
  const spark = sparkTrainer({ settings: options.spark, localRoot: sparkStaging, log: sparkLog });
  const pipeline = new TrainingPipeline({ batches: batchRepo, registry: models, engine: options.engine, metrics, spark });
  closers.push(() => pipeline.close());
  const jobs = new JobScheduler({ options, db, log: log.child({ component: 'jobs' }), pipeline, registry: models, dispatcher });
  await jobs.start();
  beforeDrain.push(() => jobs.endWatchers());
  closers.push(() => jobs.stop());

  // Serving: models loaded lazily from the store, swapped when the catalog points at a new job.
  // Recommend scores on worker threads (models' factors in shared memory); 0 threads = on the event loop.
  // Cheap rankings stay on the event loop (the hop costs more than it spares); large catalogs get an ANN index.
  const scoring = options.servingThreads > 0 ? new ScoringPool(options.servingThreads, log.child({ component: 'serving' }), options.servingInlineWork) : undefined;
  if (scoring) closers.push(() => scoring.close());
  const annBuilder = new AnnBuilder({ threads: options.annBuildThreads, targetRecall: options.annRecall, log: log.child({ component: 'serving' }) });
  closers.push(() => annBuilder.close());
  const modelCache: ModelCache = new ModelCache({
    scoring: { slots: options.servingThreads, wasm: options.wasmScoring, prefilter: options.servingPrefilter },
    resolveServed: (modelId) => models.served(modelId),
    hasAnyJob: (modelId) => jobs.hasAnyJob(modelId),
    budgetBytes: options.modelCacheBytes,
    log: log.child({ component: 'serving' }),
    metrics,
    ann: { thresholdTargets: options.annThresholdTargets, builder: annBuilder },
  });
  metrics.observe({
    batches: () => batchRepo.totals(),
    jobs: () => jobs.countByState(),
    runningJobs: () => jobs.runningJobs(),
    modelCache: () => modelCache.stats(),
    pendingDeliveries: () => dispatcher.pendingCount(),
  });
  models.onSwap((modelId) => {
    modelCache.invalidate(modelId);
    modelCache.prepare(modelId, models.get(modelId)?.meta);
  });
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
    GetModel: getModelHandler(log, jobs, models, modelCache),
    DescribeDataset: describeDatasetHandler(log, pipeline, options),
    ...modelVersionHandlers(log, jobs, models),
    ...recommendHandlers(log, modelCache, scoring, metrics),
    ...recommendAllHandlers(log, modelCache, servingShutdown.signal),
    ...similarItemsHandlers(log, modelCache),
  };

  let grpc: GrpcServer;
  try {
    grpc = await startGrpcServer(options, handlers, log, metrics);
  } catch (err) {
    // Could not listen: stop what was started (in reverse order), so the process can exit on its own.
    servingShutdown.abort();
    for (const close of [...beforeDrain, ...closers.reverse()]) await Promise.resolve(close()).catch(() => undefined);
    db.close();
    throw err;
  }
  let stopping: Promise<void> | undefined;
  // Metrics, health and the web console on their own HTTP port (in-process: the console calls the services).
  let http: HttpServer | undefined;
  if (options.http) {
    try {
      http = await startHttpServer(options.host, options.http.port === 'any' ? 0 : options.http.port, options.apiKeys, {
        options, jobs, models, batches: batchService, batchRepo, pipeline, serving: modelCache, scoring, metrics,
        log: log.child({ component: 'http' }), healthy: () => stopping === undefined,
      });
      beforeDrain.push(() => http!.endStreams());
      closers.push(() => http!.close());
      log.info({ port: http.port }, 'HTTP listening (/metrics, /healthz, console at /)');
    } catch (err) {
      if (options.http.explicit) {
        await grpc.shutdown(0);
        for (const close of [...beforeDrain, ...closers.reverse()]) await Promise.resolve(close()).catch(() => undefined);
        db.close();
        throw new Error(`cannot listen for HTTP on ${options.host}:${options.http.port} (${errorMessage(err)}): choose another --http-port, or 0 to turn it off`);
      }
      log.warn({ port: options.http.port, err: errorMessage(err) }, 'HTTP port unavailable: metrics, health and the console are off (set --http-port)');
    }
  }
  // The training worker starts now, in the background, so the first Train does not wait for it.
  if (options.backend !== 'spark') warmTrainingWorker({ backend: options.backend as EngineBackend, workers: options.workers }, options.engine).catch((err) =>
    log.warn({ err: errorMessage(err) }, 'could not start the training worker ahead of the first Train'));
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
  return { options, log, db, grpc, port: grpc.port, http, metrics, jobs, models, pipeline, serving: modelCache, stop };
}

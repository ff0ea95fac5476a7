/**
 * The service's Prometheus metrics: the one module that names them. `ServiceMetrics` holds one prom-client
 * Registry per server (so several servers in one process count apart); the composition root (app.ts) makes
 * it and hands it to what records: the gRPC interceptor (transport/grpc-metrics.ts), batches, jobs, the
 * training pipeline, webhooks, the model cache, Recommend. Gauges of stored state read their value when
 * scraped, through the sources set with `observe` (no bookkeeping on the hot paths). Process metrics
 * (prom-client's default collectors: CPU, memory, event-loop lag, GC, handles) are per process and
 * collected once into a registry of their own; `render()` serves both (the HTTP listener's /metrics).
 *
 * To add a metric: add a field here (name `recommender_...`, base units, `_total` for counters) and record
 * it where the event happens.
 *
 * gRPC server metrics follow grpc-ecosystem/go-grpc-middleware's prometheus provider: names, labels
 * (`grpc_type` unary | client_stream | server_stream | bidi_stream, `grpc_service`, `grpc_method`,
 * `grpc_code` as Go's codes.Code names: OK, InvalidArgument, NotFound, ...) and the histogram without a code.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** What the scrape-time gauges read (set by the composition root once the services exist). */
export interface MetricSources {
  /** Stored batches per kind: count, rows (interactions or entities) and file bytes. */
  batches?(): Array<{ kind: string; batches: number; rows: number; bytes: number }>;
  /** Jobs per state (QUEUED, RUNNING, COMPLETED, ERROR, CANCELLED). */
  jobs?(): Array<{ state: string; count: number }>;
  /** Running jobs' progress (0-100). */
  runningJobs?(): Array<{ modelId: string; jobId: string; progress: number; iteration: number; totalIterations: number }>;
  /** The serving cache: bytes and models held. */
  modelCache?(): { bytes: number; models: number; budgetBytes: number };
  /** Webhook deliveries not yet settled. */
  pendingDeliveries?(): number;
}

let processRegistry: Registry | undefined;
/** prom-client's default (process) metrics, collected once per process. */
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

const KINDS = ['interactions', 'entities'];
const JOB_STATES = ['QUEUED', 'RUNNING', 'COMPLETED', 'ERROR', 'CANCELLED'];

export class ServiceMetrics {
  readonly registry = new Registry();
  private sources: MetricSources = {};

  // ---- gRPC server (transport/grpc-metrics.ts)
  readonly grpcStarted = new Counter({
    name: 'grpc_server_started_total', help: 'Total number of RPCs started on the server.',
    labelNames: ['grpc_type', 'grpc_service', 'grpc_method'] as const, registers: [this.registry],
  });
  readonly grpcHandled = new Counter({
    name: 'grpc_server_handled_total', help: 'Total number of RPCs completed on the server, regardless of success or failure.',
    labelNames: ['grpc_type', 'grpc_service', 'grpc_method', 'grpc_code'] as const, registers: [this.registry],
  });
  readonly grpcMsgReceived = new Counter({
    name: 'grpc_server_msg_received_total', help: 'Total number of RPC stream messages received on the server.',
    labelNames: ['grpc_type', 'grpc_service', 'grpc_method'] as const, registers: [this.registry],
  });
  readonly grpcMsgSent = new Counter({
    name: 'grpc_server_msg_sent_total', help: 'Total number of gRPC stream messages sent by the server.',
    labelNames: ['grpc_type', 'grpc_service', 'grpc_method'] as const, registers: [this.registry],
  });
  readonly grpcHandlingSeconds = new Histogram({
    name: 'grpc_server_handling_seconds', help: 'Histogram of response latency (seconds) of gRPC that had been application-level handled by the server.',
    labelNames: ['grpc_type', 'grpc_service', 'grpc_method'] as const, registers: [this.registry],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  });

  // ---- auth (transport/auth.ts)
  readonly authFailures = new Counter({
    name: 'recommender_auth_failures_total', help: 'Calls and HTTP requests refused for a missing or an invalid API key, by transport (grpc, http) and reason.',
    labelNames: ['transport', 'reason'] as const, registers: [this.registry],
  });

  // ---- data plane (service/batches.ts)
  readonly importedRows = new Counter({
    name: 'recommender_imported_rows_total', help: 'Rows stored by ImportBatch calls, by batch kind.',
    labelNames: ['kind'] as const, registers: [this.registry],
  });
  readonly importedBytes = new Counter({
    name: 'recommender_imported_bytes_total', help: 'Arrow IPC bytes received by ImportBatch calls that stored a batch, by batch kind.',
    labelNames: ['kind'] as const, registers: [this.registry],
  });
  readonly storedBatches = this.kindGauge('recommender_stored_batches', 'Batches in the store, by kind.', 'batches');
  readonly storedRows = this.kindGauge('recommender_stored_rows', 'Rows (interactions or entities) in the stored batches, by kind.', 'rows');
  readonly storedBytes = this.kindGauge('recommender_stored_bytes', 'Bytes of the stored batch files, by kind.', 'bytes');

  // ---- training (service/jobs)
  readonly trainingJobs = this.stateGauge('recommender_training_jobs', 'Training jobs in the catalog, by state.', ['state'], (set) => {
    const rows = this.sources.jobs?.() ?? [];
    for (const state of JOB_STATES) set({ state }, rows.find((r) => r.state === state)?.count ?? 0);
  });
  readonly trainingIterationSeconds = new Histogram({
    name: 'recommender_training_iteration_seconds', help: 'Wall-clock seconds of one ALS iteration (both half-sweeps and the loss), every fit of every job.',
    registers: [this.registry], buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
  });
  readonly trainingProgress = this.runningJobGauge('recommender_training_progress_percent', 'Progress (0-100) of each running training job.', 'progress');
  readonly trainingIteration = this.runningJobGauge('recommender_training_iteration', 'Iteration in progress of each running training job (1-based, across its fits).', 'iteration');

  // ---- webhooks (service/webhooks/dispatcher.ts)
  readonly webhookAttempts = new Counter({
    name: 'recommender_webhook_attempts_total', help: 'Webhook delivery attempts, by outcome: delivered (2xx), retry (failed, another attempt scheduled), failed (failed, retries exhausted), stopped (410).',
    labelNames: ['outcome'] as const, registers: [this.registry],
  });
  readonly webhookDeliveries = new Counter({
    name: 'recommender_webhook_deliveries_total', help: 'Webhook deliveries settled, by outcome: delivered, failed (retries exhausted), stopped (410).',
    labelNames: ['outcome'] as const, registers: [this.registry],
  });
  readonly webhookPending = this.stateGauge('recommender_webhook_deliveries_pending', 'Webhook deliveries not settled yet (in flight or waiting for a retry).', [], (set) => {
    set({}, this.sources.pendingDeliveries?.() ?? 0);
  });

  // ---- serving (service/models/model-cache.ts, service/serving)
  readonly modelCacheBytes = this.stateGauge('recommender_model_cache_bytes', 'Bytes of the models held in memory for serving.', [], (set) => {
    set({}, this.sources.modelCache?.().bytes ?? 0);
  });
  readonly modelCacheModels = this.stateGauge('recommender_model_cache_models', 'Models held in memory for serving.', [], (set) => {
    set({}, this.sources.modelCache?.().models ?? 0);
  });
  readonly modelCacheRequests = new Counter({
    name: 'recommender_model_cache_requests_total', help: 'Serving requests for a model, by result: hit (in memory) or miss (loaded from disk).',
    labelNames: ['result'] as const, registers: [this.registry],
  });
  readonly recommendSeconds = new Histogram({
    name: 'recommender_recommend_seconds', help: 'Latency of Recommend calls (seconds), from the request to the response, failures included.',
    registers: [this.registry], buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  });

  /** Sets (adds to) the sources the scrape-time gauges read. */
  observe(sources: MetricSources): void {
    this.sources = { ...this.sources, ...sources };
  }

  /** The Prometheus text exposition of this server's metrics and the process's. */
  async render(): Promise<{ contentType: string; body: string }> {
    const [ours, proc] = await Promise.all([this.registry.metrics(), processMetrics().metrics()]);
    return { contentType: this.registry.contentType, body: `${ours}\n${proc}` };
  }

  /** A per-kind gauge of the stored batches. */
  private kindGauge(name: string, help: string, field: 'batches' | 'rows' | 'bytes'): Gauge<'kind'> {
    return this.stateGauge(name, help, ['kind'], (set) => {
      const rows = this.sources.batches?.() ?? [];
      for (const kind of KINDS) set({ kind }, rows.find((r) => r.kind === kind)?.[field] ?? 0);
    });
  }

  /** A gauge with one sample per running job. */
  private runningJobGauge(name: string, help: string, field: 'progress' | 'iteration'): Gauge<'model_id' | 'job_id'> {
    return this.stateGauge(name, help, ['model_id', 'job_id'], (set) => {
      for (const j of this.sources.runningJobs?.() ?? []) set({ model_id: j.modelId, job_id: j.jobId }, j[field]);
    });
  }

  /** A gauge whose values are read at scrape time (reset first, so label sets that went away disappear). */
  private stateGauge<L extends string>(name: string, help: string, labelNames: L[], read: (set: (labels: Partial<Record<L, string>>, v: number) => void) => void): Gauge<L> {
    return new Gauge<L>({
      name, help, labelNames, registers: [this.registry],
      collect() {
        this.reset();
        read((labels, v) => (labelNames.length ? this.set(labels, v) : this.set(v)));
      },
    });
  }
}

import { randomBytes } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { CompiledServerOptions } from '../../config.js';
import { writeModel } from '../../data/model-file.js';
import { selectInWorker } from '../../data/select-in-worker.js';
import type { Selection, StoredBatchRef } from '../../data/selection.js';
import { trainInWorker } from '../../engine/worker-trainer.js';
import type { AlsResult, CsrMatrix, TrainProgress } from '../../engine/types.js';
import { AbortedError, CancelledError, errorMessage, FailedPreconditionError, InvalidArgumentError, NotFoundError, UnavailableError } from '../../errors.js';
import type { TrainRequest__Output } from '../../gen/recommender/v1/TrainRequest.js';
import type { Logger } from '../../log.js';
import { evaluateHoldout } from '../evaluation/evaluate.js';
import type { ModelMeta, TrainedModel } from '../../data/trained-model.js';
import type { BatchRepo } from '../store/batch-repo.js';
import type { Db } from '../store/catalog.js';
import { TEMP_PREFIX } from '../../util/atomic-file.js';
import { buildTrainingEvent, type TerminalJobStatus, type TrainingEvent } from '../webhooks/event.js';
import { validateCallbackUrl } from '../webhooks/url-guard.js';
import { isTerminal, type JobRecord } from './job-record.js';
import { JobRepo, type ModelRow } from './job-repo.js';
import { StatusHub } from './status-hub.js';
import { compileTrainParams, selectionParams, type DataSelectionParams, type TrainParams } from './train-params.js';

/**
 * Training jobs: Train returns at once; jobs run in the background, at most `trainingConcurrency` at a
 * time, the rest QUEUED in FIFO order.
 *
 * Policies (README "Training: selection, filters, jobs"):
 * - A retried Train with the same request_id returns the job created the first time (whatever else the
 *   retry says).
 * - A Train for a model_id that already has a QUEUED or RUNNING job is rejected with ABORTED naming that
 *   job (cancel it first, or wait).
 * - An empty selection (0 interactions after tags, age and filters) makes the job ERROR with a message
 *   saying so (DescribeDataset tells the size before training).
 * - Replacement is atomic: the new model is written to models/<model_id>/<job_id>/ (temp dir + rename),
 *   then ONE SQLite transaction marks the job COMPLETED and points `models.job_id` at it. Until then,
 *   and forever if the job fails or is cancelled, the previous model is the one served.
 * - Crash safety: at start, jobs left QUEUED/RUNNING by a dead process become ERROR
 *   "interrupted: the server stopped while this job was running" (no resume), their callbacks are
 *   enqueued, temp and orphan model directories are removed. A graceful stop does the same to its
 *   running and queued jobs.
 */
export const INTERRUPTED = 'interrupted: the server stopped while this job was running';

/** The parts of H5's WebhookDispatcher the jobs use. */
export interface CallbackDispatcher {
  enqueue(d: { jobId: string; modelId: string; url: string; event: TrainingEvent; webhookId?: string }): unknown;
  statusForJob(jobId: string): CallbackState | undefined;
  onChange(listener: (change: unknown) => void): unknown;
}
export interface CallbackState {
  id?: string; webhookId?: string; url: string; state: string; attempts: number; lastHttpStatus?: number; lastError?: string; nextAttemptMs?: number;
}

export interface JobManagerDeps {
  options: CompiledServerOptions;
  db: Db;
  log: Logger;
  batches: BatchRepo;
  dispatcher?: CallbackDispatcher;
  /** Told after a model's served job changed (e.g. to drop a cached model). */
  onModelSwap?: (modelId: string, jobId: string) => void;
}

interface StoredRequest {
  request: TrainRequest__Output;
  modelId: string;
  nowMs: number;
}

interface Running {
  controller: AbortController;
  cancelRequested: boolean;
  lastPersistMs: number;
}

export function modelsDir(dataDir: string): string {
  return join(dataDir, 'models');
}
export function modelDir(dataDir: string, modelId: string, jobId: string): string {
  return join(modelsDir(dataDir), modelId, jobId);
}

function newJobId(): string {
  return `job-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}

/** Number of distinct sources per target (column counts of the CSR). */
function columnCounts(m: CsrMatrix): Float32Array {
  const out = new Float32Array(m.cols);
  for (let i = 0; i < m.indices.length; i++) out[m.indices[i]!]! += 1;
  return out;
}

export class JobManager {
  readonly hub = new StatusHub<JobRecord>();
  private readonly repo: JobRepo;
  /** In-memory copies of non-terminal jobs (the source of truth while they run). */
  private readonly live = new Map<string, JobRecord>();
  private readonly queue: string[] = [];
  private readonly running = new Map<string, Running>();
  /** Last resolved served-model pointer per model (servedModel); replaced when the catalog names another job. */
  private readonly servedPointers = new Map<string, { jobId: string; dir: string }>();
  private readonly runPromises = new Set<Promise<void>>();
  private stopping = false;
  /** Aborted at shutdown: watch streams end on it. */
  private readonly shutdownController = new AbortController();
  private readonly cleanupTimers = new Set<NodeJS.Timeout>();

  constructor(private readonly deps: JobManagerDeps) {
    this.repo = new JobRepo(deps.db);
    // Every WatchStatus stream listens on it.
    setMaxListeners(0, this.shutdownController.signal);
    deps.dispatcher?.onChange((change) => {
      const jobId = typeof change === 'string' ? change : (change as { jobId?: string } | undefined)?.jobId;
      if (!jobId) return;
      const job = this.get(jobId);
      if (!job) return;
      if (!this.live.has(jobId)) {
        // Terminal jobs: bump the sequence so watchers/pollers see the delivery change.
        job.sequence++;
        this.repo.update(job);
      }
      this.hub.publish(jobId, job);
    });
  }

  get shutdownSignal(): AbortSignal {
    return this.shutdownController.signal;
  }

  /** Recovers jobs a dead process left behind, cleans temp model dirs. Call once before serving. */
  async start(): Promise<void> {
    for (const job of this.repo.activeJobs()) {
      job.status = 'ERROR';
      job.error = INTERRUPTED;
      job.endMs = Date.now();
      job.etaSeconds = undefined;
      job.sequence++;
      this.repo.update(job);
      this.deps.log.warn({ jobId: job.jobId, modelId: job.modelId }, 'job interrupted by a previous stop; marked ERROR');
      this.enqueueCallback(job);
    }
    // A process that died between a job's terminal row and its enqueue left no delivery: enqueue it now
    // (the webhook id is derived from the job id, so this is idempotent).
    for (const job of this.repo.terminalJobsWithCallback()) {
      if (this.deps.dispatcher && !this.deps.dispatcher.statusForJob(job.jobId)) this.enqueueCallback(job);
    }
    await this.cleanModelDirs();
  }

  /** Removes `.tmp-*` leftovers and directories of jobs that are not served. */
  private async cleanModelDirs(): Promise<void> {
    const root = modelsDir(this.deps.options.dataDir);
    let models: string[];
    try { models = await readdir(root); } catch { return; }
    for (const m of models) {
      const dir = join(root, m);
      if (m.startsWith(TEMP_PREFIX)) { await rm(dir, { recursive: true, force: true }); continue; }
      const served = this.repo.model(m)?.jobId;
      let entries: string[];
      try { entries = await readdir(dir); } catch { continue; }
      for (const e of entries) {
        if (e === served) continue;
        const job = this.repo.get(e);
        if (job && !isTerminal(job.status)) continue;
        await rm(join(dir, e), { recursive: true, force: true });
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Calls

  train(request: TrainRequest__Output): JobRecord {
    if (this.stopping) throw new UnavailableError('the server is shutting down; retry with the same request_id');
    if (request.request_id) {
      const existing = this.repo.byRequestId(request.request_id);
      if (existing) return this.get(existing.jobId)!;
    }
    const nowMs = Date.now();
    const params = compileTrainParams(request, this.deps.options, nowMs);
    if (request.callback_url) validateCallbackUrl(request.callback_url, { allowlist: this.deps.options.webhookAllowlist, field: 'callback_url' });
    const latest = this.repo.latestForModel(params.modelId);
    if (latest && !isTerminal(latest.status)) {
      throw new AbortedError(`model "${params.modelId}" is already training (job ${latest.jobId}, ${latest.status}); cancel it or wait for it to end`, { field: 'model_id' });
    }
    const stored: StoredRequest = { request, modelId: params.modelId, nowMs };
    const job: JobRecord = {
      jobId: newJobId(), modelId: params.modelId, requestId: request.request_id || undefined, status: 'QUEUED', createMs: nowMs,
      error: '', progress: 0, iteration: 0, totalIterations: params.als.iterations * (params.evaluation ? 2 : 1),
      backend: '', device: '', batchIds: [], callbackUrl: request.callback_url ?? '', requestJson: JSON.stringify(stored),
      lossCurve: [], sequence: 1,
    };
    try {
      this.repo.insert(job);
    } catch (err) {
      // A concurrent retry with the same request_id won the insert.
      if (request.request_id && /UNIQUE/.test(errorMessage(err))) {
        const existing = this.repo.byRequestId(request.request_id);
        if (existing) return this.get(existing.jobId)!;
      }
      throw err;
    }
    this.live.set(job.jobId, job);
    this.queue.push(job.jobId);
    this.deps.log.info({ jobId: job.jobId, modelId: job.modelId }, 'training job queued');
    this.pump();
    return { ...job };
  }

  /** The job (live copy if running); undefined if unknown. */
  get(jobId: string): JobRecord | undefined {
    const live = this.live.get(jobId);
    return live ? { ...live } : this.repo.get(jobId);
  }

  /** By job_id, or the latest job of model_id. NOT_FOUND / INVALID_ARGUMENT otherwise. */
  resolve(req: { job_id?: string; model_id?: string }): JobRecord {
    if (req.job_id) {
      const j = this.get(req.job_id);
      if (!j) throw new NotFoundError(`no job "${req.job_id}"`, { field: 'job_id' });
      if (req.model_id && j.modelId !== req.model_id) throw new NotFoundError(`job "${req.job_id}" is not a job of model "${req.model_id}"`, { field: 'job_id' });
      return j;
    }
    if (req.model_id) {
      const latest = this.repo.latestForModel(req.model_id);
      if (!latest) throw new NotFoundError(`no model "${req.model_id}"`, { field: 'model_id' });
      return this.get(latest.jobId)!;
    }
    throw new InvalidArgumentError('give job_id or model_id', { field: 'job_id' });
  }

  cancel(req: { job_id?: string; model_id?: string }): JobRecord {
    const job = this.resolve(req);
    const live = this.live.get(job.jobId);
    if (!live || isTerminal(live.status)) {
      throw new FailedPreconditionError(`job ${job.jobId} has already ended (${job.status})`, { field: req.job_id ? 'job_id' : 'model_id' });
    }
    if (live.status === 'QUEUED') {
      const i = this.queue.indexOf(live.jobId);
      if (i >= 0) this.queue.splice(i, 1);
      this.finish(live, 'CANCELLED', 'cancelled by request before it started');
      return { ...live };
    }
    const r = this.running.get(live.jobId);
    if (r && !r.cancelRequested) {
      r.cancelRequested = true;
      r.controller.abort(new CancelledError('cancelled by request'));
    }
    return { ...live };
  }

  /** The served job of a model and its directory (for the model cache); undefined when none completed yet. */
  servedModel(modelId: string): { jobId: string; dir: string } | undefined {
    // Asked on every Recommend: the catalog stays the source of truth (one indexed single-column read, so a
    // swap by any writer is seen by the next call); only the resolved pointer object is reused.
    const jobId = this.repo.servedJobId(modelId);
    if (!jobId) return undefined;
    const last = this.servedPointers.get(modelId);
    if (last?.jobId === jobId) return last;
    const p = { jobId, dir: modelDir(this.deps.options.dataDir, modelId, jobId) };
    this.servedPointers.set(modelId, p);
    return p;
  }
  hasAnyJob(modelId: string): boolean {
    return this.repo.latestForModel(modelId) !== undefined;
  }

  model(modelId: string): ModelRow | undefined {
    return this.repo.model(modelId);
  }
  latestJob(modelId: string): JobRecord | undefined {
    const j = this.repo.latestForModel(modelId);
    return j && this.get(j.jobId);
  }
  models(afterId: string, limit: number): ModelRow[] {
    return this.repo.models(afterId, limit);
  }
  jobRecord(jobId: string): JobRecord | undefined {
    return this.get(jobId);
  }

  callbackState(jobId: string): CallbackState | undefined {
    try { return this.deps.dispatcher?.statusForJob(jobId); } catch { return undefined; }
  }

  /** The selection a Train with these parameters would see (DescribeDataset); runs in a worker thread like Train's. */
  async describe(p: DataSelectionParams, signal?: AbortSignal): Promise<Selection> {
    const { interactions, entities } = this.selectBatches(p);
    return selectInWorker(interactions, entities, { nowMs: p.nowMs, maxAgeDays: p.maxAgeDays, filters: p.filters, signal }, 'count');
  }

  static selectionParams = selectionParams;

  private selectBatches(p: DataSelectionParams): { interactions: StoredBatchRef[]; entities: StoredBatchRef[] } {
    const sel = { tags: p.tags, tagMatch: p.tagMatch };
    return {
      interactions: this.deps.batches.selectAll({ ...sel, kind: 'INTERACTIONS' }),
      entities: this.deps.batches.selectAll({ ...sel, kind: 'ENTITIES' }),
    };
  }

  // ---------------------------------------------------------------------------------------------
  // Running

  private pump(): void {
    while (!this.stopping && this.running.size < this.deps.options.trainingConcurrency && this.queue.length > 0) {
      const jobId = this.queue.shift()!;
      const job = this.live.get(jobId);
      if (!job || job.status !== 'QUEUED') continue;
      const r: Running = { controller: new AbortController(), cancelRequested: false, lastPersistMs: 0 };
      this.running.set(jobId, r);
      const p = this.run(job, r).finally(() => {
        this.running.delete(jobId);
        this.runPromises.delete(p);
        this.pump();
      });
      this.runPromises.add(p);
    }
  }

  private change(job: JobRecord, persist: boolean): void {
    job.sequence++;
    if (persist) this.repo.update(job);
    this.hub.publish(job.jobId, { ...job });
  }

  private async run(job: JobRecord, r: Running): Promise<void> {
    const log = this.deps.log.child({ jobId: job.jobId, modelId: job.modelId });
    const signal = r.controller.signal;
    job.status = 'RUNNING';
    job.startMs = Date.now();
    this.change(job, true);
    log.info('training job started');
    let dir: string | undefined;
    try {
      const stored = JSON.parse(job.requestJson) as StoredRequest;
      const params: TrainParams = compileTrainParams({ ...stored.request, model_id: stored.modelId }, this.deps.options, stored.nowMs);
      const { interactions, entities } = this.selectBatches(params);
      const sel = await selectInWorker(interactions, entities, {
        nowMs: params.nowMs, maxAgeDays: params.maxAgeDays, filters: params.filters, typeWeights: params.typeWeights, signal,
      });
      job.data = { ...sel.counts };
      job.batchIds = sel.batchIds;
      this.change(job, true);
      if (sel.counts.interactions === 0) {
        throw new InvalidArgumentError(`no interactions selected (tags ${JSON.stringify(params.tags)} match ${interactions.length} interaction batch(es); ${sel.counts.droppedByAge} rows dropped by age, ${sel.counts.droppedByFilter} by filters)`);
      }
      const phases = params.evaluation ? 2 : 1;
      const iters = params.als.iterations;
      const onProgress = (phase: number) => (p: TrainProgress) => {
        job.progress = Math.min(99, Math.max(job.progress, ((phase + p.fraction) / phases) * 100));
        job.iteration = phase * iters + p.iteration;
        if (p.loss !== undefined) job.loss = p.loss;
        job.etaSeconds = p.etaMs === undefined ? undefined : (p.etaMs + (phases - 1 - phase) * (p.elapsedMs + p.etaMs)) / 1000;
        const now = Date.now();
        const persist = now - r.lastPersistMs >= 1000;
        if (persist) r.lastPersistMs = now;
        this.change(job, persist);
      };
      const engineLog = (msg: string, fields?: Record<string, unknown>) => log.debug(fields ?? {}, msg);
      const engine = { settings: this.deps.options.engine };
      const result: AlsResult = await trainInWorker(sel.matrix, params.als, { onProgress: onProgress(0), signal, log: engineLog }, engine);
      job.backend = result.backend;
      job.device = result.device;
      job.lossCurve = result.lossCurve;
      if (result.lossCurve.length > 0) job.loss = result.lossCurve[result.lossCurve.length - 1];
      this.change(job, true);
      if (params.evaluation) {
        const ev = params.evaluation;
        job.evaluation = await evaluateHoldout(sel.matrix, { holdoutFraction: ev.holdoutFraction, seed: ev.seed, k: ev.k }, async (train) => {
          const fit = await trainInWorker(train, params.als, { onProgress: onProgress(1), signal, log: engineLog }, engine);
          return { sourceFactors: fit.sourceFactors, targetFactors: fit.targetFactors, factors: fit.factors };
        });
        this.change(job, true);
      }
      signal.throwIfAborted();
      const meta: ModelMeta = {
        modelId: job.modelId, jobId: job.jobId, trainedMs: Date.now(), factors: result.factors, backend: result.backend, device: result.device,
        batchIds: sel.batchIds, hyperparameters: { ...params.als, typeWeights: params.typeWeights ?? {} }, lossCurve: result.lossCurve,
        lossKind: result.lossKind, trainSeconds: result.seconds, evaluation: job.evaluation, data: { ...sel.counts },
      };
      const model: TrainedModel = {
        meta, sourceIds: sel.sourceIds, targetIds: sel.targetIds, sourceFactors: result.sourceFactors, targetFactors: result.targetFactors,
        seen: { indptr: sel.matrix.indptr, indices: sel.matrix.indices, data: sel.matrix.data },
        targetPopularity: columnCounts(sel.matrix), sourceEntities: sel.sourceEntities, targetEntities: sel.targetEntities,
      };
      dir = modelDir(this.deps.options.dataDir, job.modelId, job.jobId);
      await writeModel(dir, model);
      signal.throwIfAborted();
      const previous = this.repo.model(job.modelId)?.jobId;
      job.status = 'COMPLETED';
      job.progress = 100;
      job.iteration = job.totalIterations;
      job.etaSeconds = 0;
      job.endMs = Date.now();
      job.sequence++;
      this.repo.completeAndServe(job, meta);
      dir = undefined;
      this.live.delete(job.jobId);
      log.info({ seconds: result.seconds, backend: result.backend }, 'training job completed; model swapped');
      try { this.deps.onModelSwap?.(job.modelId, job.jobId); } catch (err) { log.warn({ err: errorMessage(err) }, 'model swap listener failed'); }
      this.hub.publish(job.jobId, { ...job });
      this.enqueueCallback(job);
      if (previous && previous !== job.jobId) this.removeLater(modelDir(this.deps.options.dataDir, job.modelId, previous));
    } catch (err) {
      if (dir) await rm(dir, { recursive: true, force: true }).catch(() => undefined);
      if (r.cancelRequested) this.finish(job, 'CANCELLED', 'cancelled by request');
      else if (this.stopping) this.finish(job, 'ERROR', INTERRUPTED);
      else {
        log.warn({ err: errorMessage(err) }, 'training job failed');
        this.finish(job, 'ERROR', errorMessage(err));
      }
    }
  }

  /** Removes an old model directory a minute later (a reader may have looked up the row just before the swap). */
  private removeLater(dir: string): void {
    const t = setTimeout(() => { this.cleanupTimers.delete(t); void rm(dir, { recursive: true, force: true }).catch(() => undefined); }, 60_000);
    t.unref();
    this.cleanupTimers.add(t);
  }

  private finish(job: JobRecord, status: TerminalJobStatus, error: string): void {
    job.status = status;
    job.error = error;
    job.endMs = Date.now();
    job.etaSeconds = undefined;
    this.live.delete(job.jobId);
    this.change(job, true);
    this.enqueueCallback(job);
  }

  private enqueueCallback(job: JobRecord): void {
    if (!job.callbackUrl || !this.deps.dispatcher) return;
    try {
      const event = buildTrainingEvent({
        modelId: job.modelId, jobId: job.jobId, status: job.status as TerminalJobStatus, error: job.error || undefined,
        startTime: job.startMs ?? null, endTime: job.endMs ?? null, progress: job.progress, batchIds: job.batchIds,
      });
      this.deps.dispatcher.enqueue({ jobId: job.jobId, modelId: job.modelId, url: job.callbackUrl, event, webhookId: `msg_${job.jobId}` });
    } catch (err) {
      this.deps.log.error({ jobId: job.jobId, err: errorMessage(err) }, 'could not enqueue the callback');
    }
  }

  /** Ends watch streams (before the transport drains). */
  endWatchers(): void {
    this.shutdownController.abort(new Error('server shutting down'));
  }

  /** Stops: queued and running jobs become ERROR "interrupted" (callbacks enqueued). */
  async stop(): Promise<void> {
    this.stopping = true;
    this.endWatchers();
    for (const jobId of this.queue.splice(0)) {
      const job = this.live.get(jobId);
      if (job && job.status === 'QUEUED') this.finish(job, 'ERROR', INTERRUPTED);
    }
    for (const r of this.running.values()) r.controller.abort(new Error(INTERRUPTED));
    await Promise.allSettled([...this.runPromises]);
    for (const t of this.cleanupTimers) clearTimeout(t);
  }
}

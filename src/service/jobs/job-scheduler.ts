/**
 * Training jobs: Train returns at once; jobs run in the background (TrainingPipeline), at most
 * `trainingConcurrency` at a time, the rest QUEUED in FIFO order. Watchers follow a job's changes
 * through `hub`; a terminal job's callback is handed to the webhook dispatcher.
 *
 * Policies (README "Training: selection, filters, jobs"):
 * - A retried Train with the same request_id returns the job created the first time (whatever else the
 *   retry says).
 * - A Train for a model_id that already has a QUEUED or RUNNING job is rejected with ABORTED naming that
 *   job (cancel it first, or wait).
 * - An empty selection (0 interactions after tags, age and filters) makes the job ERROR with a message
 *   saying so (DescribeDataset tells the size before training).
 * - Replacement is atomic: the new model is written to models/<model_id>/<job_id>/ (temp dir + rename),
 *   then ONE SQLite transaction marks the job COMPLETED and points `models.job_id` at it
 *   (ModelRegistry.commit). Until then, and forever if the job fails or is cancelled, the previous
 *   model is the one served.
 * - Crash safety: at start, jobs left QUEUED/RUNNING by a dead process become ERROR
 *   "interrupted: the server stopped while this job was running" (no resume), their callbacks are
 *   enqueued, temp and orphan model directories are removed (ModelRegistry.clean). A graceful stop does
 *   the same to its running and queued jobs.
 */
import { randomBytes } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import type { CompiledServerOptions } from '../../config.js';
import { AbortedError, CancelledError, echo, errorMessage, FailedPreconditionError, InvalidArgumentError, NotFoundError, UnavailableError } from '../../errors.js';
import type { TrainRequest__Output } from '../../gen/recommender/v1/TrainRequest.js';
import type { Logger } from '../../log.js';
import type { ModelRegistry } from '../models/model-registry.js';
import type { Db } from '../store/catalog.js';
import { buildTrainingEvent, type TerminalJobStatus, type TrainingEvent } from '../webhooks/event.js';
import { validateCallbackUrl } from '../webhooks/url-guard.js';
import { validateRequestId } from '../request-limits.js';
import { diskFullError } from '../../data-dir.js';
import { isTerminal, type JobRecord } from './job-record.js';
import { JobRepo } from './job-repo.js';
import { StatusHub } from './status-hub.js';
import { compileTrainParams, storedTrainParams, storeTrainRequest } from './train-params.js';
import { totalIterationsOf } from './job-work.js';
import { jobWorkOf, type TrainingPipeline } from './training-pipeline.js';

export const INTERRUPTED = 'interrupted: the server stopped while this job was running';

/** The parts of the webhook dispatcher (service/webhooks) the jobs use. */
export interface CallbackDispatcher {
  enqueue(d: { jobId: string; modelId: string; url: string; event: TrainingEvent; webhookId?: string }): unknown;
  statusForJob(jobId: string): CallbackState | undefined;
  onChange(listener: (change: unknown) => void): unknown;
}
export interface CallbackState {
  id?: string; webhookId?: string; url: string; state: string; attempts: number; lastHttpStatus?: number; lastError?: string; nextAttemptMs?: number;
}

export interface JobSchedulerDeps {
  options: CompiledServerOptions;
  db: Db;
  log: Logger;
  pipeline: TrainingPipeline;
  registry: ModelRegistry;
  dispatcher?: CallbackDispatcher;
}

interface Running {
  controller: AbortController;
  cancelRequested: boolean;
}

function newJobId(): string {
  return `job-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}

export class JobScheduler {
  readonly hub = new StatusHub<JobRecord>();
  private readonly repo: JobRepo;
  /** In-memory copies of non-terminal jobs (the source of truth while they run). */
  private readonly live = new Map<string, JobRecord>();
  private readonly queue: string[] = [];
  private readonly running = new Map<string, Running>();
  private readonly runPromises = new Set<Promise<void>>();
  private readonly runByJob = new Map<string, Promise<void>>();
  private stopping = false;
  /** Aborted at shutdown: watch streams end on it. */
  private readonly shutdownController = new AbortController();

  constructor(private readonly deps: JobSchedulerDeps) {
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

  /** Recovers jobs a dead process left behind, cleans temp and orphan model dirs. Call once before serving. */
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
    await this.deps.registry.clean((jobId) => {
      const job = this.repo.get(jobId);
      return job !== undefined && !isTerminal(job.status);
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Calls

  train(request: TrainRequest__Output): JobRecord {
    if (this.stopping) throw new UnavailableError('the server is shutting down; retry with the same request_id');
    validateRequestId(request.request_id, 'request_id');
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
    const job: JobRecord = {
      jobId: newJobId(), modelId: params.modelId, requestId: request.request_id || undefined, status: 'QUEUED', createMs: nowMs,
      error: '', progress: 0, iteration: 0, totalIterations: totalIterationsOf(jobWorkOf(params)),
      backend: '', device: '', batchIds: [], callbackUrl: request.callback_url ?? '', requestJson: storeTrainRequest(request, params.modelId, nowMs),
      lossCurve: [], sequence: 1,
    };
    try {
      this.deps.registry.register(job.modelId, job.createMs, () => this.repo.insert(job));
    } catch (err) {
      // A concurrent retry with the same request_id won the insert.
      if (request.request_id && /UNIQUE/.test(errorMessage(err))) {
        const existing = this.repo.byRequestId(request.request_id);
        if (existing) return this.get(existing.jobId)!;
      }
      throw diskFullError(err, this.deps.options.dataDir);
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
      if (!j) throw new NotFoundError(`no job ${echo(req.job_id)}`, { field: 'job_id' });
      if (req.model_id && j.modelId !== req.model_id) throw new NotFoundError(`job ${echo(req.job_id)} is not a job of model ${echo(req.model_id)}`, { field: 'job_id' });
      return j;
    }
    if (req.model_id) {
      const latest = this.repo.latestForModel(req.model_id);
      if (!latest) throw new NotFoundError(`no model ${echo(req.model_id)}`, { field: 'model_id' });
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

  hasAnyJob(modelId: string): boolean {
    return this.repo.latestForModel(modelId) !== undefined;
  }

  latestJob(modelId: string): JobRecord | undefined {
    const j = this.repo.latestForModel(modelId);
    return j && this.get(j.jobId);
  }

  /** The newest jobs first (live copies of running ones), at most `limit`. */
  recent(limit: number): JobRecord[] {
    return this.repo.recent(limit).map((j) => this.get(j.jobId) ?? j);
  }

  /** Jobs per state, and the running ones (metrics). */
  countByState(): Array<{ state: string; count: number }> {
    return this.repo.countByState().map((r) => ({ state: r.status, count: r.n }));
  }
  runningJobs(): JobRecord[] {
    return [...this.live.values()].filter((j) => j.status === 'RUNNING').map((j) => ({ ...j }));
  }

  /**
   * DeleteModel: a model with a queued or running job is refused (FAILED_PRECONDITION naming `force`) unless
   * `force`, which cancels that job and waits until it has stopped (so it cannot commit a version under the
   * delete); then every version, file and catalog row of the model (its jobs' rows too) goes
   * (ModelRegistry.delete).
   */
  async deleteModel(modelId: string, force: boolean): Promise<{ deletedVersions: number[]; cancelledJobId?: string }> {
    if (this.stopping) throw new UnavailableError('the server is shutting down');
    this.deps.registry.versions(modelId); // NOT_FOUND / INVALID_ARGUMENT naming model_id
    const active = () => [...this.live.values()].find((j) => j.modelId === modelId && !isTerminal(j.status));
    let job = active();
    let cancelledJobId: string | undefined;
    if (job) {
      if (!force) {
        throw new FailedPreconditionError(`model "${modelId}" has a ${job.status} job (${job.jobId}): cancel it or wait for it, or delete with force to cancel it`, { field: 'force' });
      }
      cancelledJobId = job.jobId;
      this.cancel({ job_id: job.jobId });
      await this.runByJob.get(job.jobId)?.catch(() => undefined);
      job = active();
      if (job) throw new AbortedError(`model "${modelId}" got a new job (${job.jobId}) while the delete waited for the cancelled one; try again`, { field: 'model_id' });
    }
    const deletedVersions = this.deps.registry.delete(modelId, () => this.repo.deleteForModel(modelId));
    return { deletedVersions, cancelledJobId };
  }

  callbackState(jobId: string): CallbackState | undefined {
    try { return this.deps.dispatcher?.statusForJob(jobId); } catch { return undefined; }
  }

  // ---------------------------------------------------------------------------------------------
  // Running

  private pump(): void {
    while (!this.stopping && this.running.size < this.deps.options.trainingConcurrency && this.queue.length > 0) {
      const jobId = this.queue.shift()!;
      const job = this.live.get(jobId);
      if (!job || job.status !== 'QUEUED') continue;
      const r: Running = { controller: new AbortController(), cancelRequested: false };
      this.running.set(jobId, r);
      const p = this.run(job, r).finally(() => {
        this.running.delete(jobId);
        this.runPromises.delete(p);
        this.runByJob.delete(jobId);
        this.pump();
      });
      this.runPromises.add(p);
      this.runByJob.set(jobId, p);
    }
  }

  private change(job: JobRecord, persist: boolean): void {
    job.sequence++;
    if (persist) {
      // A catalog that cannot be written (disk full) must not stop the job's bookkeeping: watchers still see
      // the change; a row left behind is recovered at the next start like a crash's.
      try { this.repo.update(job); } catch (err) {
        this.deps.log.error({ jobId: job.jobId, err: errorMessage(diskFullError(err, this.deps.options.dataDir)) }, 'could not write the job to the catalog');
      }
    }
    this.hub.publish(job.jobId, { ...job });
  }

  private async run(job: JobRecord, r: Running): Promise<void> {
    const log = this.deps.log.child({ jobId: job.jobId, modelId: job.modelId });
    job.status = 'RUNNING';
    job.startMs = Date.now();
    this.change(job, true);
    log.info('training job started');
    try {
      const params = storedTrainParams(job.requestJson, this.deps.options);
      await this.deps.pipeline.run(job, params, {
        signal: r.controller.signal, log, report: (persist) => this.change(job, persist), save: () => this.repo.update(job),
      });
      this.live.delete(job.jobId);
      log.info({ seconds: (job.endMs! - job.startMs) / 1000, backend: job.backend, version: job.version, promotion: job.promotion || undefined },
        job.promoted ? 'training job completed; model swapped' : 'training job completed; its version does not serve (promote gate)');
      this.hub.publish(job.jobId, { ...job });
      this.enqueueCallback(job);
    } catch (err) {
      if (r.cancelRequested) this.finish(job, 'CANCELLED', 'cancelled by request');
      else if (this.stopping) this.finish(job, 'ERROR', INTERRUPTED);
      else {
        log.warn({ err: errorMessage(err) }, 'training job failed');
        this.finish(job, 'ERROR', errorMessage(err));
      }
    }
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
        version: job.version, promoted: job.promoted, promotion: job.promotion,
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
    this.deps.registry.stop();
  }
}

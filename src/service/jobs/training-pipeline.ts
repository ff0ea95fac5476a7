/**
 * The training pipeline of one job, as a list of steps run in order on a shared `TrainingRun`:
 *
 *   select   the stored batches the request selects -> the training matrix and its statistics (a selection worker thread)
 *   defaults the hyperparameters the call left unset, chosen from those statistics (engine/defaults.ts), logged and
 *            kept for the model's metadata (ModelMeta.chosen)
 *   tune     when asked: the hyperparameter search (service/tuning), which replaces `params.als` with the chosen settings
 *   train    the ALS fit on all of it (a training worker thread, through `trainer`)
 *   evaluate when asked: a second fit on a holdout split, ranked against the held-out part (split and ranking on a worker)
 *   write    the model directory (temp dir + rename, ModelRegistry.write, on a worker thread: the selection's and
 *            the fit's buffers move there, so afterwards the run keeps only the model's meta)
 *   swap     ONE transaction: the model's new version, the job's COMPLETED row and, unless the promote gate
 *            refuses it, the model's served pointer (ModelRegistry.commit)
 *
 * A step reads what earlier steps left on the run and adds its own part; new phases are steps inserted in
 * the list or another `Trainer`. Progress 0-100 spans the job's whole work (`TrainingRun.work`): the
 * search's iterations, then the `fits` training runs (`trainHooks(fit)`); it never goes back (a search
 * that ends early makes it jump ahead). The signal is checked before every step; a failure
 * or an abort anywhere rejects, after removing a model directory written but not swapped in, so the
 * previous model stays the one served.
 */
import type { BatchRepo } from '../store/batch-repo.js';
import { SelectionWorkers } from '../../data/select-in-worker.js';
import type { PackedSelection, StoredBatchRef } from '../../data/selection.js';
import type { ModelMeta, PackedModel } from '../../data/trained-model.js';
import type { FactorPair } from '../../engine/als-driver.js';
import { chooseDefaults, type HyperparameterChoice } from '../../engine/defaults.js';
import type { CompiledServerOptions } from '../../config.js';
import type { MatrixStats } from '../../engine/matrix-stats.js';
import { compileAlsOptions, type CompiledAlsOptions } from '../../engine/options.js';
import type { AlsResult, CsrMatrix, TrainHooks, TrainProgress } from '../../engine/types.js';
import type { EngineSettings } from '../../engine/settings.js';
import { closeTrainingWorkers, trainInWorker } from '../../engine/worker-trainer.js';
import { closeModelWriters } from '../../data/model-write-in-worker.js';
import { FailedPreconditionError, InvalidArgumentError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { evaluateHoldoutInWorker } from '../evaluation/evaluate-in-worker.js';
import type { ServiceMetrics } from '../metrics.js';
import type { ModelRegistry } from '../models/model-registry.js';
import { promotionGate } from '../models/promotion.js';
import type { TuningSummary } from '../tuning/search.js';
import { plannedSearchIterationsOf, tuneStep } from '../tuning/tune-step.js';
import type { JobRecord } from './job-record.js';
import { totalIterationsOf, type JobWork } from './job-work.js';
import { alsOptionsOf, type DataSelectionParams, type TrainParams } from './train-params.js';

/** After a job with at least this many pairs the idle training worker is ended (its memory given back). */
const KEEP_TRAINING_WORKER_BELOW_PAIRS = 2_000_000;

/** The engine's training hooks, plus what a trainer outside the engine reports (the Spark trainer's phases). */
export interface TrainerHooks extends TrainHooks {
  /** The job's phase changed (TrainingStatus.phase: "exporting", "submitting", "training", "fetching"). */
  onPhase?(phase: string): void;
  /** Names the run in logs and a cluster's application list: "<model_id>/<job_id>". */
  label?: string;
}

/**
 * Fits factors off the event loop (default: trainInWorker; backend "spark": the Spark trainer). `o.moveMatrix`:
 * the caller hands `matrix` (and `o.initial`) over (it will not use them again), so a trainer in another
 * thread may transfer them instead of copying them on the event loop. `o.initial`: start from these factors
 * instead of the seeded draw (the tuning's successive halving continues a trial from its checkpoint).
 */
export type Trainer = (matrix: CsrMatrix, options: CompiledAlsOptions, hooks: TrainerHooks, o?: { moveMatrix?: boolean; initial?: FactorPair }) => Promise<AlsResult>;

/** TrainingStatus.phase while a step runs. */
const STEP_PHASES: Readonly<Record<string, string>> = { select: 'selecting', defaults: 'selecting', tune: 'tuning', train: 'training', evaluate: 'evaluating', write: 'writing', swap: 'done' };

/** Training runs a job makes after its search (its progress and its total_iterations span all of them). */
export function fitsOf(params: Pick<TrainParams, 'evaluation'>): number {
  return params.evaluation ? 2 : 1;
}

export function jobWorkOf(params: Pick<TrainParams, 'evaluation' | 'als' | 'tuning'>): JobWork {
  return { searchIterations: plannedSearchIterationsOf(params), fits: fitsOf(params), fitIterations: params.als.iterations };
}

/** What the steps of one job share. */
export interface TrainingRun {
  readonly job: JobRecord;
  /** Steps before `train` may replace `params.als` (chosen defaults, the tuned settings); later steps read the final one. */
  readonly params: TrainParams;
  readonly signal: AbortSignal;
  readonly log: Logger;
  readonly pipeline: TrainingPipeline;
  /** What progress counts; the tune step sets the search's part to what it trained and the fits' to the chosen iterations. */
  readonly work: JobWork;
  /** Publishes the job's latest state to watchers (sequence + 1); `persist` also writes its row. */
  report(persist: boolean): void;
  /** Writes the job's row (inside the swap's transaction). */
  save(): void;
  /** Training hooks of the `fit`-th (0-based) of the job's training runs: progress, phase, ETA, signal, engine log. */
  trainHooks(fit: number): TrainerHooks;
  /** Ids and entity attributes packed (data/selection.ts), as the selection worker handed them over. */
  selection?: PackedSelection;
  /** What the defaults step chose (none when the call set everything, or for Spark). */
  chosen?: HyperparameterChoice[];
  /** The search's trials table and chosen settings (tune step). */
  tuning?: TuningSummary;
  result?: AlsResult;
  model?: PackedModel;
  /** Set once the model directory exists, until the swap: removed if the run fails. */
  written?: boolean;
}

export interface PipelineStep {
  readonly name: string;
  /** False when the job does not ask for this step (no phase is shown for it, and it does not run). */
  applies?(r: TrainingRun): boolean;
  run(r: TrainingRun): Promise<void>;
}

function need<T>(v: T | undefined, what: string): T {
  if (v === undefined) throw new Error(`pipeline: ${what} missing (a step is out of order)`);
  return v;
}

export const selectStep: PipelineStep = {
  name: 'select',
  async run(r) {
    const { job, params } = r;
    const { interactions, entities } = r.pipeline.batchesOf(params);
    const sel = await r.pipeline.selection.select(interactions, entities, {
      nowMs: params.nowMs, maxAgeDays: params.maxAgeDays, filters: params.filters, typeWeights: params.typeWeights, signal: r.signal,
    });
    job.data = { ...sel.counts };
    job.batchIds = sel.batchIds;
    r.report(true);
    if (sel.counts.interactions === 0) {
      throw new InvalidArgumentError(`no interactions selected (tags ${JSON.stringify(params.tags)} match ${interactions.length} interaction batch(es); ${sel.counts.droppedByAge} rows dropped by age, ${sel.counts.droppedByFilter} by filters)`);
    }
    r.selection = sel;
  },
};

/**
 * The data-aware defaults: the hyperparameters the call left unset (`params.requested`), chosen from the
 * selection's statistics (computed by the selection worker), compiled again into `params.als`. One log
 * line names every choice and its reason; the write step stores them (ModelMeta.chosen).
 */
export const defaultsStep: PipelineStep = {
  name: 'defaults',
  async run(r) {
    const stats = need(r.selection, 'selection').stats;
    if (!stats) return;
    const { params, job } = r;
    const d = chooseDefaults(stats, params.requested);
    r.chosen = d.chosen;
    if (d.chosen.length === 0) return;
    // The workers as compiled at the call (the server's limit applied there).
    params.als = compileAlsOptions({ ...d.options, workers: params.als.workers });
    // The job's work as these settings make it (the search's plan counts their iterations too).
    Object.assign(r.work, jobWorkOf(params));
    job.totalIterations = totalIterationsOf(r.work);
    r.log.info({ chosen: d.chosen }, `data-aware defaults: ${d.chosen.map((c) => `${c.name} ${c.value} (${c.reason})`).join('; ')}`);
    r.report(false);
  },
};

export const trainStep: PipelineStep = {
  name: 'train',
  async run(r) {
    // The selection worker's second copy of the matrix is the trainer's to take (no 100 MB copy on the event loop).
    const sel = need(r.selection, 'selection');
    const own = sel.matrixCopy;
    sel.matrixCopy = undefined;
    const result = await r.pipeline.trainerFor(r.params)(own ?? sel.matrix, r.params.als, r.trainHooks(0), { moveMatrix: own !== undefined });
    const { job } = r;
    job.backend = result.backend;
    job.device = result.device;
    job.lossCurve = result.lossCurve;
    if (result.lossCurve.length > 0) job.loss = result.lossCurve[result.lossCurve.length - 1];
    r.report(true);
    r.result = result;
  },
};

export const evaluateStep: PipelineStep = {
  name: 'evaluate',
  applies: (r) => r.params.evaluation !== undefined,
  async run(r) {
    const ev = r.params.evaluation;
    if (!ev) return;
    // The split and the ranking on an evaluation worker; the fit takes over the worker's copy of the train part.
    const opts = { holdoutFraction: ev.holdoutFraction, seed: ev.seed, k: ev.k };
    r.job.evaluation = await evaluateHoldoutInWorker(need(r.selection, 'selection').matrix, opts, async (train, o) => {
      const fit = await r.pipeline.trainerFor(r.params)(train, r.params.als, r.trainHooks(1), o);
      return { sourceFactors: fit.sourceFactors, targetFactors: fit.targetFactors, factors: fit.factors };
    }, r.signal);
    r.report(true);
  },
};

export const writeStep: PipelineStep = {
  name: 'write',
  async run(r) {
    const { job, params } = r;
    const sel = need(r.selection, 'selection');
    const result = need(r.result, 'training result');
    const meta: ModelMeta = {
      modelId: job.modelId, jobId: job.jobId, trainedMs: Date.now(), factors: result.factors, backend: result.backend, device: result.device,
      batchIds: sel.batchIds, hyperparameters: { ...params.als, solver: result.solver ?? params.als.solver, typeWeights: params.typeWeights ?? {} }, lossCurve: result.lossCurve,
      ...(r.chosen?.length ? { chosen: r.chosen } : {}),
      lossKind: result.lossKind, trainSeconds: result.seconds, evaluation: job.evaluation, data: { ...sel.counts },
      ...(r.tuning ? { tuning: r.tuning } : {}),
    };
    const model: PackedModel = {
      meta, sourceIds: sel.sourceIds, targetIds: sel.targetIds, sourceFactors: result.sourceFactors, targetFactors: result.targetFactors,
      seen: { indptr: sel.matrix.indptr, indices: sel.matrix.indices, data: sel.matrix.data },
      sourceEntities: sel.sourceEntities, targetEntities: sel.targetEntities,
    };
    r.written = true;
    await r.pipeline.registry.write(model, r.signal);
    r.model = model;
  },
};

export const swapStep: PipelineStep = {
  name: 'swap',
  async run(r) {
    const { job } = r;
    const meta = need(r.model, 'model').meta;
    job.status = 'COMPLETED';
    job.progress = 100;
    job.iteration = job.totalIterations;
    job.etaSeconds = 0;
    job.endMs = Date.now();
    job.sequence++;
    // The version row, the promote gate (against the version serving at that moment), the pointer and the
    // job's row with its version: one transaction.
    r.pipeline.registry.commit(meta, job.endMs, (o) => {
      job.version = o.version;
      job.promoted = o.promoted;
      job.promotion = o.promotion;
      r.save();
    }, promotionGate(r.params.promote, job.evaluation));
    r.written = false;
  },
};

export const DEFAULT_STEPS: readonly PipelineStep[] = [selectStep, defaultsStep, tuneStep, trainStep, evaluateStep, writeStep, swapStep];

/** What DescribeDataset reports (TrainingPipeline.describe). */
export interface DatasetDescription {
  /** Counted only (no entity snapshots). */
  selection: PackedSelection;
  /** The training matrix's statistics; none when nothing is selected. */
  stats?: MatrixStats;
  /** What the defaults step would choose (ModelMeta.chosen of such a Train). */
  chosenDefaults: HyperparameterChoice[];
}

export interface TrainingPipelineDeps {
  batches: BatchRepo;
  registry: ModelRegistry;
  /** How the engine runs (config.ts); used by the default trainer. */
  engine?: Partial<EngineSettings>;
  trainer?: Trainer;
  /** The trainer of jobs whose backend is "spark" (service/spark; none: such jobs fail saying so). */
  spark?: Trainer;
  steps?: readonly PipelineStep[];
  /** Selection worker threads (default: a fresh set, closed by `close()`). */
  selection?: SelectionWorkers;
  /** Iteration times are recorded here (service/metrics.ts). */
  metrics?: ServiceMetrics;
}

export class TrainingPipeline {
  readonly registry: ModelRegistry;
  readonly trainer: Trainer;
  readonly steps: readonly PipelineStep[];
  readonly selection: SelectionWorkers;

  constructor(private readonly deps: TrainingPipelineDeps) {
    this.registry = deps.registry;
    this.trainer = deps.trainer ?? ((m, o, h, t) => trainInWorker(m, o, h, { settings: deps.engine, transfer: t?.moveMatrix, initial: t?.initial }));
    this.steps = deps.steps ?? DEFAULT_STEPS;
    this.selection = deps.selection ?? new SelectionWorkers();
  }

  /** The trainer a job's backend asks for. */
  trainerFor(params: Pick<TrainParams, 'als'>): Trainer {
    if (params.als.backend !== 'spark') return this.trainer;
    return this.deps.spark ?? (() => Promise.reject(new FailedPreconditionError('backend "spark" is not configured on this server', { field: 'hyperparameters.backend' })));
  }

  /** The stored batches a selection reads (by tags). */
  batchesOf(p: DataSelectionParams): { interactions: StoredBatchRef[]; entities: StoredBatchRef[] } {
    const sel = { tags: p.tags, tagMatch: p.tagMatch };
    return {
      interactions: this.deps.batches.selectAll({ ...sel, kind: 'INTERACTIONS' }),
      entities: this.deps.batches.selectAll({ ...sel, kind: 'ENTITIES' }),
    };
  }

  /**
   * DescribeDataset: the selection a Train with these parameters would see, counted by a selection worker
   * like Train's (which computes the matrix's statistics there too), and what the defaults step would
   * choose from them for a Train on this server that sets no hyperparameter (the server's backend and
   * workers). The choosing itself is a few arithmetic operations, here on the event loop.
   */
  async describe(p: DataSelectionParams, server: CompiledServerOptions, signal?: AbortSignal): Promise<DatasetDescription> {
    const requested = alsOptionsOf(undefined, server);
    const { interactions, entities } = this.batchesOf(p);
    const selection = await this.selection.select(interactions, entities, { nowMs: p.nowMs, maxAgeDays: p.maxAgeDays, filters: p.filters, signal }, 'count');
    const stats = selection.stats && selection.stats.nnz > 0 ? selection.stats : undefined;
    return { selection, stats, chosenDefaults: stats ? chooseDefaults(stats, requested).chosen : [] };
  }

  /**
   * Runs the steps for `job` (RUNNING). Resolves once the swap committed it COMPLETED; rejects on a
   * failure or an abort of `signal`, the served model unchanged.
   */
  async run(job: JobRecord, params: TrainParams, o: { signal: AbortSignal; log: Logger; report(persist: boolean): void; save(): void }): Promise<void> {
    const r = this.newRun(job, params, o);
    try {
      for (const step of this.steps) {
        r.signal.throwIfAborted();
        if (step.applies && !step.applies(r)) continue;
        job.phase = STEP_PHASES[step.name] ?? step.name;
        r.report(false);
        await step.run(r);
      }
    } catch (err) {
      if (r.written) await this.registry.discard(job.modelId, job.jobId);
      throw err;
    } finally {
      // A large job's training worker is ended rather than kept idle, so its heap (and native-cpu's wasm memory) goes back.
      if ((r.selection?.counts.pairs ?? 0) >= KEEP_TRAINING_WORKER_BELOW_PAIRS) await closeTrainingWorkers();
    }
  }

  /** Ends the selection workers (at shutdown, after the jobs stopped). */
  async close(): Promise<void> {
    await Promise.all([this.selection.close(), closeTrainingWorkers(), closeModelWriters()]);
  }

  private newRun(job: JobRecord, params: TrainParams, o: { signal: AbortSignal; log: Logger; report(persist: boolean): void; save(): void }): TrainingRun {
    const work = jobWorkOf(params);
    let lastPersistMs = 0;
    const engineLog = (msg: string, fields?: Record<string, unknown>) => o.log.debug(fields ?? {}, msg);
    const metrics = this.deps.metrics;
    /** Per fit: the last iteration that reported its loss, and when (for the iteration-time histogram). */
    const lastIteration: number[] = [], lastIterationMs: number[] = [];
    return {
      job, params, work, signal: o.signal, log: o.log, pipeline: this, report: o.report, save: o.save,
      trainHooks: (fit) => {
        // The fits train the final settings (steps before `train` may have replaced them).
        work.fitIterations = params.als.iterations;
        return {
        signal: o.signal,
        log: engineLog,
        label: `${job.modelId}/${job.jobId}`,
        onPhase: (phase) => {
          job.phase = phase;
          o.report(false);
        },
        onProgress: (p: TrainProgress) => {
          if (p.phase === 'setup') { lastIteration[fit] = 0; lastIterationMs[fit] = p.elapsedMs; }
          const last = lastIteration[fit] ?? 0;
          if (p.loss !== undefined && p.iteration > last && (p.phase === 'loss' || p.phase === 'done')) {
            const seconds = (p.elapsedMs - (lastIterationMs[fit] ?? 0)) / 1000 / (p.iteration - last);
            for (let i = last; i < p.iteration; i++) metrics?.trainingIterationSeconds.observe(seconds);
            lastIteration[fit] = p.iteration;
            lastIterationMs[fit] = p.elapsedMs;
            // The main fit's loss curve grows while it trains (watchers plot it); the train step sets the final one.
            if (fit === 0) job.lossCurve = [...job.lossCurve.slice(0, p.iteration - 1), p.loss];
          }
          const before = work.searchIterations + fit * work.fitIterations;
          job.totalIterations = totalIterationsOf(work);
          job.progress = Math.min(99, Math.max(job.progress, ((before + p.fraction * work.fitIterations) / job.totalIterations) * 100));
          job.iteration = before + p.iteration;
          if (p.loss !== undefined) job.loss = p.loss;
          job.etaSeconds = p.etaMs === undefined ? undefined : (p.etaMs + (work.fits - 1 - fit) * (p.elapsedMs + p.etaMs)) / 1000;
          // Progress is published at once, written to the catalog at most once a second.
          const now = Date.now();
          const persist = now - lastPersistMs >= 1000;
          if (persist) lastPersistMs = now;
          o.report(persist);
        },
        };
      },
    };
  }
}

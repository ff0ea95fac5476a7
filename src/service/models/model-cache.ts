/**
 * Models served from memory: loaded lazily from the store on first use, kept while they fit the
 * budget (LRU by bytes), replaced when the registry's served pointer names a newer job. A load reads and
 * prepares the version on a loader worker thread (model-load-in-worker.ts: files decoded, ids packed and
 * hash-indexed, the scorer's memory built there), so the first request after a swap or a restart does not stall the event loop; the
 * loop only wraps the transferred arrays (ServedModel). A failed load (unreadable or corrupt files) is
 * InternalError naming the model, the job and the file, and is not kept: the next request tries again.
 *
 * Atomic swap: `get` resolves the served job on every call and returns one immutable ServedModel; the
 * caller uses only that reference for the whole request. A new job (after ModelRegistry.commit) is
 * picked up by the next `get`; requests already running finish on the old one, which is then
 * garbage-collected. Concurrent loads of the same job share one promise.
 *
 * ANN indexes: a model of at least `ann.thresholdTargets` targets gets its index when it loads: the one
 * stored in its directory (serving/ann-index.ts) if it indexes this version, else one built in the
 * background (serving/ann-builder.ts: a worker that reads the version's files itself) and stored there;
 * until then it is ranked exactly. The index is attached to that ServedModel only, so a swap never mixes
 * indexes. `prepare` (the swap listener calls it) has a newly served version's index built right away,
 * without loading the model: it is loaded by its first request, as any model.
 */
import { CancelledError, FailedPreconditionError, InternalError, NotFoundError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { annPaths, annUnavailable, readAnnMeta, type AnnMeta } from '../serving/ann-index.js';
import type { AnnBuilder, AnnBuildState } from '../serving/ann-builder.js';
import { loadServingData } from './model-load-in-worker.js';
import { ServedModel } from './served-model.js';
import type { ScoringOptions, ServingData } from './serving-data.js';
import type { TrainedModel } from '../../data/trained-model.js';
import type { ServiceMetrics } from '../metrics.js';

export interface AnnOptions {
  /** Models with at least this many targets get an index (0 = none). */
  thresholdTargets: number;
  builder: AnnBuilder;
}

/** The ANN index of a model version as GetModel reports it. */
export interface AnnStatus {
  /** "ready", "unused" (calibration reached no breadth with the target recall), "building", "failed: ...", "not built" (until the version is first served). */
  state: string;
  meta?: AnnMeta;
  thresholdTargets: number;
}

export interface ModelCacheOptions {
  /** The served job of a model and its directory; undefined when no completed job serves it (yet). */
  resolveServed(modelId: string): { jobId: string; dir: string } | undefined;
  /** Whether any job (queued, running, failed...) exists for the model. */
  hasAnyJob(modelId: string): boolean;
  /** Memory budget of loaded models (bytes); least recently used models are evicted beyond it. */
  budgetBytes: number;
  log?: Logger;
  /** How loaded models are scored (worker slots = the ScoringPool's size; kernel and prefilter switches). */
  scoring?: ScoringOptions;
  /**
   * Loader (default: loadServingData, model-load-in-worker.ts: on a loader worker thread, the scorer's memory
   * built there as `scoring` says); a TrainedModel, or data without a scorer memory, gets it built on the event loop.
   */
  load?: (dir: string, scoring: ScoringOptions) => Promise<ServingData | TrainedModel>;
  /** Models with less than this in data files load on the event loop (default INLINE_LOAD_BYTES, 4 MiB; 0 = always on the worker). */
  inlineLoadBytes?: number;
  /** ANN indexes for large catalogs (none when absent). */
  ann?: AnnOptions;
  /** Hits and misses are counted here (service/metrics.ts). */
  metrics?: ServiceMetrics;
}

interface Entry { jobId: string; served: ServedModel }

export class ModelCache {
  private readonly entries = new Map<string, Entry>();
  private readonly loading = new Map<string, Promise<ServedModel>>();
  private totalBytes = 0;
  private readonly load: (dir: string, scoring: ScoringOptions) => Promise<ServingData | TrainedModel>;

  constructor(private readonly o: ModelCacheOptions) {
    this.load = o.load ?? ((dir, scoring) => loadServingData(dir, { inlineBelowBytes: o.inlineLoadBytes, scoring }));
  }

  /** The model currently served for `modelId`. NotFoundError / FailedPreconditionError when there is none. */
  async get(modelId: string): Promise<ServedModel> {
    const served = this.o.resolveServed(modelId);
    if (!served) {
      if (this.o.hasAnyJob(modelId)) {
        throw new FailedPreconditionError(`model "${modelId}" has no completed training yet`, { field: 'model_id' });
      }
      throw new NotFoundError(`model "${modelId}" not found`, { field: 'model_id' });
    }
    const hit = this.entries.get(modelId);
    if (hit && hit.jobId === served.jobId) {
      this.entries.delete(modelId); // LRU: move to the end
      this.entries.set(modelId, hit);
      this.o.metrics?.modelCacheRequests.inc({ result: 'hit' });
      return hit.served;
    }
    this.o.metrics?.modelCacheRequests.inc({ result: 'miss' });
    const key = `${modelId}\u0000${served.jobId}`;
    let p = this.loading.get(key);
    if (!p) {
      p = this.loadEntry(modelId, served.jobId, served.dir).finally(() => this.loading.delete(key));
      this.loading.set(key, p);
    }
    return p;
  }

  /**
   * Has the index of the newly served `version` of `modelId` built in the background when it will need one
   * (at least the threshold's targets) and its directory holds none; the model itself is not loaded (its
   * first request loads it, then attaches the index or joins its build). Errors are logged.
   */
  prepare(modelId: string, version: { jobId: string; data: { targets: number }; factors: number } | undefined): void {
    const ann = this.o.ann;
    if (!ann || !version || ann.thresholdTargets <= 0 || version.data.targets < ann.thresholdTargets || annUnavailable()) return;
    const served = this.o.resolveServed(modelId);
    if (served?.jobId !== version.jobId) return;
    void readAnnMeta(served.dir, { jobId: version.jobId, targets: version.data.targets, factors: version.factors })
      .then((stored) => (stored ? undefined : this.buildAnn(modelId, version.jobId, served.dir)));
  }

  /** The index of version `jobId` of `modelId` built and stored in `dir` (ann-builder.ts); undefined when the build failed (logged). */
  private buildAnn(modelId: string, jobId: string, dir: string): Promise<AnnMeta | undefined> {
    return this.o.ann!.builder.build(dir, jobId).catch((err: Error) => {
      if (err instanceof CancelledError) this.o.log?.debug({ modelId, jobId }, 'ANN index build cancelled (server stopping)');
      else this.o.log?.warn({ modelId, jobId, err: err.message }, 'ANN index build failed; the model is ranked exactly');
      return undefined;
    });
  }

  /** The ANN index of version `jobId` (directory `dir`, `targets` targets) of a model; undefined when it has none and needs none. */
  async annStatus(modelId: string, jobId: string, dir: string, targets: number, factors: number): Promise<AnnStatus | undefined> {
    const ann = this.o.ann;
    if (!ann) return undefined;
    const thresholdTargets = ann.thresholdTargets;
    const loaded = this.entries.get(modelId);
    let meta = loaded?.jobId === jobId ? loaded.served.ann?.meta : undefined;
    const building: AnnBuildState | undefined = meta ? undefined : ann.builder.state(dir);
    if (building) return { state: building.state === 'building' ? 'building' : `failed: ${building.error}`, thresholdTargets };
    meta ??= await readAnnMeta(dir, { jobId, targets, factors });
    if (meta) return { state: meta.breadth > 0 ? 'ready' : 'unused', meta, thresholdTargets };
    if (thresholdTargets <= 0 || targets < thresholdTargets) return undefined;
    return { state: annUnavailable() ? `failed: ${annUnavailable()}` : 'not built', thresholdTargets };
  }

  /** Drops the loaded copy of a model (call after a new job is committed or the model is deleted). */
  invalidate(modelId: string): void {
    const e = this.entries.get(modelId);
    if (e) { this.entries.delete(modelId); this.totalBytes -= e.served.bytes; }
  }

  /** The builder of the ANN indexes (tests hold it to watch a build in progress). */
  get annBuilder(): AnnBuilder | undefined { return this.o.ann?.builder; }

  /** Loaded models (for tests and diagnostics). */
  stats(): { models: number; bytes: number; budgetBytes: number } {
    return { models: this.entries.size, bytes: this.totalBytes, budgetBytes: this.o.budgetBytes };
  }

  private async loadEntry(modelId: string, jobId: string, dir: string): Promise<ServedModel> {
    const t0 = performance.now();
    let served: ServedModel;
    try {
      const scoring = this.o.scoring ?? {};
      served = new ServedModel(await this.load(dir, scoring), undefined, scoring);
    } catch (err) {
      throw new InternalError(`model "${modelId}" (job ${jobId}) could not be loaded: ${(err as Error).message}`, { cause: err });
    }
    const ann = this.o.ann;
    const wantsAnn = ann !== undefined && ann.thresholdTargets > 0 && served.targetCount >= ann.thresholdTargets && !annUnavailable();
    const stored = wantsAnn ? await readAnnMeta(dir, { jobId, targets: served.targetCount, factors: served.k }) : undefined;
    if (stored) served.attachAnn(stored, annPaths(dir).index);
    else if (wantsAnn) {
      void this.buildAnn(modelId, jobId, dir).then((meta) => {
        try { if (meta) served.attachAnn(meta, annPaths(dir).index); } catch (err) { this.o.log?.error({ modelId, jobId, err: (err as Error).message }, 'ANN index not attached'); }
      });
    }
    // A newer job may have been committed (and loaded) while this one loaded: never replace it with an older one.
    const current = this.o.resolveServed(modelId);
    if (current && current.jobId !== jobId) return served;
    this.invalidate(modelId);
    this.entries.set(modelId, { jobId, served });
    this.totalBytes += served.bytes;
    for (const [id, e] of this.entries) {
      if (this.totalBytes <= this.o.budgetBytes || id === modelId) break;
      this.entries.delete(id);
      this.totalBytes -= e.served.bytes;
      this.o.log?.info({ modelId: id, bytes: e.served.bytes }, 'model evicted from the serving cache');
    }
    if (served.bytes > this.o.budgetBytes) this.o.log?.warn({ modelId, bytes: served.bytes, budget: this.o.budgetBytes }, 'model larger than the serving cache budget');
    this.o.log?.info({ modelId, jobId, bytes: served.bytes, ms: Math.round(performance.now() - t0) }, 'model loaded for serving');
    return served;
  }
}

/**
 * Models served from memory: loaded lazily from the store on first use, kept while they fit the
 * budget (LRU by bytes), replaced when the registry's served pointer names a newer job.
 *
 * Atomic swap: `get` resolves the served job on every call and returns one immutable ServedModel; the
 * caller uses only that reference for the whole request. A new job (after ModelRegistry.commit) is
 * picked up by the next `get`; requests already running finish on the old one, which is then
 * garbage-collected. Concurrent loads of the same job share one promise.
 */
import { modelBytes, readModel } from '../../data/model-file.js';
import { FailedPreconditionError, InternalError, NotFoundError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { ServedModel, type ScoringOptions } from './served-model.js';
import type { TrainedModel } from '../../data/trained-model.js';
import type { ServiceMetrics } from '../metrics.js';

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
  /** Loader (default: readModel). */
  load?: (dir: string) => Promise<TrainedModel>;
  /** Hits and misses are counted here (service/metrics.ts). */
  metrics?: ServiceMetrics;
}

interface Entry { jobId: string; served: ServedModel }

export class ModelCache {
  private readonly entries = new Map<string, Entry>();
  private readonly loading = new Map<string, Promise<ServedModel>>();
  private totalBytes = 0;
  private readonly load: (dir: string) => Promise<TrainedModel>;

  constructor(private readonly o: ModelCacheOptions) {
    this.load = o.load ?? readModel;
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

  /** Drops the loaded copy of a model (call after a new job is committed or the model is deleted). */
  invalidate(modelId: string): void {
    const e = this.entries.get(modelId);
    if (e) { this.entries.delete(modelId); this.totalBytes -= e.served.bytes; }
  }

  /** Loaded models (for tests and diagnostics). */
  stats(): { models: number; bytes: number; budgetBytes: number } {
    return { models: this.entries.size, bytes: this.totalBytes, budgetBytes: this.o.budgetBytes };
  }

  private async loadEntry(modelId: string, jobId: string, dir: string): Promise<ServedModel> {
    const t0 = performance.now();
    let model: TrainedModel;
    try {
      model = await this.load(dir);
    } catch (err) {
      throw new InternalError(`model "${modelId}" (job ${jobId}) could not be loaded: ${(err as Error).message}`, { cause: err });
    }
    const served = new ServedModel(model, modelBytes(model), this.o.scoring);
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

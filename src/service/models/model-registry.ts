/**
 * The model registry: which models exist, the job each one serves (the served pointer), and the model
 * directories on disk (`<dataDir>/models/<model_id>/<job_id>/`, data-dir.ts).
 *
 * Rules (crash safety; see also JobScheduler):
 * - A model directory is written whole to a temp directory beside it and renamed into place
 *   (data/model-file.ts) before the catalog points at it; the pointer moves in ONE SQLite transaction
 *   together with the job's COMPLETED row (`commit`), so the served model is always a complete one and
 *   a failed or cancelled job never changes it.
 * - The previous model's directory is removed a minute after a swap (a reader may have looked up the
 *   pointer just before it), and only if it is still not the served one then.
 * - At start (`clean`), temp leftovers and directories of jobs that are neither served nor still running
 *   are removed.
 */
import { readdir, rm } from 'node:fs/promises';
import { DataDir, diskFullError, isTempName } from '../../data-dir.js';
import { packModel } from '../../data/model-file.js';
import { writeModelInWorker } from '../../data/model-write-in-worker.js';
import type { ModelMeta, PackedModel, TrainedModel } from '../../data/trained-model.js';
import type { Logger } from '../../log.js';
import type { Db } from '../store/catalog.js';
import { ModelRepo, type ModelRow } from './model-repo.js';

export interface ServedPointer { jobId: string; dir: string }

/** The model with its own copies of the caller's numeric arrays (they are transferred to the writer). */
function copyArrays(m: PackedModel): PackedModel {
  return {
    ...m, sourceFactors: m.sourceFactors.slice(), targetFactors: m.targetFactors.slice(), targetPopularity: m.targetPopularity?.slice(),
    seen: { indptr: m.seen.indptr.slice(), indices: m.seen.indices.slice(), data: m.seen.data.slice() },
  };
}

/** How long an old model directory is kept after a swap. */
const REMOVE_OLD_AFTER_MS = 60_000;

export class ModelRegistry {
  private readonly repo: ModelRepo;
  private readonly layout: DataDir;
  /** Last resolved served pointer per model; replaced when the catalog names another job. */
  private readonly pointers = new Map<string, ServedPointer>();
  private readonly swapListeners: ((modelId: string, jobId: string) => void)[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly o: { db: Db; dataDir: string; log?: Logger }) {
    this.repo = new ModelRepo(o.db);
    this.layout = new DataDir(o.dataDir);
  }

  /** Told after a model's served job changed (e.g. to drop a cached copy). */
  onSwap(listener: (modelId: string, jobId: string) => void): void {
    this.swapListeners.push(listener);
  }

  /** The served job of a model and its directory; undefined when none completed yet (or no such model). */
  served(modelId: string): ServedPointer | undefined {
    // Asked on every Recommend: the catalog stays the source of truth (one indexed single-column read, so a
    // swap by any writer is seen by the next call); only the resolved pointer object is reused.
    const jobId = this.repo.servedJobId(modelId);
    if (!jobId) return undefined;
    const last = this.pointers.get(modelId);
    if (last?.jobId === jobId) return last;
    const p = { jobId, dir: this.layout.modelDir(modelId, jobId) };
    this.pointers.set(modelId, p);
    return p;
  }

  get(modelId: string): ModelRow | undefined {
    return this.repo.get(modelId);
  }

  /** Models in model_id order after `afterId`, at most `limit`. */
  list(afterId: string, limit: number): ModelRow[] {
    return this.repo.list(afterId, limit);
  }

  /** Records the model if it is new, and runs `andThen` (the job row that creates it) in the same transaction. */
  register(modelId: string, createdMs: number, andThen: () => void): void {
    this.o.db.transaction(() => {
      this.repo.ensure(modelId, createdMs);
      andThen();
    })();
  }

  /**
   * Writes a trained model to its job's directory (atomically, on a worker thread: data/model-write-in-worker.ts);
   * returns the directory. A PackedModel's buffers move to the writer (do not use them after); a TrainedModel
   * is packed and its arrays copied first.
   */
  async write(model: TrainedModel | PackedModel, signal?: AbortSignal): Promise<string> {
    const dir = this.layout.modelDir(model.meta.modelId, model.meta.jobId);
    const packed = Array.isArray(model.sourceIds) ? copyArrays(packModel(model as TrainedModel)) : model as PackedModel;
    try {
      await writeModelInWorker(dir, packed, { dataDir: this.o.dataDir, signal });
    } catch (err) {
      throw diskFullError(err, this.o.dataDir);
    }
    return dir;
  }

  /** Removes a written model that will not be served (its job failed or was cancelled after the write). */
  async discard(modelId: string, jobId: string): Promise<void> {
    await rm(this.layout.modelDir(modelId, jobId), { recursive: true, force: true }).catch(() => undefined);
  }

  /**
   * The swap: in one transaction runs `andThen` (the job's COMPLETED row) and points the model at
   * `meta.jobId`; then tells the swap listeners and schedules the removal of the previous directory.
   */
  commit(meta: ModelMeta, trainedMs: number, andThen: () => void): void {
    const { modelId, jobId } = meta;
    const previous = this.repo.servedJobId(modelId);
    try {
      this.o.db.transaction(() => {
        andThen();
        this.repo.serve(meta, trainedMs);
      })();
    } catch (err) {
      throw diskFullError(err, this.o.dataDir);
    }
    for (const l of this.swapListeners) {
      try { l(modelId, jobId); } catch (err) { this.o.log?.warn({ modelId, err: (err as Error).message }, 'model swap listener failed'); }
    }
    if (previous && previous !== jobId) this.removeLater(modelId, previous);
  }

  /**
   * Removes temp leftovers and the directories of jobs that are not served, unless `keep(jobId)` (a job
   * still queued or running). Call once at start, before jobs run.
   */
  async clean(keep: (jobId: string) => boolean): Promise<void> {
    const root = this.layout.modelsDir;
    let models: string[];
    try { models = await readdir(root); } catch { return; }
    for (const m of models) {
      if (isTempName(m)) { await rm(this.layout.modelDir(m), { recursive: true, force: true }); continue; }
      const served = this.repo.servedJobId(m);
      let entries: string[];
      try { entries = await readdir(this.layout.modelDir(m)); } catch { continue; }
      for (const e of entries) {
        if (e === served || keep(e)) continue;
        await rm(this.layout.modelDir(m, e), { recursive: true, force: true });
      }
    }
  }

  /** Cancels pending removals (at shutdown; `clean` takes care of them at the next start). */
  stop(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  private removeLater(modelId: string, jobId: string): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (this.repo.servedJobId(modelId) !== jobId) void this.discard(modelId, jobId);
    }, REMOVE_OLD_AFTER_MS);
    t.unref();
    this.timers.add(t);
  }
}

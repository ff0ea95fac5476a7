/**
 * The model registry: which models exist, their versions, the job each one serves (the served pointer),
 * and the model directories on disk (`<dataDir>/models/<model_id>/<job_id>/`, data-dir.ts).
 *
 * Versions: every completed job of a model is a version (1, 2, ... per model), kept until more than
 * `versionsKept` newer ones exist; the serving version is always kept. Serving points at one version;
 * a training's commit moves it to the new version (unless its promote gate refused it), a rollback to
 * any kept one.
 *
 * Rules (crash safety; see also JobScheduler):
 * - A model directory is written whole to a temp directory beside it and renamed into place
 *   (data/model-file.ts) before the catalog names it; the version row, the job's COMPLETED row and the
 *   served pointer change in ONE SQLite transaction (`commit`), so the served model is always a complete
 *   one and a failed or cancelled job never changes it. A rollback is one transaction too.
 * - Catalog first, files after: a version dropped by retention loses its row in the commit's transaction
 *   and its directory a minute later (a reader may have resolved it just before), only if no row names it
 *   again by then. A deleted model loses every row in one transaction; its directory is then renamed to a
 *   temp name (gone from its path at once) and removed. A crash between the two leaves only files no row
 *   names, which `clean` removes at the next start: after a kill -9 the catalog says old or new, never a mix.
 * - At start (`clean`), temp leftovers, directories of deleted models and directories of jobs that are
 *   neither a kept version nor still running are removed.
 */
import { readdirSync, renameSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { DataDir, diskFullError, isTempName } from '../../data-dir.js';
import { packModel, readModel } from '../../data/model-file.js';
import { writeModelInWorker } from '../../data/model-write-in-worker.js';
import { exportModelIpc } from '../../data/model-export.js';
import type { ModelMeta, PackedModel, TrainedModel } from '../../data/trained-model.js';
import { FailedPreconditionError, InvalidArgumentError, NotFoundError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { tempPathFor } from '../../util/atomic-file.js';
import { crashPoint } from '../../util/crash-point.js';
import type { Db } from '../store/catalog.js';
import { ModelRepo, type ModelRow, type VersionRow } from './model-repo.js';

export interface ServedPointer { jobId: string; dir: string }

/** The model with its own copies of the caller's numeric arrays (they are transferred to the writer). */
function copyArrays(m: PackedModel): PackedModel {
  return {
    ...m, sourceFactors: m.sourceFactors.slice(), targetFactors: m.targetFactors.slice(), targetPopularity: m.targetPopularity?.slice(),
    seen: { indptr: m.seen.indptr.slice(), indices: m.seen.indices.slice(), data: m.seen.data.slice() },
  };
}

/** The promote gate's answer for a new version, given the version serving now (if any). */
export interface Promotion {
  promote: boolean;
  /** Why (shown in the job's status and webhook); '' when no gate ran. */
  reason: string;
}
export type PromotionGate = (serving: VersionRow | undefined) => Promotion;

/** What a commit did. */
export interface CommitOutcome { version: number; promoted: boolean; promotion: string }

/** How long a dropped version's directory is kept after its row went. */
const REMOVE_OLD_AFTER_MS = 60_000;
const ALWAYS: PromotionGate = () => ({ promote: true, reason: '' });

export interface ModelRegistryOptions {
  db: Db;
  dataDir: string;
  log?: Logger;
  /** Versions kept per model (default 5; the serving one is kept besides). */
  versionsKept?: number;
  /** Tests: util/crash-point.ts's point to block at (config.ts crashPoint). */
  crashPoint?: string;
}

export class ModelRegistry {
  private readonly repo: ModelRepo;
  private readonly layout: DataDir;
  /** Last resolved served pointer per model; replaced when the catalog names another job. */
  private readonly pointers = new Map<string, ServedPointer>();
  private readonly swapListeners: ((modelId: string, jobId: string | undefined) => void)[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  readonly versionsKept: number;

  constructor(private readonly o: ModelRegistryOptions) {
    this.repo = new ModelRepo(o.db);
    this.layout = new DataDir(o.dataDir);
    this.versionsKept = o.versionsKept ?? 5;
  }

  /** Told after a model's served job changed (commit, rollback) or the model was deleted (jobId undefined). */
  onSwap(listener: (modelId: string, jobId: string | undefined) => void): void {
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

  /** The kept versions of a model, newest first (NOT_FOUND for an unknown model). */
  versions(modelId: string): VersionRow[] {
    this.require(modelId);
    return this.repo.versions(modelId);
  }

  /**
   * One kept version (`undefined`: the serving one). NOT_FOUND naming `model_id` or `version`;
   * FAILED_PRECONDITION (`model_id`) when the serving one is asked of a model that has none.
   */
  version(modelId: string, version?: number): VersionRow {
    const row = this.require(modelId);
    if (version === undefined) {
      if (row.version === undefined) {
        throw new FailedPreconditionError(`model "${modelId}" has no completed version yet (its first training has not completed)`, { field: 'model_id' });
      }
      version = row.version;
    }
    if (!Number.isInteger(version) || version < 1) throw new InvalidArgumentError(`version must be an integer >= 1, got ${version}`, { field: 'version' });
    const v = this.repo.version(modelId, version);
    if (v) return v;
    const kept = this.repo.versions(modelId).map((x) => x.version);
    const why = version <= row.lastVersion
      ? `version ${version} of model "${modelId}" was removed (the server keeps the ${this.versionsKept} newest and the serving one)`
      : `model "${modelId}" has no version ${version}`;
    throw new NotFoundError(`${why}; kept versions: ${kept.length ? kept.join(', ') : 'none'}`, { field: 'version' });
  }

  /** The directory of a version's files. */
  dirOf(v: Pick<VersionRow, 'modelId' | 'jobId'>): string {
    return this.layout.modelDir(v.modelId, v.jobId);
  }

  /**
   * A kept version (`undefined`: the serving one) for ExportModel: its row, row counts and its factors
   * with their ids as Arrow IPC stream pieces (data/model-export.ts), read from its files.
   */
  async exportVersion(modelId: string, version?: number): Promise<{ version: VersionRow; sourceCount: number; targetCount: number; pieces: Generator<Uint8Array> }> {
    const v = this.version(modelId, version);
    const model = await readModel(this.dirOf(v));
    return { version: v, sourceCount: model.sourceIds.length, targetCount: model.targetIds.length, pieces: exportModelIpc(model, v.version) };
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
   * The commit of a completed training, in ONE transaction: the next version's row; the served pointer
   * moved to it unless `gate` (asked with the version serving now) refuses; `andThen(outcome)` (the job's
   * COMPLETED row); versions beyond the retention limit dropped. Then the swap listeners (when it serves)
   * and the delayed removal of dropped versions' directories.
   */
  commit(meta: ModelMeta, trainedMs: number, andThen: (outcome: CommitOutcome) => void, gate: PromotionGate = ALWAYS): CommitOutcome {
    const { modelId, jobId } = meta;
    let outcome!: CommitOutcome;
    let dropped: VersionRow[] = [];
    try {
      this.o.db.transaction(() => {
        const row = this.repo.get(modelId);
        const serving = row?.version === undefined ? undefined : this.repo.version(modelId, row.version);
        const p = gate(serving);
        const version = this.repo.addVersion(meta, trainedMs, p.promote ? '' : p.reason);
        if (p.promote) this.repo.serve(meta, trainedMs);
        outcome = { version, promoted: p.promote, promotion: p.reason };
        andThen(outcome);
        dropped = this.applyRetention(modelId);
      })();
    } catch (err) {
      throw diskFullError(err, this.o.dataDir);
    }
    if (outcome.promoted) this.tellSwap(modelId, jobId);
    for (const v of dropped) this.removeLater(v);
    return outcome;
  }

  /** Points serving at a kept version, in one transaction (as a training's commit does). Returns the model row. */
  rollback(modelId: string, version: number): ModelRow {
    if (!Number.isInteger(version) || version < 1) throw new InvalidArgumentError(`version must be an integer >= 1, got ${version}`, { field: 'version' });
    const v = this.version(modelId, version);
    crashPoint(this.o.crashPoint, 'rollback:before-commit');
    this.o.db.transaction(() => this.repo.serve(v.meta, v.trainedMs))();
    crashPoint(this.o.crashPoint, 'rollback:after-commit');
    this.o.log?.info({ modelId, version, jobId: v.jobId }, 'model rolled back');
    this.tellSwap(modelId, v.jobId);
    return this.repo.get(modelId)!;
  }

  /**
   * Deletes a model: its rows and its versions' rows, and `andThen` (its jobs' rows) in one transaction,
   * then its directory (renamed away at once, removed in the background). Returns the deleted version numbers.
   */
  delete(modelId: string, andThen: () => void): number[] {
    const versions = this.versions(modelId).map((v) => v.version);
    crashPoint(this.o.crashPoint, 'delete:before-commit');
    this.o.db.transaction(() => {
      this.repo.deleteModel(modelId);
      andThen();
    })();
    crashPoint(this.o.crashPoint, 'delete:after-commit');
    this.pointers.delete(modelId);
    // Synchronously after the transaction: no Train of the same id can have written a directory in between.
    const dir = this.layout.modelDir(modelId);
    const aside = tempPathFor(dir);
    let moved = true;
    try { renameSync(dir, aside); } catch (err) {
      moved = false;
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.o.log?.warn({ modelId, err: (err as Error).message }, 'could not move a deleted model directory aside (removed at the next start)');
    }
    if (moved) void rm(aside, { recursive: true, force: true }).catch(() => undefined);
    this.o.log?.info({ modelId, versions }, 'model deleted');
    this.tellSwap(modelId, undefined);
    return versions;
  }

  /**
   * Removes temp leftovers, directories of models without a row, and directories of jobs that are not a
   * kept version, unless `keep(jobId)` (a job still queued or running). Call once at start, before jobs run.
   */
  async clean(keep: (jobId: string) => boolean): Promise<void> {
    const root = this.layout.modelsDir;
    let models: string[];
    try { models = await readdir(root); } catch { return; }
    for (const m of models) {
      if (isTempName(m) || !this.repo.get(m)) {
        let entries: string[] = [];
        try { entries = readdirSync(this.layout.modelDir(m)); } catch { /* not a directory */ }
        if (isTempName(m) || !entries.some(keep)) await rm(this.layout.modelDir(m), { recursive: true, force: true });
        continue;
      }
      let entries: string[];
      try { entries = await readdir(this.layout.modelDir(m)); } catch { continue; }
      for (const e of entries) {
        if (!isTempName(e) && (this.repo.isVersionJob(e) || keep(e))) continue;
        await rm(this.layout.modelDir(m, e), { recursive: true, force: true });
      }
    }
  }

  /** Cancels pending removals (at shutdown; `clean` takes care of them at the next start). */
  stop(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  private require(modelId: string): ModelRow {
    if (!modelId) throw new InvalidArgumentError('model_id is required', { field: 'model_id' });
    const row = this.repo.get(modelId);
    if (!row) throw new NotFoundError(`no model "${modelId}"`, { field: 'model_id' });
    return row;
  }

  /** Drops the rows of versions beyond the newest `versionsKept` (never the serving one); returns them. */
  private applyRetention(modelId: string): VersionRow[] {
    const served = this.repo.servedJobId(modelId);
    const dropped = this.repo.versions(modelId).filter((v, i) => i >= this.versionsKept && v.jobId !== served);
    for (const v of dropped) this.repo.deleteVersion(modelId, v.version);
    return dropped;
  }

  private tellSwap(modelId: string, jobId: string | undefined): void {
    for (const l of this.swapListeners) {
      try { l(modelId, jobId); } catch (err) { this.o.log?.warn({ modelId, err: (err as Error).message }, 'model swap listener failed'); }
    }
  }

  private removeLater(v: VersionRow): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (!this.repo.isVersionJob(v.jobId) && this.repo.servedJobId(v.modelId) !== v.jobId) void this.discard(v.modelId, v.jobId);
    }, REMOVE_OLD_AFTER_MS);
    t.unref();
    this.timers.add(t);
  }
}

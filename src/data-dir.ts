/**
 * The data directory's layout: the one module that names what lives in it.
 *
 *   <root>/catalog.sqlite                SQLite catalog (service/store/catalog.ts)
 *   <root>/webhook-secret                generated webhook signing secret (service/webhooks/secret.ts)
 *   <root>/batches/<batch_id>.arrow      stored batches, in the normalized form of data/layout.ts
 *   <root>/models/<model_id>/<job_id>/   trained models (data/model-file.ts; service/models/model-registry.ts)
 *   <root>/spark-staging/<run>/          a Spark job's data exchange while it runs (service/spark/job-spec.ts)
 *
 * Whatever is being written sits beside its final path as a temp file or directory named
 * `TEMP_PREFIX<random>-<final name>` (util/atomic-file.ts) until it is renamed into place; the service
 * removes such leftovers when it starts.
 */
import { join, resolve } from 'node:path';
import { ResourceExhaustedError } from './errors.js';

export const TEMP_PREFIX = '.tmp-';

/** Whether a directory entry is a temp file or directory (never a committed one). */
export function isTempName(name: string): boolean {
  return name.startsWith(TEMP_PREFIX);
}

export class DataDir {
  readonly root: string;
  constructor(root: string) {
    this.root = resolve(root);
  }

  get catalogFile(): string { return join(this.root, 'catalog.sqlite'); }
  get webhookSecretFile(): string { return join(this.root, 'webhook-secret'); }

  get batchesDir(): string { return join(this.root, 'batches'); }
  batchFile(batchId: string): string { return join(this.batchesDir, `${batchId}.arrow`); }

  get modelsDir(): string { return join(this.root, 'models'); }
  get sparkStagingDir(): string { return join(this.root, 'spark-staging'); }
  /** A model's directory of jobs, or one job's model. */
  modelDir(modelId: string, jobId?: string): string {
    return jobId === undefined ? join(this.modelsDir, modelId) : join(this.modelsDir, modelId, jobId);
  }
}

const DISK_FULL = new Set(['ENOSPC', 'EDQUOT', 'SQLITE_FULL']);

/** Whether `err` says the disk (or the quota) is full: ENOSPC / EDQUOT from a file write, SQLITE_FULL from the catalog. */
export function isDiskFull(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && DISK_FULL.has(code);
}

/**
 * A disk-full error (isDiskFull) as RESOURCE_EXHAUSTED naming the directory `root` (`what`: the data
 * directory, or the Spark staging directory), so the operator knows what to free; any other error
 * unchanged. Every write path (batches, models, catalog, the Spark export) passes its failures through this.
 */
export function diskFullError(err: unknown, root: string, what = 'the data directory'): unknown {
  if (!isDiskFull(err) || err instanceof ResourceExhaustedError) return err;
  const code = (err as { code: string }).code;
  return new ResourceExhaustedError(
    `${what} ${resolve(root)} is full (${code === 'EDQUOT' ? 'disk quota exceeded' : 'no space left on its device'}, ${code}): free space there or move it to a larger disk; nothing was stored`,
    { cause: err },
  );
}

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

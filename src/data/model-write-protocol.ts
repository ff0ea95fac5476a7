/** Protocol of the model writer (model-write-worker.ts; parent side: model-write-in-worker.ts), over util/worker-rpc.ts. */
import type { PackedModel } from './trained-model.js';

export type ModelWriteProtocol = {
  /** writeModel(dir, model); `dataDir` is named in a disk-full error. Every buffer of `model` arrives transferred. */
  write: { request: { dir: string; dataDir: string; model: PackedModel }; response: null };
};

/**
 * A trained model's directory written off the caller's event loop: building the Arrow tables of millions of
 * ids and factors, encoding and fsyncing them runs on a worker thread started for the write and ended after
 * it (its heap given back). The model's buffers are transferred, not copied: the caller must not use them
 * afterwards. Aborting the signal ends the worker (a half-written temp directory is removed by
 * ModelRegistry.clean at the next start).
 */
import { transfer, WorkerClient } from '../util/worker-rpc.js';
import { packedBuffers } from './packed-strings.js';
import type { ModelWriteProtocol } from './model-write-protocol.js';
import type { PackedModel } from './trained-model.js';

/** The buffers of a packed model (each once). */
export function modelBuffers(m: PackedModel): ArrayBufferLike[] {
  return [
    m.sourceFactors.buffer, m.targetFactors.buffer, m.seen.indptr.buffer, m.seen.indices.buffer, m.seen.data.buffer,
    ...(m.targetPopularity ? [m.targetPopularity.buffer] : []),
    ...packedBuffers(m.sourceIds, m.targetIds, m.sourceEntities.type, m.sourceEntities.metadata, m.targetEntities.type, m.targetEntities.metadata),
  ];
}

export async function writeModelInWorker(dir: string, model: PackedModel, o: { dataDir: string; signal?: AbortSignal }): Promise<void> {
  const w = WorkerClient.start<ModelWriteProtocol>(import.meta.url, 'model-write-worker', { label: 'model writer' });
  try {
    await w.call('write', { dir, dataDir: o.dataDir, model }, { transfer: transfer(null, modelBuffers(model)).transfer, signal: o.signal, abortGraceMs: 0 });
  } finally {
    await w.terminate();
  }
}

/**
 * A trained model's directory written off the caller's event loop: building the Arrow tables of millions of
 * ids and factors, encoding and fsyncing them runs on a model-writer worker thread. One idle writer is kept
 * for the next job (starting one and loading its modules costs most of a second, more than writing a small
 * model); after a large model it is ended, its heap given back. The model's buffers are transferred, not
 * copied: the caller must not use them afterwards. Aborting the signal ends the worker (a half-written temp
 * directory is removed by ModelRegistry.clean at the next start).
 */
import { WorkerPool } from '../util/worker-pool.js';
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

/** After a model of at least this many bytes of buffers the writer is ended rather than kept idle. */
const KEEP_WRITER_BELOW_BYTES = 64 * 1024 * 1024;

let writers: WorkerPool<ModelWriteProtocol> | undefined;
const pool = () => (writers ??= new WorkerPool(() => WorkerClient.start<ModelWriteProtocol>(import.meta.url, 'model-write-worker', { label: 'model writer' }), { keepIdle: 1 }));

export async function writeModelInWorker(dir: string, model: PackedModel, o: { dataDir: string; signal?: AbortSignal }): Promise<void> {
  const buffers = modelBuffers(model);
  const keep = buffers.reduce((n, b) => n + b.byteLength, 0) < KEEP_WRITER_BELOW_BYTES;
  const p = pool();
  const w = await p.take();
  try {
    await w.call('write', { dir, dataDir: o.dataDir, model }, { transfer: transfer(null, buffers).transfer, signal: o.signal, abortGraceMs: 0 });
  } finally {
    p.give(w, keep);
  }
}

/** Ends the idle model writer (at shutdown); the next write starts a fresh one. */
export async function closeModelWriters(): Promise<void> {
  const p = writers;
  writers = undefined;
  await p?.close();
}

/**
 * A served model loaded off the event loop: reading the version's files, decoding millions of ids,
 * building their hash indexes and (with `scoring`) the scoring kernel's memory with its copy of the target
 * factors run on a worker thread started for the load and ended after it (its heap given back, as the
 * model writer's); the event loop receives transferred typed arrays and the shared memory and only wraps
 * them (ServedModel). Models whose files are smaller than `inlineBelowBytes` are read on the calling
 * thread by the same functions (a few milliseconds; a worker's start would cost more). A file that
 * cannot be read or is corrupt rejects with its reason ("model file: seen.arrow: ..."), never a
 * half-loaded model.
 */
import { modelFilesBytes, readPackedModel } from '../../data/model-file.js';
import { WorkerClient } from '../../util/worker-rpc.js';
import type { ModelLoadProtocol } from './model-load-protocol.js';
import { prepareServingData, withScorer, type ScoringOptions, type ServingData } from './serving-data.js';

/** Models with less than this in data files load on the calling thread (default of `inlineBelowBytes`). */
export const INLINE_LOAD_BYTES = 4 << 20;

export async function loadServingData(dir: string, o: { inlineBelowBytes?: number; scoring?: ScoringOptions } = {}): Promise<ServingData> {
  if (await modelFilesBytes(dir) < (o.inlineBelowBytes ?? INLINE_LOAD_BYTES)) {
    const data = prepareServingData(await readPackedModel(dir));
    return o.scoring ? withScorer(data, o.scoring) : data;
  }
  return loadServingDataInWorker(dir, { scoring: o.scoring });
}

/** Loads `dir` on a loader worker thread started for it (`scoring`, `hold`: see ModelLoadProtocol). */
export async function loadServingDataInWorker(dir: string, o: { scoring?: ScoringOptions; hold?: Int32Array } = {}): Promise<ServingData> {
  const w = WorkerClient.start<ModelLoadProtocol>(import.meta.url, 'model-load-worker', { label: 'model loader' });
  try {
    return await w.call('load', { dir, scoring: o.scoring, hold: o.hold });
  } finally {
    await w.terminate();
  }
}

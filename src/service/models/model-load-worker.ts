/**
 * Worker-thread entry of the served-model loader (model-load-in-worker.ts): reads a model directory with
 * its ids packed (data/model-file.ts readPackedModel), prepares what serving needs (serving-data.ts: the
 * id hash indexes, the popularity order, sorted seen rows, the scorer's memory with its copy of the target
 * factors) and hands it back transferred (the scorer's memory shared).
 */
import { readPackedModel } from '../../data/model-file.js';
import { serveWorker, transfer } from '../../util/worker-rpc.js';
import type { ModelLoadProtocol } from './model-load-protocol.js';
import { prepareServingData, servingDataBuffers, withScorer } from './serving-data.js';

serveWorker<ModelLoadProtocol>({
  load: async ({ dir, scoring, hold }) => {
    const prepared = prepareServingData(await readPackedModel(dir));
    const data = scoring ? withScorer(prepared, scoring) : prepared;
    if (hold) {
      Atomics.store(hold, 1, 1);
      Atomics.notify(hold, 1);
      Atomics.wait(hold, 0, 0);
    }
    return transfer(data, servingDataBuffers(data));
  },
});

/**
 * Worker-thread entry of the served-model loader (model-load-in-worker.ts): reads a model directory with
 * its ids packed (data/model-file.ts readPackedModel), prepares what serving needs (serving-data.ts: the
 * id hash indexes, the popularity order, sorted seen rows) and hands it back transferred.
 */
import { readPackedModel } from '../../data/model-file.js';
import { serveWorker, transfer } from '../../util/worker-rpc.js';
import type { ModelLoadProtocol } from './model-load-protocol.js';
import { prepareServingData, servingDataBuffers } from './serving-data.js';

serveWorker<ModelLoadProtocol>({
  load: async ({ dir, hold }) => {
    const data = prepareServingData(await readPackedModel(dir));
    if (hold) {
      Atomics.store(hold, 1, 1);
      Atomics.notify(hold, 1);
      Atomics.wait(hold, 0, 0);
    }
    return transfer(data, servingDataBuffers(data));
  },
});

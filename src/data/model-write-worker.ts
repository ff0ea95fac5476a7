/** Worker-thread entry of the model writer (model-write-in-worker.ts): one model directory written per call. */
import { diskFullError } from '../data-dir.js';
import { serveWorker } from '../util/worker-rpc.js';
import { writeModel } from './model-file.js';
import type { ModelWriteProtocol } from './model-write-protocol.js';

serveWorker<ModelWriteProtocol>({
  write: async ({ dir, dataDir, model }) => {
    try {
      await writeModel(dir, model);
    } catch (err) {
      throw diskFullError(err, dataDir);
    }
    return null;
  },
});

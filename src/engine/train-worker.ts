/**
 * The training worker: runs `trainAls` for `trainInWorker` (worker-trainer.ts), one training after
 * another. What a training sets up once per thread (the backend and its probing, tfjs, native-cpu's kernel
 * workers) stays for the next one.
 */
import { serveWorker, transfer } from '../util/worker-rpc.js';
import { initBackend } from './backend.js';
import type { TrainProtocol } from './train-protocol.js';
import { trainAls } from './trainer.js';

serveWorker<TrainProtocol>({
  train: async ({ matrix, options, settings, initial, hold }, ctx) => {
    const r = await trainAls(matrix, options, {
      signal: ctx.signal,
      onProgress: (progress) => {
        ctx.emit({ progress });
        // The progress just sent reaches the parent while this thread waits.
        if (hold && progress.phase === 'loss' && progress.iteration >= hold.iteration && Atomics.compareExchange(hold.flag, 1, 0, 1) === 0) {
          Atomics.notify(hold.flag, 1);
          Atomics.wait(hold.flag, 0, 0);
        }
      },
      log: (msg, fields) => ctx.emit({ log: msg, fields }),
    }, settings, initial);
    return transfer(r, [r.sourceFactors.buffer, r.targetFactors.buffer]);
  },
  warm: async ({ backend, workers, settings }) => {
    const choice = await initBackend(backend, { settings });
    if (choice.backend === 'native-cpu') await (await import('./native-cpu/pool.js')).KernelPool.warm(workers);
    return choice;
  },
});

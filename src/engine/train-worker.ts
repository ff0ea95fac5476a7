/** Worker-thread entry of `trainInWorker`: runs `trainAls` and reports over the parent port. */
import { parentPort } from 'node:worker_threads';
import { trainAls } from './trainer.js';
import { serializeError, type FromWorker, type ToWorker } from './worker-protocol.js';

const port = parentPort;
if (!port) throw new Error('train-worker.ts must run in a worker thread');
const controller = new AbortController();
const send = (m: FromWorker, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);

port.on('message', (m: ToWorker) => {
  if (m.type === 'abort') {
    controller.abort(new Error('cancelled by the caller'));
    return;
  }
  if (m.type !== 'start') return;
  trainAls(m.matrix, m.options, {
    signal: controller.signal,
    onProgress: (progress) => send({ type: 'progress', progress }),
    log: (msg, fields) => send({ type: 'log', msg, fields }),
  }).then(
    (result) => send({ type: 'result', result }, [result.sourceFactors.buffer as ArrayBuffer, result.targetFactors.buffer as ArrayBuffer]),
    (err) => send({ type: 'error', error: serializeError(err) }),
  );
});

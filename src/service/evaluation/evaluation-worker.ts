/** Worker-thread entry of a job's offline evaluation (evaluate-in-worker.ts): the holdout split, then the ranking. */
import { transfer, serveWorker } from '../../util/worker-rpc.js';
import { matrixBuffers, type EvaluationProtocol } from './evaluation-protocol.js';
import { summarizeHoldout } from './evaluate.js';
import { splitHoldout } from './split.js';

serveWorker<EvaluationProtocol>({
  split: ({ matrix, fraction, seed }) => {
    const { train, test } = splitHoldout(matrix, fraction, seed);
    const trainCopy = { ...train, indptr: train.indptr.slice(), indices: train.indices.slice(), data: train.data.slice() };
    return transfer({ train, trainCopy, test }, matrixBuffers(train, trainCopy, test));
  },
  summarize: (input) => summarizeHoldout(input),
});

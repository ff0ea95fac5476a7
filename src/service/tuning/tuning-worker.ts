/** Worker-thread entry of a tuning search (validation-worker.ts): the validation split, kept here, and the ranking of every checkpoint. */
import type { CsrMatrix } from '../../engine/types.js';
import { transfer, serveWorker } from '../../util/worker-rpc.js';
import { evaluateRanking } from '../evaluation/metrics.js';
import type { TuningProtocol } from './tuning-protocol.js';
import { splitCounts, tuningSplit } from './validation-split.js';

let split: { train: CsrMatrix; validation: CsrMatrix } | undefined;
const need = () => {
  if (!split) throw new Error('tuning worker: prepare first');
  return split;
};

serveWorker<TuningProtocol>({
  prepare: ({ matrix, split: o }) => {
    const s = tuningSplit(matrix, o);
    split = { train: s.train, validation: s.validation };
    return splitCounts(s);
  },
  trainMatrix: () => {
    const { train } = need();
    const m: CsrMatrix = { rows: train.rows, cols: train.cols, indptr: train.indptr.slice(), indices: train.indices.slice(), data: train.data.slice() };
    return transfer(m, [m.indptr.buffer, m.indices.buffer, m.data.buffer]);
  },
  score: ({ sourceFactors, targetFactors, factors, k }) => {
    const { train, validation } = need();
    const metrics = evaluateRanking({ sourceFactors, targetFactors, factors, train, test: validation, k, simd: true });
    return transfer({ metrics, sourceFactors, targetFactors }, [sourceFactors.buffer, targetFactors.buffer]);
  },
});

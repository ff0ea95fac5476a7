/** Protocol of the evaluation worker (evaluation-worker.ts; parent side: evaluate-in-worker.ts), over util/worker-rpc.ts. */
import type { CsrMatrix } from '../../engine/types.js';
import type { EvaluationSummary, RankingInput } from './metrics.js';

/** The buffers of CSR matrices (to transfer them). */
export const matrixBuffers = (...ms: CsrMatrix[]): ArrayBufferLike[] => ms.flatMap((m) => [m.indptr.buffer, m.indices.buffer, m.data.buffer]);

export type EvaluationProtocol = {
  /** splitHoldout; `trainCopy` is a second copy of `train` for a trainer to take over. Every buffer comes back transferred. */
  split: { request: { matrix: CsrMatrix; fraction: number; seed: number }; response: { train: CsrMatrix; trainCopy: CsrMatrix; test: CsrMatrix } };
  /** The counts and the model's and the popularity baseline's ranking metrics on the split (its buffers arrive transferred). */
  summarize: { request: Omit<RankingInput, 'candidates'>; response: Pick<EvaluationSummary, 'test_interactions' | 'test_sources' | 'model' | 'baseline'> };
};

/** Protocol of the tuning worker (tuning-worker.ts; parent side: validation-worker.ts), over util/worker-rpc.ts. */
import type { CsrMatrix } from '../../engine/types.js';
import type { RankingMetrics } from '../evaluation/metrics.js';
import type { TuningSplitOptions } from './validation-split.js';

export interface SplitCounts {
  trainPairs: number;
  validationPairs: number;
  validationSources: number;
  /** The evaluation's test pairs left out of both (0 without evaluation). */
  testPairs: number;
}

export type TuningProtocol = {
  /** tuningSplit of the matrix; the worker keeps the trials' training part and the validation pairs. */
  prepare: { request: { matrix: CsrMatrix; split: TuningSplitOptions }; response: SplitCounts };
  /** A fresh copy of the trials' training part, transferred (a trainer takes it over). */
  trainMatrix: { request: Record<string, never>; response: CsrMatrix };
  /**
   * The ranking metrics at k of the factors against the validation pairs (each source's training pairs
   * excluded); the factors arrive transferred and go back transferred.
   */
  score: {
    request: { sourceFactors: Float32Array; targetFactors: Float32Array; factors: number; k: number };
    response: { metrics: RankingMetrics; sourceFactors: Float32Array; targetFactors: Float32Array };
  };
};

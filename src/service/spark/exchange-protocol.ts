/** Protocol of the Spark exchange worker (exchange-worker.ts; parent side: spark-trainer.ts), over util/worker-rpc.ts. */
import type { CsrMatrix } from '../../engine/types.js';
import type { WeightScaling } from './exchange.js';

export type ExchangeProtocol = {
  /**
   * Writes the matrix's Parquet parts into `dir` and keeps the matrix for `fetch` (one run per worker); a
   * full disk is RESOURCE_EXHAUSTED naming `stagingDir` (the local staging root `dir` is in).
   */
  export: { request: { matrix: CsrMatrix; dir: string; stagingDir: string; scaling: WeightScaling }; response: { files: number; bytes: number } };
  /** Reads the factors Spark wrote and computes Spark's objective on the kept matrix; the factors come back transferred. */
  fetch: {
    request: { userDir: string; itemDir: string; k: number; alpha: number; regularization: number };
    response: { sourceFactors: Float32Array; targetFactors: Float32Array; loss: number; missingSources: number; missingTargets: number };
  };
};

/**
 * The parent side of the tuning worker: a search's validation split and its ranking off the caller's
 * event loop (a worker started for the search, ended after it). `LocalValidation` does the same on the
 * caller's thread (benches, tests).
 */
import type { CsrMatrix } from '../../engine/types.js';
import { transfer, WorkerClient } from '../../util/worker-rpc.js';
import { evaluateRanking, type RankingMetrics } from '../evaluation/metrics.js';
import type { SplitCounts, TuningProtocol } from './tuning-protocol.js';
import { splitCounts, tuningSplit, type TuningSplitOptions } from './validation-split.js';

/** What a search needs of its validation split (search.ts). */
export interface Validation {
  /** Splits `matrix` (the caller keeps it). */
  prepare(matrix: CsrMatrix, split: TuningSplitOptions, signal?: AbortSignal): Promise<SplitCounts>;
  /** A copy of the trials' training part that a trainer may take over. */
  trainMatrix(signal?: AbortSignal): Promise<CsrMatrix>;
  /** The metrics of the factors at k; the factors come back in the result (the caller's own are moved away). */
  score(f: { sourceFactors: Float32Array; targetFactors: Float32Array; factors: number }, k: number, signal?: AbortSignal): Promise<{ metrics: RankingMetrics; sourceFactors: Float32Array; targetFactors: Float32Array }>;
  close(): Promise<void>;
}

export class WorkerValidation implements Validation {
  private readonly w = WorkerClient.start<TuningProtocol>(import.meta.url, 'tuning-worker', { label: 'tuning worker' });

  prepare(matrix: CsrMatrix, split: TuningSplitOptions, signal?: AbortSignal): Promise<SplitCounts> {
    return this.w.call('prepare', { matrix, split }, { signal, abortGraceMs: 0 });
  }

  trainMatrix(signal?: AbortSignal): Promise<CsrMatrix> {
    return this.w.call('trainMatrix', {}, { signal, abortGraceMs: 0 });
  }

  score(f: { sourceFactors: Float32Array; targetFactors: Float32Array; factors: number }, k: number, signal?: AbortSignal) {
    const req = { sourceFactors: f.sourceFactors, targetFactors: f.targetFactors, factors: f.factors, k };
    return this.w.call('score', req, { signal, abortGraceMs: 0, transfer: transfer(null, [f.sourceFactors.buffer, f.targetFactors.buffer]).transfer });
  }

  close(): Promise<void> {
    return this.w.terminate();
  }
}

export class LocalValidation implements Validation {
  private split?: { train: CsrMatrix; validation: CsrMatrix };

  async prepare(matrix: CsrMatrix, o: TuningSplitOptions): Promise<SplitCounts> {
    const s = tuningSplit(matrix, o);
    this.split = { train: s.train, validation: s.validation };
    return splitCounts(s);
  }

  async trainMatrix(): Promise<CsrMatrix> {
    const t = this.split!.train;
    return { rows: t.rows, cols: t.cols, indptr: t.indptr.slice(), indices: t.indices.slice(), data: t.data.slice() };
  }

  async score(f: { sourceFactors: Float32Array; targetFactors: Float32Array; factors: number }, k: number) {
    const { train, validation } = this.split!;
    return { metrics: evaluateRanking({ ...f, train, test: validation, k, simd: true }), sourceFactors: f.sourceFactors, targetFactors: f.targetFactors };
  }

  async close(): Promise<void> {}
}

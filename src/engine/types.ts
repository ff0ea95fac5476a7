/**
 * The engine's contract. The engine trains implicit-feedback ALS on a sparse matrix given as typed
 * arrays; it knows nothing of gRPC, Arrow or the store. Callers get progress through `onProgress` and
 * stop it through an `AbortSignal`.
 */

/** A sparse matrix in compressed sparse row form (rows = sources/users, cols = targets/items). */
export interface CsrMatrix {
  rows: number;
  cols: number;
  /** length rows + 1; row r's entries are indptr[r] .. indptr[r+1]-1. */
  indptr: Int32Array;
  /** column index of each entry, sorted within a row, no duplicates. */
  indices: Int32Array;
  /**
   * Aggregated interaction weight w of each entry (duplicates summed, per-type weights applied, > 0).
   * The engine turns it into confidence c = 1 + alpha * w (or 1 + alpha * log(1 + w / eps)).
   */
  data: Float32Array;
}

/** One progress report: at least once per iteration and within long iterations. */
export interface TrainProgress {
  /** 0..1 of the whole training. */
  fraction: number;
  /** 1-based iteration in progress (0 before the first). */
  iteration: number;
  totalIterations: number;
  /** Loss after the last completed iteration (the exact objective over all pairs, see als-driver.ts). */
  loss?: number;
  elapsedMs: number;
  etaMs?: number;
  phase: 'setup' | 'sources' | 'targets' | 'loss' | 'done';
}

export interface TrainHooks {
  onProgress?: (p: TrainProgress) => void;
  signal?: AbortSignal;
  /** Structured log lines (backend chosen, device used, fallbacks). */
  log?: (msg: string, fields?: Record<string, unknown>) => void;
}

/** The trained factors: row r of `sourceFactors` is source r's vector (row-major, length rows * factors). */
export interface AlsResult {
  factors: number;
  sourceFactors: Float32Array;
  targetFactors: Float32Array;
  /** Loss after each iteration: the exact objective over all pairs divided by sum c_ui (als-driver.ts). */
  lossCurve: number[];
  lossKind: 'exact';
  iterations: number;
  /** The tfjs backend (or native kernel) actually used, and the device it ran on (e.g. "CPU", "GPU: NVIDIA H200"). */
  backend: string;
  device: string;
  /** The row solver that ran (options.ts: `auto` resolved for the backend). */
  solver?: 'cg' | 'subspace' | 'hybrid' | 'pcg';
  seconds: number;
}

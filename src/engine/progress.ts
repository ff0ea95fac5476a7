/** Progress reports of a training: what the loop reports, with elapsed time, ETA and the iteration count added. */
import type { TrainHooks, TrainProgress } from './types.js';

/** What a trainer reports; the reporter adds elapsed time, ETA (linear in the fraction done) and the iteration count. */
export type ProgressUpdate = Omit<TrainProgress, 'elapsedMs' | 'totalIterations' | 'etaMs'>;

/** The progress callback of one training run started at `started` (performance.now()). */
export function progressReporter(onProgress: TrainHooks['onProgress'], totalIterations: number, started = performance.now()): (p: ProgressUpdate) => void {
  return (p) => {
    if (!onProgress) return;
    const elapsedMs = performance.now() - started;
    const etaMs = p.fraction > 0 ? (elapsedMs / p.fraction) * (1 - p.fraction) : undefined;
    onProgress({ ...p, totalIterations, elapsedMs, etaMs });
  };
}

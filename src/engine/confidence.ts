/**
 * Confidence of each nonzero (Hu, Koren, Volinsky 2008, and the log variant of their section 4):
 *   c = 1 + alpha * w                      (default)
 *   c = 1 + alpha * log(1 + w / epsilon)   (logScaling)
 * Computed in float64, stored as float32; a value that overflows float32 is refused up front.
 */
import { TrainingDivergedError } from '../errors.js';

/** The confidences of `data`'s weights (see the module comment). */
export function confidences(data: ArrayLike<number>, alpha: number, logScaling: boolean, logEpsilon: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const w = data[i];
    const c = 1 + alpha * (logScaling ? Math.log1p(w / logEpsilon) : w);
    out[i] = c;
    if (!Number.isFinite(out[i])) {
      throw new TrainingDivergedError(
        `confidence 1 + alpha * w = ${c} at nonzero ${i} is not a finite float32: interaction weights or alpha too large (lower alpha, or enable log_scaling)`,
        { field: 'hyperparameters.alpha' },
      );
    }
  }
  return out;
}

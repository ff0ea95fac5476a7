/** Protocol of the served-model loader (model-load-worker.ts; parent side: model-load-in-worker.ts), over util/worker-rpc.ts. */
import type { ScoringOptions, ServingData } from './serving-data.js';

export type ModelLoadProtocol = {
  /**
   * Reads the model directory `dir` and prepares it for serving, with its scorer memory built as
   * `scoring` says when given (serving-data.ts withScorer); every buffer of the answer arrives
   * transferred, the scorer's memory shared. `hold` (tests, on shared memory): once prepared, the worker
   * sets hold[1] = 1 and waits until hold[0] != 0 before answering, so a test sees a load in progress
   * deterministically.
   */
  load: { request: { dir: string; scoring?: ScoringOptions; hold?: Int32Array }; response: ServingData };
};

/** Protocol of the served-model loader (model-load-worker.ts; parent side: model-load-in-worker.ts), over util/worker-rpc.ts. */
import type { ServingData } from './serving-data.js';

export type ModelLoadProtocol = {
  /** Reads the model directory `dir` and prepares it for serving; every buffer of the answer arrives transferred. */
  load: { request: { dir: string }; response: ServingData };
};

/** Protocol of the training worker (train-worker.ts), driven by `trainInWorker` (worker-trainer.ts) through util/worker-rpc.ts. */
import type { FactorPair } from './als-driver.js';
import type { CompiledAlsOptions, EngineBackend } from './options.js';
import type { EngineSettings } from './settings.js';
import type { AlsResult, CsrMatrix, TrainProgress } from './types.js';

export interface TrainRequest {
  matrix: CsrMatrix;
  options: CompiledAlsOptions;
  settings: Partial<EngineSettings>;
  initial?: FactorPair;
}

/** Progress and log lines of the training, in order. */
export type TrainEvent = { progress: TrainProgress } | { log: string; fields?: Record<string, unknown> };

export type TrainProtocol = {
  train: { request: TrainRequest; response: AlsResult; event: TrainEvent };
  /** Sets up what a training of `backend` on `workers` threads sets up once (backend, kernel workers); answers the backend chosen. */
  warm: { request: { backend: EngineBackend; workers: number; settings: Partial<EngineSettings> }; response: { backend: string; device: string } };
};

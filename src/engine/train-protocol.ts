/** Protocol of the training worker (train-worker.ts), driven by `trainInWorker` (worker-trainer.ts) through util/worker-rpc.ts. */
import type { FactorPair } from './als-driver.js';
import type { CompiledAlsOptions, EngineBackend } from './options.js';
import type { EngineSettings } from './settings.js';
import type { AlsResult, CsrMatrix, TrainProgress } from './types.js';

/**
 * Tests only (on shared memory): the first training to report the loss of an iteration >= `iteration`
 * while flag[1] == 0 sets flag[1] = 1 and holds its worker thread there until flag[0] != 0, so a test sees
 * a training part-way, deterministically (flag[1] != 0 at the start: not armed).
 */
export interface TrainingHold { iteration: number; flag: Int32Array }

export interface TrainRequest {
  matrix: CsrMatrix;
  options: CompiledAlsOptions;
  settings: Partial<EngineSettings>;
  initial?: FactorPair;
  hold?: TrainingHold;
}

/** Progress and log lines of the training, in order. */
export type TrainEvent = { progress: TrainProgress } | { log: string; fields?: Record<string, unknown> };

export type TrainProtocol = {
  train: { request: TrainRequest; response: AlsResult; event: TrainEvent };
  /** Sets up what a training of `backend` on `workers` threads sets up once (backend, kernel workers); answers the backend chosen. */
  warm: { request: { backend: EngineBackend; workers: number; settings: Partial<EngineSettings> }; response: { backend: string; device: string } };
};

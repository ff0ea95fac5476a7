/**
 * `trainInWorker`: `trainAls` in a worker thread, so the caller's event loop stays free. The training
 * worker is started on first use and kept for the next training (what it set up once, backend probing,
 * tfjs and native-cpu's kernel workers, is not paid again); trainings that overlap get a worker each, and
 * one stays when they are done. A cancelled training's worker is terminated (with its threads), after a
 * short grace to answer.
 */
import { CancelledError } from '../errors.js';
import { transfer, WorkerClient } from '../util/worker-rpc.js';
import type { FactorPair } from './als-driver.js';
import type { CompiledAlsOptions } from './options.js';
import type { EngineSettings } from './settings.js';
import type { TrainingHold, TrainProtocol } from './train-protocol.js';
import type { AlsResult, CsrMatrix, TrainHooks } from './types.js';

export interface WorkerTrainOptions {
  /** The engine's settings (config.ts `engine`). */
  settings?: Partial<EngineSettings>;
  /** Start from these factors instead of the seeded draw (copied, or moved with `transfer`). */
  initial?: FactorPair;
  /** Transfer (detach) the caller's buffers instead of copying them. Default false. */
  transfer?: boolean;
  /** After an abort, how long the worker may take to answer before it is terminated (ms, default 500). */
  abortGraceMs?: number;
  /** Tests: hold the training part-way (train-protocol.ts TrainingHold). */
  hold?: TrainingHold;
}

type TrainingWorker = WorkerClient<TrainProtocol>;
/** The worker waiting for the next training (unref'd: it does not keep the process alive). */
let idle: TrainingWorker | undefined;

function takeWorker(): TrainingWorker {
  const w = idle;
  idle = undefined;
  if (w?.alive) {
    w.worker.ref();
    return w;
  }
  return WorkerClient.start<TrainProtocol>(import.meta.url, 'train-worker', { label: 'training worker' });
}

function keepWorker(w: TrainingWorker): void {
  if (!w.alive || idle) {
    void w.terminate();
    return;
  }
  w.worker.unref();
  idle = w;
}

/**
 * Starts the training worker now (e.g. at server start) with what a training of `options.backend` on
 * `options.workers` threads sets up once, so that the first training does not pay for it. Resolves with
 * the backend chosen; a training that starts meanwhile gets a worker of its own.
 */
export async function warmTrainingWorker(options: Pick<CompiledAlsOptions, 'backend' | 'workers'>, settings: Partial<EngineSettings> = {}): Promise<{ backend: string; device: string }> {
  const worker = takeWorker();
  try {
    return await worker.call('warm', { backend: options.backend, workers: options.workers, settings });
  } finally {
    keepWorker(worker);
  }
}

/** Terminates the waiting training worker (at shutdown; a later training starts a new one). */
export async function closeTrainingWorkers(): Promise<void> {
  const w = idle;
  idle = undefined;
  await w?.terminate();
}

/**
 * Trains in a worker thread. Progress and log lines are forwarded to `hooks`; aborting `hooks.signal`
 * asks the worker to stop (it checks once per chunk) and terminates it, at the latest after
 * `abortGraceMs`. Errors come back as the same domain error classes (message and field carried over).
 */
export async function trainInWorker(matrix: CsrMatrix, options: CompiledAlsOptions, hooks: TrainHooks = {}, wo: WorkerTrainOptions = {}): Promise<AlsResult> {
  const { signal } = hooks;
  if (signal?.aborted) throw new CancelledError('training cancelled', { cause: signal.reason });
  const copy = <T extends Int32Array | Float32Array>(a: T): T => (wo.transfer ? a : (a.slice() as T));
  const m: CsrMatrix = { rows: matrix.rows, cols: matrix.cols, indptr: copy(matrix.indptr), indices: copy(matrix.indices), data: copy(matrix.data) };
  const initial = wo.initial && { sourceFactors: copy(wo.initial.sourceFactors), targetFactors: copy(wo.initial.targetFactors) };
  const moved = transfer(null, [m.indptr, m.indices, m.data, initial?.sourceFactors, initial?.targetFactors].map((a) => a?.buffer));
  const worker = takeWorker();
  try {
    const result = await worker.call('train', { matrix: m, options, settings: wo.settings ?? {}, initial, hold: wo.hold }, {
      transfer: moved.transfer,
      signal,
      abortGraceMs: wo.abortGraceMs ?? 500,
      onEvent: (e) => {
        if ('progress' in e) hooks.onProgress?.(e.progress);
        else hooks.log?.(e.log, e.fields);
      },
    });
    keepWorker(worker);
    return result;
  } catch (err) {
    // Cancelled: the worker and its threads are gone when this rejects.
    if (signal?.aborted) await worker.terminate();
    else keepWorker(worker);
    throw err;
  }
}

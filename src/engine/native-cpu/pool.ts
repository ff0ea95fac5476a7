/**
 * The native-cpu kernel workers of this thread, kept between trainings: starting a worker (a thread,
 * our modules, the kernel) costs ~70-150 ms, so a finished training hands its pool back and the next one
 * of the same size takes it (`acquire`). A pool waiting between trainings holds no training's memory
 * (`release`) and does not keep the process alive. A cancelled training terminates its pool instead.
 * `run` posts one task to every worker (they share the work through an atomic counter) and resolves
 * when all report done.
 */
import { WorkerClient } from '../../util/worker-rpc.js';
import type { KernelInit, KernelProtocol, KernelTask } from './kernel-protocol.js';

let live = 0;
/** Kernel workers of this thread that have not exited yet, idle ones included. */
export function liveKernelWorkers(): number {
  return live;
}

let idle: KernelPool | undefined;

export class KernelPool {
  private constructor(private readonly workers: WorkerClient<KernelProtocol>[]) {}

  private static start(count: number): KernelPool {
    const workers = Array.from({ length: count }, () => {
      const w = WorkerClient.start<KernelProtocol>(import.meta.url, 'kernel-worker', { label: 'native-cpu kernel worker', execArgv: [] });
      live++;
      void w.exited.then(() => live--);
      return w;
    });
    return new KernelPool(workers);
  }

  /** A pool of `count` workers: the idle one when it has that size, else a new one. */
  static acquire(count: number): KernelPool {
    const pool = idle;
    idle = undefined;
    if (pool?.alive && pool.size === count) {
      for (const w of pool.workers) w.worker.ref();
      return pool;
    }
    void pool?.terminate();
    return KernelPool.start(count);
  }

  /** Starts the idle pool of `count` workers now (so that the next training finds it), unless there is one. */
  static async warm(count: number): Promise<void> {
    const pool = KernelPool.acquire(count);
    await pool.release();
  }

  /** Terminates the idle pool, if any. */
  static async closeIdle(): Promise<void> {
    const pool = idle;
    idle = undefined;
    await pool?.terminate();
  }

  get size(): number {
    return this.workers.length;
  }

  get alive(): boolean {
    return this.workers.every((w) => w.alive);
  }

  /** Gives every worker its part of a training's region. */
  async init(make: (workerIndex: number) => KernelInit): Promise<void> {
    await Promise.all(this.workers.map((w, i) => w.call('init', make(i))));
  }

  /** Runs `task` on every worker; aborting `signal` terminates the pool at once. */
  async run(task: KernelTask, signal?: AbortSignal): Promise<void> {
    await Promise.all(this.workers.map((w) => w.call('run', task, { signal, abortGraceMs: 0 })));
  }

  /** Back to the idle slot after a training (or terminated when it cannot be reused). */
  async release(): Promise<void> {
    if (!this.alive) return this.terminate();
    try {
      await Promise.all(this.workers.map((w) => w.call('release', null)));
    } catch {
      return this.terminate();
    }
    for (const w of this.workers) w.worker.unref();
    const previous = idle;
    idle = this;
    await previous?.terminate();
  }

  async terminate(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

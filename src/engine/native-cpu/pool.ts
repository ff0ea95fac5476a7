/**
 * A pool of native-cpu worker threads, reused across half-sweeps and iterations. `run` posts one task to
 * every worker (they share the work through an atomic counter) and resolves when all report done.
 * `terminate` ends the threads at once (used on abort and at the end of training).
 */
import type { Worker } from 'node:worker_threads';
import { startModuleWorker } from '../../util/module-worker.js';
import type { WorkerInit, WorkerReply, WorkerTask } from './protocol.js';


let live = 0;
/** Worker threads of all native-cpu pools that have not exited yet (tests check it returns to 0). */
export function liveWorkers(): number {
  return live;
}

export class WorkerPool {
  private readonly workers: Worker[] = [];
  private pending: { left: number; resolve: () => void; reject: (e: Error) => void } | undefined;
  private failed: Error | undefined;
  private closed = false;

  private constructor() {}

  static async start(count: number, init: (index: number) => WorkerInit): Promise<WorkerPool> {
    const pool = new WorkerPool();
    const ready: Promise<void>[] = [];
    for (let w = 0; w < count; w++) {
      const worker = startModuleWorker(import.meta.url, 'worker', { execArgv: [] });
      pool.workers.push(worker);
      live++;
      worker.once('exit', () => live--);
      ready.push(
        new Promise<void>((resolve, reject) => {
          const onMsg = (m: WorkerReply) => {
            worker.off('message', onMsg);
            if (m.kind === 'ready') resolve();
            else reject(new Error(`native-cpu worker ${w} failed to start: ${m.kind === 'error' ? m.message : m.kind}`));
          };
          worker.on('message', onMsg);
          worker.once('error', reject);
        }),
      );
      worker.postMessage(init(w));
    }
    try {
      await Promise.all(ready);
    } catch (err) {
      await pool.terminate();
      throw err;
    }
    for (const worker of pool.workers) {
      worker.on('message', (m: WorkerReply) => pool.onReply(m));
      worker.on('error', (err) => pool.fail(err));
      worker.on('exit', (code) => {
        if (!pool.closed) pool.fail(new Error(`native-cpu worker exited unexpectedly (code ${code})`));
      });
    }
    return pool;
  }

  get size(): number {
    return this.workers.length;
  }

  run(task: WorkerTask): Promise<void> {
    if (this.failed) return Promise.reject(this.failed);
    if (this.pending) return Promise.reject(new Error('native-cpu pool: a task is already running'));
    return new Promise<void>((resolve, reject) => {
      this.pending = { left: this.workers.length, resolve, reject };
      for (const w of this.workers) w.postMessage(task);
    });
  }

  private onReply(m: WorkerReply): void {
    if (m.kind === 'error') return this.fail(new Error(m.message));
    const p = this.pending;
    if (!p || m.kind !== 'done') return;
    if (--p.left === 0) {
      this.pending = undefined;
      p.resolve();
    }
  }

  /** Rejects the running task (if any) with `err` and every later one. */
  fail(err: Error): void {
    if (!this.failed) this.failed = err;
    const p = this.pending;
    this.pending = undefined;
    p?.reject(err);
  }

  async terminate(): Promise<void> {
    this.closed = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

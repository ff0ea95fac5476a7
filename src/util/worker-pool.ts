/**
 * Reusable worker threads of one entry (util/worker-rpc.ts clients): `take` an idle one or start a new one
 * (waiting while `maxBusy` are busy), `give` it back when done. At most `keepIdle` stay idle, unref'd (an
 * idle worker does not keep the process alive); a worker given back with `keep` false (e.g. after a big job,
 * to give its heap back), or that died, is ended. After `close`, `take` is UNAVAILABLE.
 */
import { UnavailableError } from '../errors.js';
import type { Protocol, WorkerClient } from './worker-rpc.js';

export class WorkerPool<P extends Protocol> {
  private readonly idle: WorkerClient<P>[] = [];
  private readonly busy = new Set<WorkerClient<P>>();
  private readonly waiting: (() => void)[] = [];
  private closed = false;
  /** Workers started so far (diagnostics and tests: reuse keeps this small). */
  started = 0;

  constructor(private readonly start: () => WorkerClient<P>, private readonly o: { keepIdle?: number; maxBusy?: number } = {}) {}

  async take(): Promise<WorkerClient<P>> {
    while (!this.closed && this.busy.size >= (this.o.maxBusy ?? Infinity)) await new Promise<void>((r) => this.waiting.push(r));
    if (this.closed) throw new UnavailableError('the server is shutting down');
    let w = this.idle.pop();
    while (w && !w.alive) w = this.idle.pop();
    if (!w) {
      w = this.start();
      this.started++;
    }
    w.worker.ref(); // a worker in use keeps the process alive
    this.busy.add(w);
    return w;
  }

  give(w: WorkerClient<P>, keep = true): void {
    this.busy.delete(w);
    if (keep && w.alive && !this.closed && this.idle.length < (this.o.keepIdle ?? 1)) {
      w.worker.unref();
      this.idle.push(w);
    } else {
      void w.terminate();
    }
    this.waiting.shift()?.();
  }

  /** Ends every worker; calls in flight reject. */
  async close(): Promise<void> {
    this.closed = true;
    for (const wake of this.waiting.splice(0)) wake();
    await Promise.all([...this.idle.splice(0), ...this.busy].map((w) => w.terminate()));
  }
}

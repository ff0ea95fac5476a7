/**
 * Publish/subscribe of job status changes, per job id. Listeners are called synchronously with the
 * job's latest snapshot; they must not block (WatchStatus keeps only the latest pending one).
 */

/** Called with each new snapshot of a job. */
export type StatusListener<S> = (status: S) => void;

export class StatusHub<S> {
  private readonly listeners = new Map<string, Set<StatusListener<S>>>();

  subscribe(jobId: string, listener: StatusListener<S>): () => void {
    let set = this.listeners.get(jobId);
    if (!set) { set = new Set(); this.listeners.set(jobId, set); }
    set.add(listener);
    return () => {
      const s = this.listeners.get(jobId);
      if (!s) return;
      s.delete(listener);
      if (s.size === 0) this.listeners.delete(jobId);
    };
  }

  publish(jobId: string, status: S): void {
    const set = this.listeners.get(jobId);
    if (!set) return;
    for (const l of [...set]) {
      try { l(status); } catch { /* a listener's failure is its own */ }
    }
  }

  /** Listeners across all jobs (tests check it returns to 0 when watchers go away). */
  listenerCount(): number {
    let n = 0;
    for (const s of this.listeners.values()) n += s.size;
    return n;
  }
}

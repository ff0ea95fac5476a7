import type { Worker } from 'node:worker_threads';
import { InternalError, UnavailableError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { startModuleWorker } from '../../util/module-worker.js';
import type { ServedModel } from '../models/served-model.js';
import type { FromScorer, ToScorer } from './scoring-protocol.js';
import type { TopK } from './top-k.js';

const MAX_RESTARTS = 3;

interface Pending { worker: Worker; resolve(t: TopK): void; reject(e: Error): void }
interface Slot { worker: Worker; inFlight: number; known: Set<number>; dead: boolean }

/** Copy of a typed array's own elements (structured clone would copy a view's whole buffer). */
function own<T extends Float32Array | Int32Array | Uint8Array>(a: T): T {
  return (a.byteOffset === 0 && a.byteLength === a.buffer.byteLength ? a : a.slice()) as T;
}

/**
 * Recommend's scoring off the gRPC event loop: `size` worker threads, each attached to the served
 * models' shared memories through its own scratch slot (wasm-scorer.ts). The event loop keeps only
 * request parsing, candidate selection and encoding, so a large catalog (40 ms per request at 1M
 * targets) never stalls other calls, and requests that queue up while a worker is busy are scored
 * together, several sources per pass over the factors.
 *
 * Lifetime: a model's memory is posted to a worker with its first request there; when the event loop
 * no longer holds the ServedModel (evicted or replaced, and no request uses it) a FinalizationRegistry
 * tells the workers to drop it. A request holds its ServedModel until its reply arrives, so the drop
 * always follows that model's last request in the worker's queue.
 */
export class ScoringPool {
  private readonly slots: Slot[] = [];
  private readonly pending = new Map<number, Pending>();
  private readonly ids = new WeakMap<ServedModel, number>();
  private readonly released = new FinalizationRegistry<number>((model) => this.drop(model));
  private nextRequest = 1;
  private nextModel = 1;
  private closed = false;
  private readonly counts = { requests: 0, batched: 0 };
  /** Worker restarts since the last successful reply; beyond MAX_RESTARTS the pool closes (event-loop scoring). */
  private restarts = 0;

  constructor(readonly size: number, private readonly log?: Logger) {
    for (let i = 0; i < size; i++) this.slots.push(this.start(i));
  }

  /** Whether `served` can be ranked here (its memory has a slot for every worker). */
  accepts(served: ServedModel): boolean {
    return !this.closed && this.size > 0 && (served.scorer?.slots ?? 0) >= this.size;
  }

  /** The `count` best targets for x (see rankByScore; same results, bit for bit). */
  rank(served: ServedModel, x: Float32Array | Float64Array, count: number, mask: Uint8Array | null, seen?: Int32Array): Promise<TopK> {
    if (!this.accepts(served)) return Promise.reject(new UnavailableError('the scoring pool is closed'));
    let model = this.ids.get(served);
    if (model === undefined) {
      model = this.nextModel++;
      this.ids.set(served, model);
      this.released.register(served, model);
    }
    // Least loaded worker; ties -> the first, so light traffic lands on one worker and batches there.
    let s = this.slots[0]!;
    for (const c of this.slots) if (c.inFlight < s.inFlight) s = c;
    const slot = s;
    const id = this.nextRequest++;
    const first = !slot.known.has(model);
    if (first) slot.known.add(model);
    const msg: ToScorer = {
      t: 'rank', id, model, share: first ? served.scorer!.share() : undefined, x: x instanceof Float32Array ? own(x) : Float32Array.from(x), count,
      mask: mask ? own(mask) : undefined, seen: seen && seen.length > 0 ? own(seen) : undefined,
    };
    slot.inFlight++;
    return new Promise<TopK>((resolve, reject) => {
      this.pending.set(id, {
        worker: slot.worker,
        resolve: (t) => { slot.inFlight--; resolve(t); },
        reject: (e) => { slot.inFlight--; reject(e); },
      });
      slot.worker.postMessage(msg);
    });
  }

  /** Requests ranked so far, and how many of them shared a pass over the factors with others. */
  stats(): { workers: number; requests: number; batched: number } {
    return { workers: this.size, ...this.counts };
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
    for (const p of this.pending.values()) p.reject(new UnavailableError('server shutting down'));
    this.pending.clear();
  }

  private drop(model: number): void {
    for (const s of this.slots) if (s.known.delete(model)) s.worker.postMessage({ t: 'drop', model } satisfies ToScorer);
  }

  private start(index: number): Slot {
    const worker = startModuleWorker(import.meta.url, 'scoring-worker');
    worker.unref();
    const slot: Slot = { worker, inFlight: 0, known: new Set(), dead: false };
    worker.postMessage({ t: 'slot', slot: index });
    worker.on('message', (m: FromScorer) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.t === 'ranked') {
        this.restarts = 0;
        this.counts.requests++;
        if (m.group > 1) this.counts.batched++;
        p.resolve({ indices: m.indices, scores: m.scores });
      }
      else p.reject(new InternalError(`scoring failed: ${m.message}`));
    });
    const fail = (why: string) => {
      if (this.closed || slot.dead) return;
      slot.dead = true;
      this.log?.error({ worker: index, why }, 'scoring worker stopped; restarting it');
      for (const [id, p] of this.pending) {
        if (p.worker !== worker) continue;
        this.pending.delete(id);
        p.reject(new InternalError(`scoring worker stopped: ${why}`));
      }
      if (++this.restarts > MAX_RESTARTS) {
        this.closed = true;
        this.log?.error({ restarts: this.restarts }, 'scoring workers keep stopping; scoring on the event loop from now on');
        return;
      }
      this.slots[index] = this.start(index);
    };
    worker.on('error', (e) => fail(e.message));
    worker.on('exit', (code) => fail(`exit code ${code}`));
    return slot;
  }
}

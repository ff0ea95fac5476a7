/**
 * Recommend's scoring off the gRPC event loop: `size` worker threads (scoring-worker.ts), each attached
 * to the served models' shared memories through its own scratch slot (wasm-scorer.ts). The event loop
 * keeps only request parsing, candidate selection and encoding, so scoring a large catalog never stalls
 * other calls, and requests that queue up while a worker is busy are scored together, several sources
 * per pass over the factors.
 *
 * Lifetime: a model's memory is posted to a worker with its first request there; when the event loop
 * no longer holds the ServedModel (evicted or replaced, and no request uses it) a FinalizationRegistry
 * tells the workers to drop it. A request holds its ServedModel until its reply arrives, so the drop
 * always follows that model's last request in the worker's queue.
 *
 * A worker that stops fails its requests in flight (INTERNAL "scoring worker stopped: ...") and is
 * restarted; after MAX_RESTARTS stops without a successful reply in between, the pool closes and the
 * server scores on the event loop.
 */
import { InternalError, UnavailableError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { WorkerClient } from '../../util/worker-rpc.js';
import type { ServedModel } from '../models/served-model.js';
import type { ScoringProtocol } from './scoring-protocol.js';
import type { TopK } from './top-k.js';

const MAX_RESTARTS = 3;

interface Slot { client: WorkerClient<ScoringProtocol>; inFlight: number; known: Set<number>; knownAnn: Set<number> }

/** Copy of a typed array's own elements (structured clone would copy a view's whole buffer). */
function own<T extends Float32Array | Int32Array | Uint8Array>(a: T): T {
  return (a.byteOffset === 0 && a.byteLength === a.buffer.byteLength ? a : a.slice()) as T;
}

export class ScoringPool {
  private readonly slots: Slot[] = [];
  private readonly ids = new WeakMap<ServedModel, number>();
  private readonly released = new FinalizationRegistry<number>((model) => this.drop(model));
  private nextModel = 1;
  /** No more requests: close() was called, or the workers kept stopping. */
  private closed = false;
  private shuttingDown = false;
  private readonly counts = { requests: 0, batched: 0 };
  /** Worker restarts since the last successful reply; beyond MAX_RESTARTS the pool closes (event-loop scoring). */
  private restarts = 0;

  /**
   * `inlineWork`: rankings of at most this much work (rank.ts rankingWork) are better done on the event
   * loop than sent here (`takes`); default 0 (every ranking the pool accepts).
   */
  constructor(readonly size: number, private readonly log?: Logger, private readonly inlineWork = 0) {
    for (let i = 0; i < size; i++) this.slots.push(this.start(i));
  }

  /** Whether `served` can be ranked here (its memory has a slot for every worker). */
  accepts(served: ServedModel): boolean {
    return !this.closed && this.size > 0 && (served.scorer?.slots ?? 0) >= this.size;
  }

  /** Whether a ranking of `work` multiply-adds on `served` should come here rather than run on the event loop. */
  takes(served: ServedModel, work: number): boolean {
    return work > this.inlineWork && this.accepts(served);
  }

  /**
   * The `count` best targets for x (see rankByScore; same results, bit for bit), through the model's ANN
   * index when `wanted` > 0 and it can answer (`approximate` set).
   */
  async rank(served: ServedModel, x: Float32Array | Float64Array, count: number, mask: Uint8Array | null, seen?: Int32Array, wanted = 0): Promise<TopK> {
    if (!this.accepts(served)) throw new UnavailableError('the scoring pool is closed');
    let model = this.ids.get(served);
    if (model === undefined) {
      model = this.nextModel++;
      this.ids.set(served, model);
      this.released.register(served, model);
    }
    // Least loaded worker; ties -> the first, so light traffic lands on one worker and batches there.
    let slot = this.slots[0]!;
    for (const c of this.slots) if (c.inFlight < slot.inFlight) slot = c;
    const first = !slot.known.has(model);
    if (first) slot.known.add(model);
    const ann = wanted > 0 ? served.ann : undefined;
    const firstAnn = ann !== undefined && !slot.knownAnn.has(model);
    if (firstAnn) slot.knownAnn.add(model);
    slot.inFlight++;
    try {
      const r = await slot.client.call('rank', {
        model, share: first ? served.scorer!.share() : undefined, x: x instanceof Float32Array ? own(x) : Float32Array.from(x), count,
        mask: mask ? own(mask) : undefined, seen: seen && seen.length > 0 ? own(seen) : undefined,
        wanted: ann ? wanted : undefined, ann: firstAnn ? { path: ann.path, meta: ann.meta } : undefined,
      });
      this.restarts = 0;
      this.counts.requests++;
      if (r.group > 1) this.counts.batched++;
      return r.approximate ? { indices: r.indices, scores: r.scores, approximate: true } : { indices: r.indices, scores: r.scores };
    } catch (err) {
      if (this.shuttingDown) throw new UnavailableError('server shutting down', { cause: err });
      if (!slot.client.alive) throw new InternalError(`scoring worker stopped: ${(err as Error).message}`, { cause: err });
      throw err;
    } finally {
      slot.inFlight--;
    }
  }

  /** Requests ranked so far, and how many of them shared a pass over the factors with others. */
  stats(): { workers: number; requests: number; batched: number } {
    return { workers: this.size, ...this.counts };
  }

  async close(): Promise<void> {
    this.closed = this.shuttingDown = true;
    await Promise.all(this.slots.map((s) => s.client.terminate()));
  }

  private drop(model: number): void {
    for (const s of this.slots) {
      s.knownAnn.delete(model);
      if (s.known.delete(model)) s.client.call('drop', { model }).catch(() => undefined); // a stopped worker holds nothing
    }
  }

  private start(index: number): Slot {
    const client = WorkerClient.start<ScoringProtocol>(import.meta.url, 'scoring-worker', { label: 'scoring worker', ref: false });
    const slot: Slot = { client, inFlight: 0, known: new Set(), knownAnn: new Set() };
    client.call('attach', { slot: index }).catch(() => undefined); // a failure shows in the requests that follow
    client.onStop((err) => {
      if (this.closed) return;
      this.log?.error({ worker: index, why: err.message }, 'scoring worker stopped; restarting it');
      if (++this.restarts > MAX_RESTARTS) {
        this.closed = true;
        this.log?.error({ restarts: this.restarts }, 'scoring workers keep stopping; scoring on the event loop from now on');
        return;
      }
      this.slots[index] = this.start(index);
    });
    return slot;
  }
}

/**
 * The one worker-thread helper: a worker entry (`x-worker.ts`) serves the methods of its protocol
 * (`x-protocol.ts`, a type beside it) with `serveWorker`; the parent talks to it through a `WorkerClient`.
 *
 * One protocol on the wire, whatever the worker does:
 *   parent -> worker  { kind: 'call', id, method, payload }   { kind: 'abort', id }
 *   worker -> parent  { kind: 'event', id, event }   { kind: 'result', id, value }   { kind: 'error', id, error }
 * A call may emit any number of events (progress, log lines) before its one result or error. Domain errors
 * (errors.ts) cross as the same class with their message and field; anything else becomes InternalError
 * naming the worker. Aborting a call's signal sends `abort` (the handler's own signal aborts) and, if the
 * worker has not answered within `abortGraceMs`, terminates it and rejects with CancelledError (`0`:
 * terminate at once). A worker that crashes or exits rejects every call in flight and every later one.
 */
import { receiveMessageOnPort, Worker, parentPort, type Transferable, type WorkerOptions } from 'node:worker_threads';
import { CancelledError, deserializeError, InternalError, serializeError, type SerializedError } from '../errors.js';

/** A worker's protocol: for each method, what the call sends, what comes back, and what it may emit on the way. */
export type Protocol = Record<string, { request: unknown; response: unknown; event?: unknown }>;
type Req<P extends Protocol, M extends keyof P> = P[M]['request'];
type Res<P extends Protocol, M extends keyof P> = P[M]['response'];
type Ev<P extends Protocol, M extends keyof P> = P[M] extends { event: infer E } ? E : never;

export type ToWorker = { kind: 'call'; id: number; method: string; payload: unknown } | { kind: 'abort'; id: number };
export type FromWorker =
  | { kind: 'event'; id: number; event: unknown }
  | { kind: 'result'; id: number; value: unknown }
  | { kind: 'error'; id: number; error: SerializedError };

/** A value to send with some of its buffers transferred (moved, not copied). */
export interface Transfer<T> { readonly value: T; readonly transfer: readonly Transferable[] }
/** `value` with the buffers in `list` transferred (duplicates and shared buffers, which cannot move, left out). */
export const transfer = <T>(value: T, list: readonly (Transferable | ArrayBufferLike | undefined)[]): Transfer<T> => ({
  value,
  transfer: [...new Set(list)].filter((t) => t !== undefined && !(typeof SharedArrayBuffer !== 'undefined' && t instanceof SharedArrayBuffer)) as Transferable[],
});
const isTransfer = (v: unknown): v is Transfer<unknown> =>
  typeof v === 'object' && v !== null && 'transfer' in v && 'value' in v && Object.keys(v).length === 2;

export interface CallOptions<E> {
  transfer?: readonly Transferable[];
  signal?: AbortSignal;
  onEvent?: (event: E) => void;
  /** After an abort, how long the worker may take to answer before it is terminated (ms; default 2000, 0 = at once). */
  abortGraceMs?: number;
}

export interface StartOptions extends Omit<WorkerOptions, 'workerData'> {
  /** Names the worker in errors ("training worker"). */
  label: string;
  /** Keep the process alive while the worker runs (default true). */
  ref?: boolean;
}

let liveWorkers = 0;
/** Worker threads started through this helper that have not exited yet (tests check it returns to its start). */
export const liveWorkerCount = (): number => liveWorkers;

/**
 * The entry module `name` beside the caller (`callerUrl` = its import.meta.url): `name.ts` when running
 * from sources (tsx, vitest), `name.js` in the compiled build. Workers start through one plain-JS entry
 * (worker-boot.mjs) that registers tsx only for TypeScript sources.
 */
function startModuleWorker(callerUrl: string, name: string, options: Omit<WorkerOptions, 'workerData'>): Worker {
  const entry = new URL(`./${name}${callerUrl.endsWith('.ts') ? '.ts' : '.js'}`, callerUrl).href;
  return new Worker(new URL('./worker-boot.mjs', import.meta.url), { ...options, workerData: { entry } });
}

interface Pending { resolve(v: unknown): void; reject(e: Error): void; onEvent?: (e: unknown) => void }

export class WorkerClient<P extends Protocol> {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private failure: Error | undefined;
  private terminating = false;
  private readonly exitListeners: ((err: Error) => void)[] = [];
  /** Resolves when the thread has exited (for whatever reason). */
  readonly exited: Promise<void>;

  private constructor(readonly worker: Worker, readonly label: string) {
    liveWorkers++;
    let exited!: () => void;
    this.exited = new Promise<void>((r) => { exited = r; });
    worker.on('message', (m: FromWorker) => this.onMessage(m));
    worker.on('error', (err) => this.fail(new InternalError(`${label} crashed: ${err.message}`, { cause: err })));
    worker.on('exit', (code) => {
      liveWorkers--;
      this.fail(new InternalError(`${label} ${this.terminating ? 'was terminated' : `exited unexpectedly (code ${code})`}`));
      exited();
    });
  }

  static start<P extends Protocol>(callerUrl: string, name: string, options: StartOptions): WorkerClient<P> {
    const { label, ref = true, ...workerOptions } = options;
    const client = new WorkerClient<P>(startModuleWorker(callerUrl, name, workerOptions), label);
    if (!ref) client.worker.unref();
    return client;
  }

  /** False once the worker failed, exited or is being terminated. */
  get alive(): boolean { return this.failure === undefined && !this.terminating; }
  /** Calls sent and not answered yet. */
  get inFlight(): number { return this.pending.size; }

  /** Called once when the worker stops for any reason other than `terminate()`. */
  onStop(listener: (err: Error) => void): void { this.exitListeners.push(listener); }

  call<M extends keyof P & string>(method: M, payload: Req<P, M>, o: CallOptions<Ev<P, M>> = {}): Promise<Res<P, M>> {
    if (this.failure) return Promise.reject(this.failure);
    const { signal } = o;
    if (signal?.aborted) return Promise.reject(cancelled(signal));
    const id = this.nextId++;
    return new Promise<Res<P, M>>((resolve, reject) => {
      let grace: NodeJS.Timeout | undefined;
      const onAbort = () => {
        this.post({ kind: 'abort', id });
        const stop = () => { this.settle(id, cancelled(signal!, `${this.label} terminated after the abort grace period`)); void this.terminate(); };
        const ms = o.abortGraceMs ?? 2000;
        if (ms <= 0) stop(); else grace = setTimeout(stop, ms);
      };
      const done = () => { if (grace) clearTimeout(grace); signal?.removeEventListener('abort', onAbort); };
      this.pending.set(id, {
        resolve: (v) => { done(); resolve(v as Res<P, M>); },
        reject: (e) => { done(); reject(e); },
        onEvent: o.onEvent as ((e: unknown) => void) | undefined,
      });
      signal?.addEventListener('abort', onAbort, { once: true });
      this.post({ kind: 'call', id, method, payload }, o.transfer);
    });
  }

  /** Ends the thread; calls in flight reject. */
  async terminate(): Promise<void> {
    if (!this.terminating) {
      this.terminating = true;
      await this.worker.terminate();
    }
    await this.exited;
  }

  private post(m: ToWorker, list: readonly Transferable[] = []): void {
    if (this.failure) return;
    this.worker.postMessage(m, list as Transferable[]);
  }

  private settle(id: number, err: Error | undefined, value?: unknown): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    if (err) p.reject(err); else p.resolve(value);
  }

  private onMessage(m: FromWorker): void {
    if (m.kind === 'event') this.pending.get(m.id)?.onEvent?.(m.event);
    else if (m.kind === 'result') this.settle(m.id, undefined, m.value);
    else this.settle(m.id, deserializeError(m.error, this.label));
  }

  private fail(err: Error): void {
    const first = this.failure === undefined;
    this.failure ??= err;
    for (const id of [...this.pending.keys()]) this.settle(id, this.failure);
    if (first && !this.terminating) for (const l of this.exitListeners) l(err);
  }
}

function cancelled(signal: AbortSignal, message = 'cancelled'): CancelledError {
  return new CancelledError(message, { cause: signal.reason });
}

// -------------------------------------------------------------------------------------------------
// Worker side

export interface CallContext<E> {
  /** Aborts when the parent aborts this call. */
  signal: AbortSignal;
  emit(event: E, transfer?: readonly Transferable[]): void;
}

/** One call of a batched method (see `serveWorker`). */
export interface BatchedCall<Q, R> { payload: Q; resolve(value: R | Transfer<R>): void; reject(err: unknown): void }

export type Handlers<P extends Protocol> = {
  [M in keyof P]:
    | ((payload: Req<P, M>, ctx: CallContext<Ev<P, M>>) => Res<P, M> | Transfer<Res<P, M>> | Promise<Res<P, M> | Transfer<Res<P, M>>>)
    /** Called with every call of this method that is queued when the worker wakes (e.g. to score them in one pass). */
    | { batch: (calls: BatchedCall<Req<P, M>, Res<P, M>>[]) => void };
};

/** Serves `handlers` on this worker thread's parent port (call once, at the top of the worker entry). */
export function serveWorker<P extends Protocol>(handlers: Handlers<P>): void {
  const port = parentPort;
  if (!port) throw new Error('serveWorker must run in a worker thread');
  const aborts = new Map<number, AbortController>();
  const send = (m: FromWorker, list: readonly Transferable[] = []) => port.postMessage(m, list as Transferable[]);
  const answer = (id: number, v: unknown) => {
    aborts.delete(id);
    if (isTransfer(v)) send({ kind: 'result', id, value: v.value }, v.transfer);
    else send({ kind: 'result', id, value: v });
  };
  const failed = (id: number, err: unknown) => { aborts.delete(id); send({ kind: 'error', id, error: serializeError(err) }); };

  const take = (m: ToWorker, batches: Map<string, BatchedCall<unknown, unknown>[]>) => {
    if (m.kind === 'abort') { aborts.get(m.id)?.abort(new CancelledError('cancelled by the caller')); return; }
    const h = handlers[m.method] as Handlers<Protocol>[string] | undefined;
    if (!h) return failed(m.id, new InternalError(`unknown worker method "${m.method}"`));
    if (typeof h === 'object') {
      const list = batches.get(m.method) ?? [];
      batches.set(m.method, list);
      list.push({ payload: m.payload, resolve: (v) => answer(m.id, v), reject: (e) => failed(m.id, e) });
      return;
    }
    const controller = new AbortController();
    aborts.set(m.id, controller);
    const ctx: CallContext<unknown> = { signal: controller.signal, emit: (event, list) => send({ kind: 'event', id: m.id, event }, list) };
    try {
      Promise.resolve(h(m.payload, ctx)).then((v) => answer(m.id, v), (e) => failed(m.id, e));
    } catch (err) {
      failed(m.id, err);
    }
  };

  port.on('message', (first: ToWorker) => {
    const batches = new Map<string, BatchedCall<unknown, unknown>[]>();
    take(first, batches);
    // Calls already queued are taken together, so a batched method sees all of them at once.
    for (let m = receiveMessageOnPort(port); m; m = receiveMessageOnPort(port)) take(m.message as ToWorker, batches);
    for (const [method, calls] of batches) {
      const h = handlers[method] as { batch: (c: BatchedCall<unknown, unknown>[]) => void };
      try { h.batch(calls); } catch (err) { for (const c of calls) c.reject(err); }
    }
  });
}

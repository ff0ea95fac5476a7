import { describe, expect, it } from 'vitest';
import { CancelledError, InternalError, InvalidArgumentError } from '../src/errors.js';
import { liveWorkerCount, WorkerClient } from '../src/util/worker-rpc.js';
import type { EchoProtocol } from './fixtures/echo-protocol.js';

const start = () => WorkerClient.start<EchoProtocol>(new URL('./fixtures/', import.meta.url).href + 'x.ts', 'echo-worker', { label: 'echo worker' });

describe('worker-rpc', () => {
  it('answers calls, carries events in order, and transfers buffers when asked', async () => {
    const w = start();
    try {
      expect(await w.call('echo', { value: 7 })).toEqual({ value: 7 });
      const events: number[] = [];
      expect(await w.call('count', { upTo: 5 }, { onEvent: (e) => events.push(e) })).toBe(5);
      expect(events).toEqual([1, 2, 3, 4, 5]);
      const buffer = new Float32Array([1, 2, 3]);
      const back = await w.call('echo', { value: 1, buffer }, { transfer: [buffer.buffer] });
      expect(buffer.length).toBe(0); // moved to the worker
      expect(Array.from(back.buffer!)).toEqual([1, 2, 3]);
    } finally {
      await w.terminate();
    }
  });

  it('carries domain errors across as the same class with their field; others become InternalError naming the worker', async () => {
    const w = start();
    try {
      const e1 = await w.call('fail', { name: 'InvalidArgumentError', field: 'hyperparameters.factors' }).catch((e) => e);
      expect(e1).toBeInstanceOf(InvalidArgumentError);
      expect(e1.field).toBe('hyperparameters.factors');
      expect(e1.message).toBe('bad input');
      const e2 = await w.call('fail', { name: 'TypeError' }).catch((e) => e);
      expect(e2).toBeInstanceOf(InternalError);
      expect(e2.message).toMatch(/echo worker failed: TypeError: plain failure/);
      expect(await w.call('echo', { value: 2 })).toEqual({ value: 2 }); // still serving
    } finally {
      await w.terminate();
    }
  });

  it('abort: the handler sees it and answers; a handler that ignores it is terminated after the grace period', async () => {
    const w = start();
    const c1 = new AbortController();
    // A generous grace: on a loaded machine the answer may take seconds; it must come, not be timed.
    const p1 = w.call('hang', { honour: true }, { signal: c1.signal, abortGraceMs: 60_000 });
    c1.abort(new Error('stop'));
    // The handler answered (with the abort's reason), so the call resolves and the worker lives on.
    expect(await p1).toBe('cancelled by the caller');
    expect(w.alive).toBe(true);
    const c2 = new AbortController();
    const p2 = w.call('hang', { honour: false }, { signal: c2.signal, abortGraceMs: 50 });
    c2.abort();
    await expect(p2).rejects.toBeInstanceOf(CancelledError);
    await w.exited;
    expect(w.alive).toBe(false);
    await expect(w.call('echo', { value: 1 })).rejects.toBeInstanceOf(InternalError);
  });

  it('an already-aborted signal rejects without a round trip', async () => {
    const w = start();
    try {
      const c = new AbortController();
      c.abort();
      await expect(w.call('echo', { value: 1 }, { signal: c.signal })).rejects.toBeInstanceOf(CancelledError);
    } finally {
      await w.terminate();
    }
  });

  it('a batched method gets every queued call at once', async () => {
    const w = start();
    try {
      // The worker is held inside `block` while the four calls queue up, then released.
      const flag = new Int32Array(new SharedArrayBuffer(4));
      const blocked = w.call('block', flag);
      const sums = [1, 2, 3, 4].map((v) => w.call('sum', v));
      Atomics.store(flag, 0, 1);
      Atomics.notify(flag, 0);
      await blocked;
      const all = await Promise.all(sums);
      expect(all.map((r) => r.total)).toEqual([10, 10, 10, 10]);
      expect(all[0]!.group).toBe(4);
    } finally {
      await w.terminate();
    }
  });

  it('a worker that exits rejects the calls in flight and tells onStop; terminate() does not', async () => {
    const before = liveWorkerCount();
    const w = start();
    const stops: Error[] = [];
    w.onStop((e) => stops.push(e));
    const inFlight = w.call('hang', { honour: false });
    const crash = w.call('crash', null);
    await expect(crash).rejects.toThrow(/echo worker exited unexpectedly \(code 3\)/);
    await expect(inFlight).rejects.toBeInstanceOf(InternalError);
    expect(stops).toHaveLength(1);
    await w.exited;
    expect(liveWorkerCount()).toBe(before);

    const w2 = start();
    const stops2: Error[] = [];
    w2.onStop((e) => stops2.push(e));
    const pending = w2.call('hang', { honour: false });
    await w2.terminate();
    await expect(pending).rejects.toThrow(/echo worker was terminated/);
    expect(stops2).toHaveLength(0);
    expect(liveWorkerCount()).toBe(before);
  });
});

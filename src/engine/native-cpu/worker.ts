/**
 * A native-cpu worker thread: claims chunks of rows (or blocks of the Gram matrix) from a shared atomic
 * counter and solves them in place in the shared memory. Which worker solves a row does not change its
 * result, so results do not depend on the worker count.
 */
import { parentPort } from 'node:worker_threads';
import { CTL_ABORT, CTL_NEXT, CTL_ROWS_DONE, GRAM_BLOCKS, views, type Layout, type Views } from './layout.js';
import { JsKernel, type SideArrays } from './kernel-js.js';
import { WasmKernel } from './kernel-wasm.js';
import type { WorkerInit, WorkerReply, WorkerTask } from './protocol.js';

interface Kernel {
  gramBlock(fixed: Float32Array, start: number, end: number, out: Float64Array, outOff: number): void;
  solveRows(s: SideArrays, start: number, end: number, steps: number, withLoss: boolean): number;
}

let layout: Layout;
let v: Views;
let kernel: Kernel;

function side(which: 'u' | 'i'): SideArrays {
  return which === 'u'
    ? { indptr: v.uIndptr, indices: v.uIndices, conf: v.uConf, solve: v.X, fixed: v.Y, gram: v.gram }
    : { indptr: v.iIndptr, indices: v.iIndices, conf: v.iConf, solve: v.Y, fixed: v.X, gram: v.gram };
}

async function init(msg: WorkerInit): Promise<void> {
  layout = msg.layout;
  const buffer = msg.memory ? msg.memory.buffer : msg.buffer!;
  v = views(buffer, layout);
  kernel = msg.kernel === 'wasm' ? await WasmKernel.create(msg.module!, msg.memory!, layout, msg.workerIndex) : new JsKernel(layout.k);
}

/** Claims indices 0..count-1 from the shared counter (CTL_NEXT) until they run out or training is aborted. */
function forEachClaimed(count: number, fn: (i: number) => void): void {
  const ctl = v.control;
  for (;;) {
    if (Atomics.load(ctl, CTL_ABORT)) return;
    const i = Atomics.add(ctl, CTL_NEXT, 1);
    if (i >= count) return;
    fn(i);
  }
}

function run(task: WorkerTask): void {
  const k = layout.k;
  if (task.kind === 'gram') {
    const fixed = task.side === 'u' ? v.Y : v.X;
    const count = task.side === 'u' ? layout.cols : layout.rows;
    forEachClaimed(GRAM_BLOCKS, (b) => {
      const start = Math.floor((count * b) / GRAM_BLOCKS);
      const end = Math.floor((count * (b + 1)) / GRAM_BLOCKS);
      kernel.gramBlock(fixed, start, end, v.gramPartials, b * k * k);
    });
    return;
  }
  const s = side(task.side);
  const chunks = task.side === 'u' ? v.uChunks : v.iChunks;
  const chunkCount = task.side === 'u' ? layout.uChunkCount : layout.iChunkCount;
  const order = task.side === 'u' ? v.uOrder : v.iOrder;
  forEachClaimed(chunkCount, (next) => {
    const c = order[next]; // heaviest chunks first
    const start = chunks[c], end = chunks[c + 1];
    v.lossPartials[c] = kernel.solveRows(s, start, end, task.steps, task.withLoss);
    Atomics.add(v.control, CTL_ROWS_DONE, end - start);
  });
}

const port = parentPort!;
port.on('message', (msg: WorkerInit | WorkerTask) => {
  if (msg.kind === 'init') {
    init(msg).then(
      () => port.postMessage({ kind: 'ready' } satisfies WorkerReply),
      (err: unknown) => port.postMessage({ kind: 'error', message: String((err as Error)?.stack ?? err) } satisfies WorkerReply),
    );
    return;
  }
  try {
    run(msg);
    port.postMessage({ kind: 'done' } satisfies WorkerReply);
  } catch (err) {
    port.postMessage({ kind: 'error', message: String((err as Error)?.stack ?? err) } satisfies WorkerReply);
  }
});

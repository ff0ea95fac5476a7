/**
 * A native-cpu kernel worker: claims chunks of rows (or blocks of the Gram matrix) from a shared atomic
 * counter and solves them in place in the shared memory. Which worker solves a row does not change its
 * result, so results do not depend on the worker count. Pooled: it takes a new training's region with
 * each `init`.
 */
import { serveWorker } from '../../util/worker-rpc.js';
import { JsKernel, type SideArrays, type SolveParams } from './kernel-js.js';
import type { KernelProtocol, KernelTask } from './kernel-protocol.js';
import { WasmKernel } from './kernel-wasm.js';
import { CTL_ABORT, CTL_NEXT, CTL_ROWS_DONE, GRAM_BLOCKS, views, type Layout, type Views } from './layout.js';

interface Kernel {
  gramBlock(fixed: Float32Array, start: number, end: number, out: Float64Array, outOff: number): void;
  whiten(fixed: Float32Array, lt: Float32Array, start: number, end: number, out: Float32Array): void;
  solve(s: SideArrays, start: number, end: number, p: SolveParams, out: Float64Array, at: number): void;
}

/** rows of a side per claimed block of the 'whiten' task */
const WHITEN_ROWS = 512;

let run: { layout: Layout; v: Views; kernel: Kernel } | undefined;

function sideArrays(v: Views, layout: Layout, which: 'u' | 'i', pcg: boolean): SideArrays {
  const s = which === 'u'
    ? { indptr: v.uIndptr, indices: v.uIndices, conf: v.uConf, solve: v.X, fixed: v.Y, gram: v.gram, extra: v.uExtra }
    : { indptr: v.iIndptr, indices: v.iIndices, conf: v.iConf, solve: v.Y, fixed: v.X, gram: v.gram, extra: v.iExtra };
  // pcg: the fixed side in A0 = I coordinates (W, from the 'whiten' task), gram = L, cholInv = L^-1
  if (pcg) return { ...s, fixed: v.W.subarray(0, s.fixed.length), cholInv: v.cholInv, extra: undefined };
  return layout.perRowReg ? s : { ...s, extra: undefined };
}

/** Claims indices 0..count-1 from the shared counter (CTL_NEXT) until they run out or training is aborted. */
function forEachClaimed(ctl: Int32Array, count: number, fn: (i: number) => void): void {
  for (;;) {
    if (Atomics.load(ctl, CTL_ABORT)) return;
    const i = Atomics.add(ctl, CTL_NEXT, 1);
    if (i >= count) return;
    fn(i);
  }
}

function runTask(task: KernelTask): null {
  if (!run) throw new Error('native-cpu kernel worker: run before init');
  const { layout, v, kernel } = run;
  const k = layout.k;
  if (task.kind === 'gram') {
    // The Gram of side `task.side`'s factors (X for 'u', Y for 'i').
    const of = task.side === 'u' ? v.X : v.Y;
    const count = task.side === 'u' ? layout.rows : layout.cols;
    forEachClaimed(v.control, GRAM_BLOCKS, (b) => {
      const start = Math.floor((count * b) / GRAM_BLOCKS);
      const end = Math.floor((count * (b + 1)) / GRAM_BLOCKS);
      kernel.gramBlock(of, start, end, v.gramPartials, b * k * k);
    });
    return null;
  }
  if (task.kind === 'whiten') {
    // W[r] = L^-1 f_r (gramInv = L^-T) for side `task.side`'s factors, in blocks of WHITEN_ROWS rows.
    const of = task.side === 'u' ? v.X : v.Y;
    const count = task.side === 'u' ? layout.rows : layout.cols;
    forEachClaimed(v.control, Math.ceil(count / WHITEN_ROWS), (b) => {
      kernel.whiten(of, v.gramInv, b * WHITEN_ROWS, Math.min(count, (b + 1) * WHITEN_ROWS), v.W);
    });
    return null;
  }
  const s = sideArrays(v, layout, task.side, task.solve.solver === 'pcg');
  const chunks = task.side === 'u' ? v.uChunks : v.iChunks;
  const chunkCount = task.side === 'u' ? layout.uChunkCount : layout.iChunkCount;
  const order = task.side === 'u' ? v.uOrder : v.iOrder;
  forEachClaimed(v.control, chunkCount, (next) => {
    const c = order[next]!; // heaviest chunks first
    const start = chunks[c]!, end = chunks[c + 1]!;
    kernel.solve(s, start, end, task.solve, v.lossPartials, 2 * c);
    Atomics.add(v.control, CTL_ROWS_DONE, end - start);
  });
  return null;
}

serveWorker<KernelProtocol>({
  init: (m) => {
    const v = views(m.memory ? m.memory.buffer : m.buffer!, m.layout);
    const kernel = m.kernel === 'wasm' ? WasmKernel.create(m.module!, m.memory!, m.layout, m.workerIndex) : new JsKernel(m.layout.k);
    run = { layout: m.layout, v, kernel };
    return null;
  },
  run: runTask,
  release: () => {
    run = undefined;
    return null;
  },
});

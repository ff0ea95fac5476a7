/** The native-cpu WebAssembly SIMD kernel (kernel.c): loading it, and one worker's instance of it. */
import { compileWasm, relaxedSimdCompiles, WA, wasmBytes, type WasmMemory, type WasmModule } from '../../util/wasm.js';
import { exactScratchDoubles, predRoom, STACK_BYTES, scratchFloats, type Layout } from './layout.js';
import type { SideArrays, SolveParams } from './kernel-js.js';

/** Where the shared region starts in the kernel's memory (below: nothing of the module's own; it has no data). */
export const WASM_BASE = 1 << 20;

export interface LoadedKernel {
  module: WasmModule;
  /** true: kernel-relaxed.wasm (fused multiply-add); false: kernel.wasm. */
  relaxed: boolean;
}

const PLAIN = new URL('./kernel.wasm', import.meta.url);
const RELAXED = new URL('./kernel-relaxed.wasm', import.meta.url);
let relaxedCompiles: boolean | undefined;

/**
 * The kernel (built from kernel.c by build-wasm.sh, both builds committed), compiled once per thread:
 * kernel-relaxed.wasm where relaxed SIMD compiles (measured 1.5x faster at k = 128: the A0 products and
 * row updates become fused multiply-adds) and `relaxed` allows it, else kernel.wasm.
 */
export function loadKernelModule(relaxed = true): LoadedKernel {
  if (relaxed && (relaxedCompiles ??= relaxedSimdCompiles(wasmBytes(RELAXED)))) return { module: compileWasm(RELAXED), relaxed: true };
  return { module: compileWasm(PLAIN), relaxed: false };
}

type GramFn = (Y: number, start: number, end: number, k: number, out: number) => void;
type SolveFn = (
  indptr: number, indices: number, conf: number, X: number, Y: number, A: number,
  k: number, start: number, end: number, steps: number, alpha0: number, extra: number, withLoss: number, scratch: number, out: number,
) => void;
type PcgFn = (
  indptr: number, indices: number, conf: number, X: number, Yt: number, L: number, Linv: number,
  k: number, start: number, end: number, steps: number, alpha0: number, withLoss: number, scratch: number, out: number,
  exactMax: number, exactScratch: number,
) => void;
type WhitenFn = (Y: number, Lt: number, k: number, start: number, end: number, W: number) => void;
type SubspaceFn = (
  indptr: number, indices: number, conf: number, X: number, Y: number, A: number,
  k: number, start: number, end: number, block: number, alpha0: number, extra: number, withLoss: number, scratch: number,
  pred: number, srows: number, cap: number, out: number,
) => void;

/** The WebAssembly SIMD kernel of one worker: same interface as JsKernel, arguments become byte offsets. */
export class WasmKernel {
  private constructor(
    private readonly gram: GramFn,
    private readonly cg: SolveFn,
    private readonly subspace: SubspaceFn,
    private readonly whitenRows: WhitenFn,
    private readonly pcgRows: PcgFn,
    private readonly k: number,
    private readonly scratch: number,
    private readonly pred: number,
    private readonly room: { srows: number; cap: number },
    private readonly exactScratch: number,
  ) {}

  static create(module: WasmModule, memory: WasmMemory, layout: Layout, workerIndex: number): WasmKernel {
    if (layout.k % 4 !== 0) throw new Error('the wasm kernel needs rows padded to a multiple of 4 floats');
    const inst = new WA.Instance(module, { env: { memory } });
    // Each instance has its own globals: point its stack (growing down) at this worker's stack region.
    const sp = inst.exports.__stack_pointer as { value: number };
    sp.value = layout.stacks.offset + (workerIndex + 1) * STACK_BYTES;
    const scratch = layout.scratch.offset + workerIndex * scratchFloats(layout.k, layout.block) * 4;
    const room = predRoom(layout.maxRow, layout.block, layout.k);
    const pred = layout.pred.offset + workerIndex * room.floats * 4;
    const exactScratch = layout.exactScratch.offset + workerIndex * exactScratchDoubles(layout.exactMax) * 8;
    const e = inst.exports;
    return new WasmKernel(
      e.gram_block as GramFn, e.solve_rows as SolveFn, e.subspace_rows as SubspaceFn, e.whiten_rows as WhitenFn, e.pcg_rows as PcgFn, layout.k, scratch, pred, room, exactScratch,
    );
  }

  gramBlock(fixed: Float32Array, start: number, end: number, out: Float64Array, outOff: number): void {
    this.gram(fixed.byteOffset, start, end, this.k, out.byteOffset + outOff * 8);
  }

  whiten(fixed: Float32Array, lt: Float32Array, start: number, end: number, out: Float32Array): void {
    this.whitenRows(fixed.byteOffset, lt.byteOffset, this.k, start, end, out.byteOffset);
  }

  /** Writes the chunk's loss part and penalty to out[at], out[at + 1] (kernel.c). */
  solve(s: SideArrays, start: number, end: number, p: SolveParams, out: Float64Array, at: number): void {
    const extra = s.extra ? s.extra.byteOffset : 0;
    const o = out.byteOffset + at * 8;
    const args = [s.indptr.byteOffset, s.indices.byteOffset, s.conf.byteOffset, s.solve.byteOffset, s.fixed.byteOffset, s.gram.byteOffset, this.k, start, end] as const;
    if (p.solver === 'pcg') {
      this.pcgRows(s.indptr.byteOffset, s.indices.byteOffset, s.conf.byteOffset, s.solve.byteOffset, s.fixed.byteOffset, s.gram.byteOffset, s.cholInv!.byteOffset,
        this.k, start, end, p.steps, p.alpha0, p.withLoss ? 1 : 0, this.scratch, o, p.exactMax, this.exactScratch);
    } else if (p.solver === 'subspace') this.subspace(...args, Math.min(p.block, this.k), p.alpha0, extra, p.withLoss ? 1 : 0, this.scratch, this.pred, this.room.srows, this.room.cap, o);
    else {
      this.cg(...args, p.steps, p.alpha0, extra, p.withLoss ? 1 : 0, this.scratch, o);
    }
  }
}

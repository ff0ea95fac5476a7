/** The native-cpu WebAssembly SIMD kernel (kernel.c): loading it, and one worker's instance of it. */
import { compileWasm, relaxedSimdCompiles, WA, wasmBytes, type WasmMemory, type WasmModule } from '../../util/wasm.js';
import { STACK_BYTES, scratchFloats, type Layout } from './layout.js';
import type { SideArrays } from './kernel-js.js';

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
  k: number, start: number, end: number, steps: number, withLoss: number, scratch: number,
) => number;

/** The WebAssembly SIMD kernel of one worker: same interface as JsKernel, arguments become byte offsets. */
export class WasmKernel {
  private constructor(
    private readonly gram: GramFn,
    private readonly solve: SolveFn,
    private readonly k: number,
    private readonly scratch: number,
  ) {}

  static create(module: WasmModule, memory: WasmMemory, layout: Layout, workerIndex: number): WasmKernel {
    if (layout.k % 4 !== 0) throw new Error('the wasm kernel needs rows padded to a multiple of 4 floats');
    const inst = new WA.Instance(module, { env: { memory } });
    // Each instance has its own globals: point its stack (growing down) at this worker's stack region.
    const sp = inst.exports.__stack_pointer as { value: number };
    sp.value = layout.stacks.offset + (workerIndex + 1) * STACK_BYTES;
    const scratch = layout.scratch.offset + workerIndex * scratchFloats(layout.k) * 4;
    return new WasmKernel(inst.exports.gram_block as GramFn, inst.exports.solve_rows as SolveFn, layout.k, scratch);
  }

  gramBlock(fixed: Float32Array, start: number, end: number, out: Float64Array, outOff: number): void {
    this.gram(fixed.byteOffset, start, end, this.k, out.byteOffset + outOff * 8);
  }

  solveRows(s: SideArrays, start: number, end: number, steps: number, withLoss: boolean): number {
    return this.solve(
      s.indptr.byteOffset, s.indices.byteOffset, s.conf.byteOffset, s.solve.byteOffset, s.fixed.byteOffset,
      s.gram.byteOffset, this.k, start, end, steps, withLoss ? 1 : 0, this.scratch,
    );
  }
}

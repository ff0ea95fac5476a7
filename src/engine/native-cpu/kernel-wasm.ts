import { readFile } from 'node:fs/promises';
import { setFlagsFromString } from 'node:v8';
import { STACK_BYTES, scratchFloats, type Layout } from './layout.js';
import type { SideArrays } from './kernel-js.js';

/** Minimal typings of the WebAssembly JS API (tsconfig's lib has none). */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
export type WasmModule = object;
interface WasmInstance {
  exports: Record<string, unknown>;
}
interface WasmApi {
  Memory: new (d: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (m: WasmModule, imports: Record<string, Record<string, unknown>>) => WasmInstance;
  validate(bytes: Uint8Array): boolean;
}
export const WA = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

export const WASM_BASE = 1 << 20;
export const WASM_MAX_BYTES = 2 ** 32 - 65536;
export function createSharedMemory(bytes: number): WasmMemory {
  const pages = Math.ceil(bytes / 65536);
  return new WA.Memory({ initial: pages, maximum: pages, shared: true });
}

export interface LoadedKernel {
  module: WasmModule;
  /** true: kernel-relaxed.wasm (fused multiply-add); false: kernel.wasm. */
  relaxed: boolean;
}

/**
 * Whether this runtime compiles WebAssembly relaxed SIMD. Node 22+ (V8 11.4+) ships it; Node 20's V8 has it
 * behind --experimental-wasm-relaxed-simd, which is switched on at run time only if the runtime does not
 * validate the module without it. Env NATIVE_CPU_RELAXED_SIMD=0 keeps the plain kernel.
 */
function relaxedSimdUsable(bytes: Uint8Array): boolean {
  if (process.env.NATIVE_CPU_RELAXED_SIMD === '0') return false;
  if (WA.validate(bytes)) return true;
  setFlagsFromString('--experimental-wasm-relaxed-simd');
  return WA.validate(bytes);
}

/**
 * The kernel (built from kernel.c by build-wasm.sh, both builds committed), compiled once per process:
 * kernel-relaxed.wasm where relaxed SIMD compiles (measured 1.5x faster at k = 128: the A0 products and
 * row updates become fused multiply-adds), else kernel.wasm. `relaxed: false` asks for the plain one.
 */
const cached = new Map<boolean, Promise<LoadedKernel>>();
export function loadWasmModule(relaxed = true): Promise<LoadedKernel> {
  let p = cached.get(relaxed);
  if (!p) {
    p = (async () => {
      if (relaxed) {
        const bytes = new Uint8Array(await readFile(new URL('./kernel-relaxed.wasm', import.meta.url)));
        if (relaxedSimdUsable(bytes)) return { module: new WA.Module(bytes), relaxed: true };
      }
      return { module: new WA.Module(new Uint8Array(await readFile(new URL('./kernel.wasm', import.meta.url)))), relaxed: false };
    })();
    cached.set(relaxed, p);
  }
  return p;
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

  static async create(module: WasmModule, memory: WasmMemory, layout: Layout, workerIndex: number): Promise<WasmKernel> {
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

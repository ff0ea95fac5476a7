import { readFile } from 'node:fs/promises';
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

/** kernel.wasm (built from kernel.c by build-wasm.sh, committed), compiled once per process. */
let cached: Promise<WasmModule> | undefined;
export function loadWasmModule(): Promise<WasmModule> {
  cached ??= readFile(new URL('./kernel.wasm', import.meta.url)).then((bytes) => new WA.Module(new Uint8Array(bytes)));
  return cached;
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

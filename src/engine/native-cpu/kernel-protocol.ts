/** Protocol of a native-cpu kernel worker (kernel-worker.ts), driven by its pool (pool.ts) through util/worker-rpc.ts. */
import type { WasmMemory, WasmModule } from '../../util/wasm.js';
import type { SolveParams } from './kernel-js.js';
import type { Layout } from './layout.js';

export type KernelKind = 'js' | 'wasm';

/** One training's shared region: the JS kernel's SharedArrayBuffer, or the wasm kernel's shared memory and module. */
export interface KernelInit {
  layout: Layout;
  kernel: KernelKind;
  workerIndex: number;
  buffer?: SharedArrayBuffer;
  memory?: WasmMemory;
  module?: WasmModule;
}

/**
 * 'gram': fill gramPartials with the Gram of one side's factors; 'whiten': W[r] = L^-1 f_r (gramInv = L^-T)
 * for every row f_r of one side's factors (the fixed side of the next pcg / hybrid solve, in the coordinates
 * where A0 = I); 'solve': solve every
 * chunk of a side (`solve`: the row solver's parameters).
 */
export type KernelTask =
  | { kind: 'gram'; side: 'u' | 'i' }
  | { kind: 'whiten'; side: 'u' | 'i' }
  | { kind: 'solve'; side: 'u' | 'i'; solve: SolveParams };

export type KernelProtocol = {
  /** Takes one training's region (a pooled worker gets one per training). */
  init: { request: KernelInit; response: null };
  run: { request: KernelTask; response: null };
  /** Lets go of the training's region (so its memory can be freed while the worker waits for the next). */
  release: { request: null; response: null };
};

/** Messages between the native-cpu coordinator (pool.ts) and its worker threads (worker.ts). */
import type { Layout } from './layout.js';
import type { WasmMemory, WasmModule } from './kernel-wasm.js';

export type KernelKind = 'js' | 'wasm';

export interface WorkerInit {
  kind: 'init';
  layout: Layout;
  kernel: KernelKind;
  workerIndex: number;
  /** the shared region for the JS kernel */
  buffer?: SharedArrayBuffer;
  /** the shared wasm memory (whose buffer is the region) and the compiled module for the wasm kernel */
  memory?: WasmMemory;
  module?: WasmModule;
}

/** 'gram': fill gramPartials for the fixed side of `side`; 'solve': CG-solve every chunk of `side`. */
export type WorkerTask =
  | { kind: 'gram'; side: 'u' | 'i' }
  | { kind: 'solve'; side: 'u' | 'i'; steps: number; withLoss: boolean };

export type WorkerReply = { kind: 'ready' } | { kind: 'done' } | { kind: 'error'; message: string };

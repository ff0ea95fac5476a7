/**
 * The one loader of our WebAssembly modules (native-cpu's kernel, the wasm backend's BatchMatMul, the
 * serving scorer), with the few typings of the WebAssembly JS API they use (the project's lib settings
 * carry none). Each module is read and compiled once per thread.
 */
import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';

export interface WasmMemory { readonly buffer: ArrayBuffer | SharedArrayBuffer }
export type WasmModule = object;
export interface WasmInstance { exports: Record<string, unknown> }
interface WasmApi {
  Memory: new (d: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
  Module: (new (bytes: Uint8Array) => WasmModule) & {
    imports(m: WasmModule): { module: string; name: string; kind: string }[];
    exports(m: WasmModule): { name: string; kind: string }[];
  };
  Instance: new (m: WasmModule, imports: Record<string, Record<string, unknown>>) => WasmInstance;
  validate(bytes: Uint8Array): boolean;
}
export const WA = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** The largest wasm32 memory (4 GiB less one page). */
export const WASM_MAX_BYTES = 2 ** 32 - 65536;

/** A fixed-size shared memory of at least `bytes`. */
export function createSharedMemory(bytes: number): WasmMemory {
  const pages = Math.ceil(bytes / 65536);
  return new WA.Memory({ initial: pages, maximum: pages, shared: true });
}

export function wasmBytes(url: URL): Uint8Array {
  return new Uint8Array(readFileSync(url));
}

/**
 * Whether this runtime compiles `bytes`, a module using relaxed SIMD. Node 22+ (V8 11.4+) ships it; Node
 * 20's V8 has it behind --experimental-wasm-relaxed-simd, which is switched on at run time only if the
 * runtime does not validate the module without it.
 */
export function relaxedSimdCompiles(bytes: Uint8Array): boolean {
  if (WA.validate(bytes)) return true;
  setFlagsFromString('--experimental-wasm-relaxed-simd');
  return WA.validate(bytes);
}

const compiled = new Map<string, WasmModule>();

/** The module at `url`, compiled once per thread; throws where the runtime cannot compile it. */
export function compileWasm(url: URL): WasmModule {
  let m = compiled.get(url.href);
  if (!m) {
    m = new WA.Module(wasmBytes(url));
    compiled.set(url.href, m);
  }
  return m;
}

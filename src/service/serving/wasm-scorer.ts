import { readFileSync } from 'node:fs';

/**
 * Scores of all targets for one source vector with the WebAssembly SIMD kernel in wasm/scores.c
 * (float32, ~4x the plain JS loop). Each loaded model gets its own memory holding its target factors
 * (the model's targetFactors then *is* a view on that memory, so nothing is stored twice) and scratch
 * for x and the scores. The memory never grows, so the views stay valid. Scoring is synchronous, so
 * the scratch is never shared by two requests at once.
 *
 * Layout: [x: k floats][scores: n floats][block maxima: ceil(n/64) floats][Y: n*k floats], each 16-byte aligned.
 */
/** The few WebAssembly APIs used (the project's lib settings carry no WebAssembly types). */
interface WasmMemory { buffer: ArrayBuffer }
interface WasmInstance { exports: Record<string, unknown> }
type WasmModule = object;
interface WasmApi {
  Module: new (bytes: Uint8Array) => WasmModule;
  Memory: new (d: { initial: number; maximum: number }) => WasmMemory;
  Instance: new (m: WasmModule, imports: Record<string, Record<string, unknown>>) => WasmInstance;
}
const WA = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

let compiled: WasmModule | null | undefined;
function wasmModule(): WasmModule | null {
  if (compiled === undefined) {
    try {
      compiled = new WA.Module(readFileSync(new URL('./wasm/scores.wasm', import.meta.url)));
    } catch {
      compiled = null; // no SIMD support: callers use the JS kernel
    }
  }
  return compiled ?? null;
}

let enabled = process.env.RECOMMENDER_WASM_SCORING !== '0';
/** Turns the SIMD kernel off/on for models loaded from now on (env RECOMMENDER_WASM_SCORING=0; tests of the JS path). */
export function setWasmScoring(on: boolean): void { enabled = on; }

/** Targets per block of `blockMaxima`. */
export const SCORE_BLOCK = 64;

const align = (b: number) => Math.ceil(b / 16) * 16;
const MAX_BYTES = 2 ** 32 - 65536;

export class WasmScorer {
  readonly targetFactors: Float32Array;
  private readonly x: Float32Array;
  private readonly out: Float32Array;
  private readonly maxima: Float32Array;
  private readonly fn: (y: number, n: number, k: number, x: number, out: number) => void;
  private readonly maxFn: (s: number, n: number, out: number) => void;
  private readonly maxPtr: number;
  private readonly yPtr: number;
  private readonly xPtr: number;
  private readonly outPtr: number;

  private constructor(readonly n: number, readonly k: number, memory: WasmMemory, instance: WasmInstance, xPtr: number, outPtr: number, maxPtr: number, yPtr: number) {
    this.fn = instance.exports.scores as WasmScorer['fn'];
    this.maxFn = instance.exports.block_max as WasmScorer['maxFn'];
    this.xPtr = xPtr; this.outPtr = outPtr; this.maxPtr = maxPtr; this.yPtr = yPtr;
    this.x = new Float32Array(memory.buffer, xPtr, k);
    this.out = new Float32Array(memory.buffer, outPtr, n);
    this.maxima = new Float32Array(memory.buffer, maxPtr, Math.ceil(n / SCORE_BLOCK));
    this.targetFactors = new Float32Array(memory.buffer, yPtr, n * k);
  }

  /** A scorer holding a copy of `targetFactors` (n x k), or undefined when wasm is unavailable or it would not fit. */
  static create(targetFactors: Float32Array, n: number, k: number): WasmScorer | undefined {
    const mod = wasmModule();
    if (!enabled || !mod || n === 0) return undefined;
    const xPtr = 16; // keep 0 free
    const outPtr = align(xPtr + 4 * k);
    const maxPtr = align(outPtr + 4 * n);
    const yPtr = align(maxPtr + 4 * Math.ceil(n / SCORE_BLOCK));
    const total = yPtr + 4 * n * k;
    if (total > MAX_BYTES) return undefined;
    const pages = Math.ceil(total / 65536);
    const memory = new WA.Memory({ initial: pages, maximum: pages });
    const instance = new WA.Instance(mod, { env: { memory } });
    const s = new WasmScorer(n, k, memory, instance, xPtr, outPtr, maxPtr, yPtr);
    s.targetFactors.set(targetFactors.subarray(0, n * k));
    return s;
  }

  /** Scores of every target for x (length k). The returned view is scratch: valid until the next call. */
  scores(x: ArrayLike<number>): Float32Array {
    for (let f = 0; f < this.k; f++) this.x[f] = x[f]!;
    this.fn(this.yPtr, this.n, this.k, this.xPtr, this.outPtr);
    return this.out;
  }

  /**
   * The maxima of the last `scores` result per block of SCORE_BLOCK targets (NaN ignored; -Infinity for a
   * block of NaN only): an upper bound that lets a top-k scan skip blocks. Scratch, like `scores`; call it
   * after marking excluded entries NaN or before (an upper bound either way).
   */
  blockMaxima(): Float32Array {
    this.maxFn(this.outPtr, this.n, this.maxPtr);
    return this.maxima;
  }
}

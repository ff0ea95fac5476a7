import { readFileSync } from 'node:fs';

/**
 * Scores of all targets for one source vector (or four at once) with the WebAssembly SIMD kernel in
 * wasm/scores.c (float32, ~4x the plain JS loop). Each loaded model gets its own *shared* memory holding
 * its target factors (the model's targetFactors then *is* a view on that memory, so nothing is stored
 * twice), scratch for the event loop's synchronous calls, and one scratch slot per scoring worker
 * thread (scoring-pool.ts), which attaches to the same memory and reads the factors in place.
 * The memory never grows, so the views stay valid.
 *
 * Layout, each part 16-byte aligned:
 *   [x: k][scores: n][block maxima: nb]            (event loop; scoring there is synchronous)
 *   per slot: [X: 4k][scores: 4n][block maxima: 4nb] (one scoring worker each)
 *   [Y: n*k]
 */
/** The few WebAssembly APIs used (the project's lib settings carry no WebAssembly types). */
export interface WasmMemory { buffer: ArrayBuffer | SharedArrayBuffer }
interface WasmInstance { exports: Record<string, unknown> }
type WasmModule = object;
interface WasmApi {
  Module: new (bytes: Uint8Array) => WasmModule;
  Memory: new (d: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
  Instance: new (m: WasmModule, imports: Record<string, Record<string, unknown>>) => WasmInstance;
}
const WA = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

let compiled: WasmModule | null | undefined;
function wasmModule(): WasmModule | null {
  if (compiled === undefined) {
    try {
      compiled = new WA.Module(readFileSync(new URL('./wasm/scores.wasm', import.meta.url)));
    } catch {
      compiled = null; // no SIMD or threads support: callers use the JS kernel
    }
  }
  return compiled ?? null;
}

let enabled = process.env.RECOMMENDER_WASM_SCORING !== '0';
/** Turns the SIMD kernel off/on for models loaded from now on (env RECOMMENDER_WASM_SCORING=0; tests of the JS path). */
export function setWasmScoring(on: boolean): void { enabled = on; }

/** Targets per block of `blockMaxima`. */
export const SCORE_BLOCK = 64;
/** Sources scored per pass over the target factors in a worker slot. */
export const BATCH = 4;

const align = (b: number) => Math.ceil(b / 16) * 16;
const MAX_BYTES = 2 ** 32 - 65536;

type ScoresFn = (y: number, n: number, k: number, x: number, out: number) => void;
type MaxFn = (s: number, n: number, out: number) => void;

/** Byte offsets of one scratch region: x (or X for a batch), scores, block maxima. */
interface Scratch { xPtr: number; outPtr: number; maxPtr: number }

/** What a scoring worker needs to attach to a model's memory (structured-clonable: the memory is shared). */
export interface ScorerShare { memory: WasmMemory; n: number; k: number; yPtr: number; slots: Scratch[] }

function instantiate(memory: WasmMemory): { scores: ScoresFn; scores4: ScoresFn; blockMax: MaxFn } {
  const mod = wasmModule();
  if (!mod) throw new Error('the SIMD scoring kernel is unavailable');
  const e = new WA.Instance(mod, { env: { memory } }).exports;
  return { scores: e.scores as ScoresFn, scores4: e.scores4 as ScoresFn, blockMax: e.block_max as MaxFn };
}

export class WasmScorer {
  readonly targetFactors: Float32Array;
  private readonly x: Float32Array;
  private readonly out: Float32Array;
  private readonly maxima: Float32Array;
  private readonly fn: ScoresFn;
  private readonly maxFn: MaxFn;

  private constructor(private readonly s: ScorerShare, private readonly main: Scratch) {
    const { memory, n, k, yPtr } = s;
    ({ scores: this.fn, blockMax: this.maxFn } = instantiate(memory));
    this.x = new Float32Array(memory.buffer, main.xPtr, k);
    this.out = new Float32Array(memory.buffer, main.outPtr, n);
    this.maxima = new Float32Array(memory.buffer, main.maxPtr, Math.ceil(n / SCORE_BLOCK));
    this.targetFactors = new Float32Array(memory.buffer, yPtr, n * k);
  }

  get n(): number { return this.s.n; }
  get k(): number { return this.s.k; }
  /** Scratch slots for scoring workers. */
  get slots(): number { return this.s.slots.length; }
  /** The handle a scoring worker attaches to (see BatchScorer). */
  share(): ScorerShare { return this.s; }

  /**
   * A scorer holding a copy of `targetFactors` (n x k) with `slots` worker scratch regions, or undefined
   * when wasm is unavailable or it would not fit in one 4 GiB memory.
   */
  static create(targetFactors: Float32Array, n: number, k: number, slots = 0): WasmScorer | undefined {
    if (!enabled || !wasmModule() || n === 0) return undefined;
    const nb = Math.ceil(n / SCORE_BLOCK);
    let at = 16; // keep 0 free
    const region = (xs: number): Scratch => {
      const xPtr = at;
      const outPtr = align(xPtr + 4 * xs * k);
      const maxPtr = align(outPtr + 4 * xs * n);
      at = align(maxPtr + 4 * xs * nb);
      return { xPtr, outPtr, maxPtr };
    };
    const main = region(1);
    const slotRegions = Array.from({ length: slots }, () => region(BATCH));
    const yPtr = at;
    const total = yPtr + 4 * n * k;
    if (total > MAX_BYTES) return slots > 0 ? WasmScorer.create(targetFactors, n, k, 0) : undefined;
    const pages = Math.ceil(total / 65536);
    const memory = new WA.Memory({ initial: pages, maximum: pages, shared: true });
    const s = new WasmScorer({ memory, n, k, yPtr, slots: slotRegions }, main);
    s.targetFactors.set(targetFactors.subarray(0, n * k));
    return s;
  }

  /** Scores of every target for x (length k). The returned view is scratch: valid until the next call. */
  scores(x: ArrayLike<number>): Float32Array {
    for (let f = 0; f < this.s.k; f++) this.x[f] = x[f]!;
    this.fn(this.s.yPtr, this.s.n, this.s.k, this.main.xPtr, this.main.outPtr);
    return this.out;
  }

  /**
   * The maxima of the last `scores` result per block of SCORE_BLOCK targets (NaN ignored; -Infinity for a
   * block of NaN only): an upper bound that lets a top-k scan skip blocks. Scratch, like `scores`; call it
   * after marking excluded entries NaN or before (an upper bound either way).
   */
  blockMaxima(): Float32Array {
    this.maxFn(this.main.outPtr, this.s.n, this.main.maxPtr);
    return this.maxima;
  }
}

/** A scoring worker's view of a model: its slot's scratch over the shared memory, up to BATCH sources per pass. */
export class BatchScorer {
  private readonly X: Float32Array;
  private readonly out: Float32Array;
  private readonly maxima: Float32Array;
  private readonly fns: ReturnType<typeof instantiate>;
  readonly n: number;
  readonly k: number;
  private readonly nb: number;

  constructor(private readonly s: ScorerShare, private readonly slot: number) {
    const r = s.slots[slot];
    if (!r) throw new Error(`the model's memory has no scoring slot ${slot}`);
    this.n = s.n; this.k = s.k; this.nb = Math.ceil(s.n / SCORE_BLOCK);
    this.fns = instantiate(s.memory);
    this.X = new Float32Array(s.memory.buffer, r.xPtr, BATCH * s.k);
    this.out = new Float32Array(s.memory.buffer, r.outPtr, BATCH * s.n);
    this.maxima = new Float32Array(s.memory.buffer, r.maxPtr, BATCH * this.nb);
  }

  /**
   * Scores of every target for up to BATCH source vectors (xs[q], length k each) in one pass; returns
   * per source a scratch view of its n scores (bit-identical to WasmScorer.scores), valid until the next call.
   */
  scoreBatch(xs: readonly Float32Array[]): Float32Array[] {
    const { n, k } = this;
    const r = this.s.slots[this.slot]!;
    if (xs.length === 1) {
      this.X.set(xs[0]!.subarray(0, k));
      this.fns.scores(this.s.yPtr, n, k, r.xPtr, r.outPtr);
    } else {
      this.X.fill(0);
      xs.forEach((x, q) => this.X.set(x.subarray(0, k), q * k));
      this.fns.scores4(this.s.yPtr, n, k, r.xPtr, r.outPtr);
    }
    return xs.map((_, q) => this.out.subarray(q * n, (q + 1) * n));
  }

  /** Block maxima (see WasmScorer.blockMaxima) of source q's scores from the last scoreBatch. */
  blockMaxima(q: number): Float32Array {
    const r = this.s.slots[this.slot]!;
    this.fns.blockMax(r.outPtr + 4 * q * this.n, this.n, r.maxPtr + 4 * q * this.nb);
    return this.maxima.subarray(q * this.nb, (q + 1) * this.nb);
  }
}

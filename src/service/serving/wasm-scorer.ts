/**
 * Scores of all targets for one source vector (or four at once) with the WebAssembly SIMD kernel in
 * wasm/scores.c (float32, ~4x the plain JS loop). Each loaded model gets its own *shared* memory holding
 * its target factors (the model's targetFactors then *is* a view on that memory, so nothing is stored
 * twice), scratch for the event loop's synchronous calls, and one scratch slot per scoring worker
 * thread (scoring-pool.ts), which attaches to the same memory and reads the factors in place.
 * The memory never grows, so the views stay valid.
 *
 * Building a memory (`buildScorerMemory`: the copy of the factors, the int8 copy) is linear in the
 * catalog; it runs where the model is prepared (the loader worker for large models,
 * models/model-load-worker.ts), and the memory crosses threads shared: `WasmScorer.attach` on the event
 * loop only instantiates the kernel over it.
 *
 * Ranking (`top`, `topBatch`) goes through the exact int8 prefilter of quantized.ts when k % 8 == 0 and
 * k <= 512 (int8 copy of the factors, a quarter of the bytes per pass), else through the full float32 pass.
 *
 * Layout, each part 16-byte aligned (b = 1 on the event loop, BATCH per worker slot):
 *   per region: [x: b*k f32][xq: b*k i16][sx: b f32][scores: b*n][block maxima: b*nb][candidates: c i32][rescored: c f32]
 *   [Y: n*k f32][Q: n*k i8][scales: n f32]
 */
import { compileWasm, createSharedMemory, WA, WASM_MAX_BYTES, type WasmMemory, type WasmModule } from '../../util/wasm.js';
import { rerankCandidates } from './ann-index.js';
import { quantizeSource, topKPrefiltered, type QuantStats } from './quantized.js';
import { SCORE_BLOCK, topKOfScores, type TopK } from './top-k.js';

let compiled: WasmModule | null | undefined;
function wasmModule(): WasmModule | null {
  if (compiled === undefined) {
    try {
      compiled = compileWasm(new URL('./wasm/scores.wasm', import.meta.url));
    } catch {
      compiled = null; // no SIMD or threads support: callers use the JS kernel
    }
  }
  return compiled ?? null;
}

/** Sources scored per pass over the target factors in a worker slot. */
export const BATCH = 4;

/** How a model's scorer is built (server options wasmScoring / servingPrefilter reach it through ServedModel). */
export interface ScorerOptions {
  /** Scratch slots for scoring worker threads (default 0). */
  slots?: number;
  /** The int8 copy used by the prefilter (default: when k % 8 == 0 and k <= 512). */
  quantize?: boolean;
}

const align = (b: number) => Math.ceil(b / 16) * 16;

type ScoresFn = (y: number, n: number, k: number, x: number, out: number) => void;
type MaxFn = (s: number, n: number, out: number) => void;
type Q8Fn = (q: number, scales: number, n: number, k: number, xq: number, sx: number, out: number) => void;
type Q8BatchFn = (q: number, scales: number, n: number, k: number, xq: number, sxPtr: number, out: number) => void;
type DotRowsFn = (y: number, idx: number, m: number, k: number, x: number, out: number) => void;
type QuantizeFn = (y: number, n: number, k: number, q: number, scales: number, stats: number) => void;

/** Byte offsets of one scratch region (see the layout above). */
interface Scratch { xPtr: number; xqPtr: number; sxPtr: number; outPtr: number; maxPtr: number; candPtr: number; resPtr: number }

/** A model's scorer memory and its layout: what a WasmScorer or a scoring worker attaches to (structured-clonable: the memory is shared). */
export interface ScorerShare {
  memory: WasmMemory; n: number; k: number; yPtr: number;
  /** The scratch of the thread holding the WasmScorer (the event loop's synchronous calls). */
  main: Scratch;
  /** One scratch region per scoring worker. */
  slots: Scratch[];
  /** The int8 copy (quantized.ts), when present. */
  q?: { qPtr: number; scalesPtr: number; stats: QuantStats };
  /** Candidates rescored at most per request before falling back to the full float32 pass. */
  candLimit: number;
}

interface Kernels { scores: ScoresFn; scores4: ScoresFn; blockMax: MaxFn; q8: Q8Fn; q8x4: Q8BatchFn; dotRows: DotRowsFn; quantize: QuantizeFn }

function instantiate(memory: WasmMemory): Kernels {
  const mod = wasmModule();
  if (!mod) throw new Error('the SIMD scoring kernel is unavailable');
  const e = new WA.Instance(mod, { env: { memory } }).exports;
  return {
    scores: e.scores as ScoresFn, scores4: e.scores4 as ScoresFn, blockMax: e.block_max as MaxFn,
    q8: e.scores_q8 as Q8Fn, q8x4: e.scores4_q8 as Q8BatchFn, dotRows: e.dot_rows as DotRowsFn, quantize: e.quantize_rows as QuantizeFn,
  };
}

/** Typed views of one scratch region of b sources. */
class Region {
  readonly x: Float32Array; readonly xq: Int16Array; readonly sx: Float32Array; readonly out: Float32Array;
  readonly maxima: Float32Array; readonly cand: Int32Array; readonly res: Float32Array;
  constructor(buf: ArrayBuffer | SharedArrayBuffer, readonly r: Scratch, b: number, n: number, k: number, nb: number, c: number) {
    this.x = new Float32Array(buf, r.xPtr, b * k);
    this.xq = new Int16Array(buf, r.xqPtr, b * k);
    this.sx = new Float32Array(buf, r.sxPtr, b);
    this.out = new Float32Array(buf, r.outPtr, b * n);
    this.maxima = new Float32Array(buf, r.maxPtr, b * nb);
    this.cand = new Int32Array(buf, r.candPtr, c);
    this.res = new Float32Array(buf, r.resPtr, c);
  }
}

/**
 * The top `count` for source q of a region whose approximate (q8) or full scores were just computed:
 * exact either way; the prefilter may hand back `undefined` (too many candidates), then the caller runs
 * the full float32 pass for that source and ranks with topKOfScores.
 */
function rankFromRegion(s: ScorerShare, fns: Kernels, reg: Region, q: number, count: number, e: number, mask: Uint8Array | null | undefined, seen: ArrayLike<number> | undefined): TopK | undefined {
  const { n, k } = s;
  const nb = Math.ceil(n / SCORE_BLOCK);
  const outPtr = reg.r.outPtr + 4 * q * n;
  const maxPtr = reg.r.maxPtr + 4 * q * nb;
  fns.blockMax(outPtr, n, maxPtr);
  const approx = reg.out.subarray(q * n, (q + 1) * n);
  const maxima = reg.maxima.subarray(q * nb, (q + 1) * nb);
  return topKPrefiltered(approx, maxima, e, count, mask, seen, s.candLimit, (idx, m) => {
    fns.dotRows(s.yPtr, reg.r.candPtr, m, k, reg.r.xPtr + 4 * q * k, reg.r.resPtr);
    return reg.res.subarray(0, m);
  }, reg.cand);
}

/**
 * rerankCandidates (ann-index.ts) with this region's kernel: lane q's source vector must be loaded in the
 * region; candidates beyond the region's candidate scratch are cut (callers never fetch that many).
 */
function annTopInRegion(s: ScorerShare, fns: Kernels, reg: Region, q: number, cands: Int32Array, count: number, mask: Uint8Array | null | undefined, seen: ArrayLike<number> | undefined): TopK | undefined {
  const c = cands.length > s.candLimit ? cands.subarray(0, s.candLimit) : cands;
  return rerankCandidates(c, count, mask, seen, reg.cand, (_idx, m) => {
    fns.dotRows(s.yPtr, reg.r.candPtr, m, s.k, reg.r.xPtr + 4 * q * s.k, reg.r.resPtr);
    return reg.res.subarray(0, m);
  });
}

let memoriesBuilt = 0;
/** Scorer memories built on this thread so far (tests: a model prepared on the loader thread builds none on the event loop). */
export const scorerMemoriesBuilt = (): number => memoriesBuilt;

/**
 * A new shared memory holding a copy of `targetFactors` (n x k) with `o.slots` worker scratch regions and,
 * with `o.quantize`, the int8 copy used by `top`; undefined when wasm is unavailable or it would not fit in
 * one 4 GiB memory (the slots and the int8 copy are given up first). Linear in n x k: build it where the
 * model is prepared, off the event loop for large models.
 */
export function buildScorerMemory(targetFactors: Float32Array, n: number, k: number, o: ScorerOptions = {}): ScorerShare | undefined {
  const slots = o.slots ?? 0;
  const quantize = (o.quantize ?? true) && k % 8 === 0 && k <= 512;
  if (!wasmModule() || n === 0) return undefined;
  const nb = Math.ceil(n / SCORE_BLOCK);
  const candLimit = Math.max(64, Math.ceil(n / 8));
  let at = 16; // keep 0 free
  const take = (bytes: number) => { const p = at; at = align(at + bytes); return p; };
  const region = (b: number): Scratch => ({
    xPtr: take(4 * b * k), xqPtr: take(2 * b * k), sxPtr: take(4 * b), outPtr: take(4 * b * n),
    maxPtr: take(4 * b * nb), candPtr: take(4 * candLimit), resPtr: take(4 * candLimit),
  });
  const main = region(1);
  const slotRegions = Array.from({ length: slots }, () => region(BATCH));
  const yPtr = take(4 * n * k);
  const qPtr = quantize ? take(n * k) : 0;
  const scalesPtr = quantize ? take(4 * n) : 0;
  if (at > WASM_MAX_BYTES) return slots > 0 || quantize ? buildScorerMemory(targetFactors, n, k, { slots: 0, quantize: false }) : undefined;
  const memory = createSharedMemory(at);
  memoriesBuilt++;
  new Float32Array(memory.buffer, yPtr, n * k).set(targetFactors.subarray(0, n * k));
  const s: ScorerShare = { memory, n, k, yPtr, main, slots: slotRegions, candLimit };
  if (quantize) {
    // stats go through the main region's candidate scratch (2 floats)
    instantiate(memory).quantize(yPtr, n, k, qPtr, scalesPtr, main.resPtr);
    const stats = new Float32Array(memory.buffer, main.resPtr, 2);
    s.q = { qPtr, scalesPtr, stats: { sMax: stats[0]!, l1Max: stats[1]! } };
  }
  return s;
}

export class WasmScorer {
  readonly targetFactors: Float32Array;
  /** Rankings answered through the int8 prefilter / by the full float32 pass (diagnostics, tests). */
  readonly counts = { prefiltered: 0, full: 0 };
  private readonly fns: Kernels;
  private readonly reg: Region;

  private constructor(private readonly s: ScorerShare) {
    const { memory, n, k, yPtr } = s;
    this.fns = instantiate(memory);
    this.reg = new Region(memory.buffer, s.main, 1, n, k, Math.ceil(n / SCORE_BLOCK), s.candLimit);
    this.targetFactors = new Float32Array(memory.buffer, yPtr, n * k);
  }

  get n(): number { return this.s.n; }
  get k(): number { return this.s.k; }
  /** Scratch slots for scoring workers. */
  get slots(): number { return this.s.slots.length; }
  /** Whether ranking uses the int8 prefilter. */
  get quantized(): boolean { return !!this.s.q; }
  /** The handle a scoring worker attaches to (see BatchScorer). */
  share(): ScorerShare { return this.s; }

  /**
   * A scorer holding a copy of `targetFactors` (n x k), built on this thread (buildScorerMemory); undefined
   * when wasm is unavailable or it would not fit.
   */
  static create(targetFactors: Float32Array, n: number, k: number, o: ScorerOptions = {}): WasmScorer | undefined {
    const s = buildScorerMemory(targetFactors, n, k, o);
    return s && new WasmScorer(s);
  }

  /** The scorer over a memory built by buildScorerMemory, possibly on another thread: nothing is copied (constant time). */
  static attach(s: ScorerShare): WasmScorer {
    return new WasmScorer(s);
  }

  /** Scores of every target for x (length k), full float32 pass. The returned view is scratch: valid until the next call. */
  scores(x: ArrayLike<number>): Float32Array {
    const { n, k, yPtr } = this.s;
    for (let f = 0; f < k; f++) this.reg.x[f] = x[f]!;
    this.fns.scores(yPtr, n, k, this.reg.r.xPtr, this.reg.r.outPtr);
    return this.reg.out;
  }

  /**
   * The maxima of the last `scores` result per block of SCORE_BLOCK targets (NaN ignored; -Infinity for a
   * block of NaN only): an upper bound that lets a top-k scan skip blocks. Scratch, like `scores`; call it
   * after marking excluded entries NaN or before (an upper bound either way).
   */
  blockMaxima(): Float32Array {
    this.fns.blockMax(this.reg.r.outPtr, this.s.n, this.reg.r.maxPtr);
    return this.reg.maxima;
  }

  /** The exact top `count` for x (ties -> lower index), leaving out `seen` and targets where `mask` is 0. */
  top(x: ArrayLike<number>, count: number, mask: Uint8Array | null | undefined, seen?: ArrayLike<number>): TopK {
    const { n, k, q } = this.s;
    if (q) {
      for (let f = 0; f < k; f++) this.reg.x[f] = x[f]!;
      const { sx, e } = quantizeSource(this.reg.x, k, this.reg.xq, q.stats);
      this.fns.q8(q.qPtr, q.scalesPtr, n, k, this.reg.r.xqPtr, sx, this.reg.r.outPtr);
      const t = rankFromRegion(this.s, this.fns, this.reg, 0, count, e, mask, seen);
      if (t) { this.counts.prefiltered++; return t; }
    }
    this.counts.full++;
    const scores = this.scores(x);
    return topKOfScores(scores, this.blockMaxima(), count, mask, seen);
  }

  /** The top `count` of the ANN candidates `cands` for x, rescored exactly (see rerankCandidates); undefined: too few survive. */
  annTop(x: ArrayLike<number>, cands: Int32Array, count: number, mask: Uint8Array | null | undefined, seen?: ArrayLike<number>): TopK | undefined {
    for (let f = 0; f < this.s.k; f++) this.reg.x[f] = x[f]!;
    return annTopInRegion(this.s, this.fns, this.reg, 0, cands, count, mask, seen);
  }
}

/** A scoring worker's view of a model: its slot's scratch over the shared memory, up to BATCH sources per pass. */
export class BatchScorer {
  /** As WasmScorer.counts. */
  readonly counts = { prefiltered: 0, full: 0 };
  private readonly fns: Kernels;
  private readonly reg: Region;
  readonly n: number;
  readonly k: number;

  constructor(private readonly s: ScorerShare, slot: number) {
    const r = s.slots[slot];
    if (!r) throw new Error(`the model's memory has no scoring slot ${slot}`);
    this.n = s.n; this.k = s.k;
    this.fns = instantiate(s.memory);
    this.reg = new Region(s.memory.buffer, r, BATCH, s.n, s.k, Math.ceil(s.n / SCORE_BLOCK), s.candLimit);
  }

  /**
   * Scores of every target for up to BATCH source vectors (xs[q], length k each) in one full float32
   * pass; returns per source a scratch view of its n scores (bit-identical to WasmScorer.scores).
   */
  scoreBatch(xs: readonly Float32Array[]): Float32Array[] {
    const { n, k } = this;
    const r = this.reg.r;
    this.load(xs);
    if (xs.length === 1) this.fns.scores(this.s.yPtr, n, k, r.xPtr, r.outPtr);
    else this.fns.scores4(this.s.yPtr, n, k, r.xPtr, r.outPtr);
    return xs.map((_, q) => this.reg.out.subarray(q * n, (q + 1) * n));
  }

  /** Block maxima (see WasmScorer.blockMaxima) of source q's scores from the last scoreBatch. */
  blockMaxima(q: number): Float32Array {
    const nb = Math.ceil(this.n / SCORE_BLOCK);
    this.fns.blockMax(this.reg.r.outPtr + 4 * q * this.n, this.n, this.reg.r.maxPtr + 4 * q * nb);
    return this.reg.maxima.subarray(q * nb, (q + 1) * nb);
  }

  /** WasmScorer.top for up to BATCH requests at once (one pass over the factors for all of them). */
  topBatch(reqs: ReadonlyArray<{ x: Float32Array; count: number; mask?: Uint8Array | null; seen?: ArrayLike<number> }>): TopK[] {
    const { n, k } = this;
    const { q } = this.s;
    const r = this.reg.r;
    const out: Array<TopK | undefined> = new Array(reqs.length);
    if (q) {
      this.load(reqs.map((t) => t.x));
      const es = reqs.map((t, j) => {
        const { sx, e } = quantizeSource(t.x, k, this.reg.xq.subarray(j * k, (j + 1) * k), q.stats);
        this.reg.sx[j] = sx;
        return e;
      });
      if (reqs.length === 1) this.fns.q8(q.qPtr, q.scalesPtr, n, k, r.xqPtr, this.reg.sx[0]!, r.outPtr);
      else this.fns.q8x4(q.qPtr, q.scalesPtr, n, k, r.xqPtr, r.sxPtr, r.outPtr);
      reqs.forEach((t, j) => { out[j] = rankFromRegion(this.s, this.fns, this.reg, j, t.count, es[j]!, t.mask, t.seen); });
    }
    const rest = reqs.map((_, j) => j).filter((j) => !out[j]);
    this.counts.prefiltered += reqs.length - rest.length;
    this.counts.full += rest.length;
    if (rest.length > 0) {
      const scores = this.scoreBatch(rest.map((j) => reqs[j]!.x));
      rest.forEach((j, p) => { out[j] = topKOfScores(scores[p]!, this.blockMaxima(p), reqs[j]!.count, reqs[j]!.mask, reqs[j]!.seen); });
    }
    return out as TopK[];
  }

  /** WasmScorer.annTop in this slot. */
  annTop(x: Float32Array, cands: Int32Array, count: number, mask: Uint8Array | null | undefined, seen?: ArrayLike<number>): TopK | undefined {
    this.load([x]);
    return annTopInRegion(this.s, this.fns, this.reg, 0, cands, count, mask, seen);
  }

  private load(xs: readonly Float32Array[]): void {
    const k = this.k;
    if (xs.length > 1) {
      // unused lanes of a 4-source pass score zero vectors
      this.reg.x.fill(0);
      this.reg.xq.fill(0);
    }
    xs.forEach((x, q) => this.reg.x.set(x.subarray(0, k), q * k));
  }
}

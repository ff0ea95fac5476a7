/**
 * A loaded model plus what serving derives from it once: id -> index maps, the popularity order,
 * and lazily Y^T Y (fold-in) and target norms (cosine). Immutable once built: a request holds one
 * reference for its whole duration, so a swap never mixes factors of two models. The one later
 * addition is the model's ANN index (serving/ann-index.ts), attached once when it is found or built:
 * it belongs to this object, so a request never searches another version's index.
 */
import { gram } from '../../engine/reference.js';
import { AnnIndex, type AnnMeta } from '../serving/ann-index.js';
import { WasmScorer } from '../serving/wasm-scorer.js';
import type { TrainedModel } from '../../data/trained-model.js';

/** How models are scored (the server options servingThreads, wasmScoring, servingPrefilter). */
export interface ScoringOptions {
  /** Scratch slots for scoring worker threads in the scorer's shared memory (serving/scoring-pool.ts; default 0). */
  slots?: number;
  /** The WebAssembly SIMD kernel (default true; false: the plain JS kernel). */
  wasm?: boolean;
  /** The exact int8 prefilter of serving/quantized.ts where k allows it (default true). */
  prefilter?: boolean;
}

export class ServedModel {
  readonly sourceIndex: Map<string, number>;
  readonly targetIndex: Map<string, number>;
  /** Target indices by training popularity, descending; ties -> lower index first. */
  readonly popularityOrder: Int32Array;
  readonly k: number;
  readonly bytes: number;
  private yty?: Float64Array;
  private norms?: Float32Array;
  /** Small per-model cache of candidate masks (and their counts of allowed targets) by filter key (see serving/candidates.ts). */
  readonly maskCache = new Map<string, { mask: Uint8Array; allowed: number }>();
  /** The ANN index of this model version, once attached (stored file and its meta). */
  private annFile?: { meta: AnnMeta; path: string };
  /** The index opened on the event loop (memory-mapped on first use); null = it could not be opened. */
  private annOpened?: AnnIndex | null;
  /** Rankings answered through the index, and those it sent to the exact path (too few candidates survived the filters). */
  readonly annCounts = { approximate: 0, fallback: 0 };

  /** SIMD scoring kernel over the target factors (undefined: plain JS kernel). */
  readonly scorer?: WasmScorer;
  readonly model: TrainedModel;

  constructor(model: TrainedModel, bytes: number, scoring: ScoringOptions = {}) {
    this.k = model.meta.factors;
    this.scorer = scoring.wasm === false ? undefined
      : WasmScorer.create(model.targetFactors, model.targetIds.length, this.k, { slots: scoring.slots, quantize: scoring.prefilter });
    // The scorer holds the target factors; serve from its copy so they are stored once.
    this.model = this.scorer ? { ...model, targetFactors: this.scorer.targetFactors } : model;
    this.bytes = bytes;
    this.sourceIndex = new Map(model.sourceIds.map((id, i) => [id, i]));
    this.targetIndex = new Map(model.targetIds.map((id, i) => [id, i]));
    const pop = model.targetPopularity;
    this.popularityOrder = Int32Array.from({ length: model.targetIds.length }, (_, i) => i)
      .sort((a, b) => pop[b]! - pop[a]! || a - b);
    sortSeenRows(model.seen);
  }

  get modelId(): string { return this.model.meta.modelId; }
  get jobId(): string { return this.model.meta.jobId; }
  get sourceCount(): number { return this.model.sourceIds.length; }
  get targetCount(): number { return this.model.targetIds.length; }

  /** The attached ANN index (its file and meta), undefined while there is none. */
  get ann(): { readonly meta: AnnMeta; readonly path: string } | undefined { return this.annFile; }

  /** Attaches the index found or built for this version (first attach wins). */
  attachAnn(meta: AnnMeta, path: string): void {
    if (meta.jobId !== this.jobId || meta.targets !== this.targetCount || meta.factors !== this.k) {
      throw new Error(`ANN index of ${meta.jobId} (${meta.targets} x ${meta.factors}) does not belong to model version ${this.jobId} (${this.targetCount} x ${this.k})`);
    }
    this.annFile ??= { meta, path };
  }

  /** The index for searches on this thread, opened on first use; undefined when none is attached or it cannot be opened. */
  annIndex(onError?: (err: Error) => void): AnnIndex | undefined {
    if (!this.annFile || this.annOpened === null) return undefined;
    if (!this.annOpened) {
      try {
        this.annOpened = AnnIndex.open(this.annFile.path, this.annFile.meta);
      } catch (err) {
        this.annOpened = null;
        onError?.(err as Error);
        return undefined;
      }
    }
    return this.annOpened;
  }

  /** Y^T Y (k x k, float64), computed on first use. */
  gramian(): Float64Array {
    this.yty ??= gram(this.model.targetFactors, this.targetCount, this.k);
    return this.yty;
  }

  /** |y_i| per target, computed on first use. */
  targetNorms(): Float32Array {
    if (!this.norms) {
      const { targetFactors: Y } = this.model;
      const k = this.k;
      const out = new Float32Array(this.targetCount);
      for (let i = 0; i < out.length; i++) {
        let s = 0;
        for (let f = 0; f < k; f++) { const v = Y[i * k + f]!; s += v * v; }
        out[i] = Math.sqrt(s);
      }
      this.norms = out;
    }
    return this.norms;
  }
}

/** Serving walks seen rows in target order; make sure each row is sorted (a no-op for CSR built by the data layer). */
function sortSeenRows(seen: TrainedModel['seen']): void {
  const { indptr, indices, data } = seen;
  for (let r = 0; r + 1 < indptr.length; r++) {
    const a = indptr[r]!, b = indptr[r + 1]!;
    let sorted = true;
    for (let e = a + 1; e < b; e++) if (indices[e - 1]! > indices[e]!) { sorted = false; break; }
    if (sorted) continue;
    const order = Array.from({ length: b - a }, (_, j) => a + j).sort((x, y) => indices[x]! - indices[y]!);
    const idx = order.map((e) => indices[e]!);
    const val = order.map((e) => data[e]!);
    indices.set(idx, a);
    data.set(val, a);
  }
}

/**
 * A loaded model plus what serving derives from it once: id -> index lookups (hash indexes over the packed
 * ids, data/packed-id-index.ts), the popularity order, and lazily Y^T Y (fold-in) and target norms
 * (cosine). It wraps a ServingData (serving-data.ts), prepared off the event loop by the model loader
 * (model-load-in-worker.ts), the scoring kernel's memory included: wrapping a model the loader prepared
 * builds nothing per id or per factor (a small model or a TrainedModel gets its scorer memory built
 * here). Immutable once built: a request holds one reference for its whole duration, so a swap never
 * mixes factors of two models. The one later
 * addition is the model's ANN index (serving/ann-index.ts), attached once when it is found or built:
 * it belongs to this object, so a request never searches another version's index.
 */
import { gram } from '../../engine/reference.js';
import { AnnIndex, type AnnMeta } from '../serving/ann-index.js';
import { WasmScorer } from '../serving/wasm-scorer.js';
import { packModel } from '../../data/model-file.js';
import { PackedIdIndex } from '../../data/packed-id-index.js';
import { PackedStringsReader } from '../../data/packed-strings.js';
import type { TrainedModel } from '../../data/trained-model.js';
import { prepareServingData, servingDataBytes, withScorer, type ScoringOptions, type ServingData } from './serving-data.js';

export class ServedModel {
  /** id -> source row (`get`), row -> id (`id`). */
  readonly sourceIndex: PackedIdIndex;
  readonly targetIndex: PackedIdIndex;
  /** Entity attributes of the training snapshot, read per row. */
  readonly sourceTypes: PackedStringsReader;
  readonly targetTypes: PackedStringsReader;
  readonly targetMetadata: PackedStringsReader;
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
  readonly model: ServingData;

  /**
   * Wraps `data` (its arrays are taken over; the seen rows must be sorted, as prepareServingData leaves
   * them). A TrainedModel is prepared on this thread first (small models, tests); `bytes` defaults to
   * the data's resident size.
   */
  constructor(data: ServingData | TrainedModel, bytes?: number, scoring: ScoringOptions = {}) {
    const prepared = isServingData(data) ? data : prepareServingData({ ...packModel(data), targetPopularity: data.targetPopularity });
    this.k = prepared.meta.factors;
    this.sourceIndex = new PackedIdIndex(prepared.sourceIds);
    this.targetIndex = new PackedIdIndex(prepared.targetIds);
    // The scorer's memory comes prepared with the data when the loader built it (off the event loop);
    // else it is built here (small models, a TrainedModel). Its copy of the target factors is the one served.
    this.model = withScorer(prepared, scoring);
    this.scorer = scoring.wasm !== false && this.model.scorer ? WasmScorer.attach(this.model.scorer) : undefined;
    this.bytes = bytes ?? servingDataBytes(prepared);
    const model = this.model;
    this.sourceTypes = new PackedStringsReader(model.sourceEntities.type);
    this.targetTypes = new PackedStringsReader(model.targetEntities.type);
    this.targetMetadata = new PackedStringsReader(model.targetEntities.metadata);
    this.popularityOrder = model.popularityOrder;
  }

  get modelId(): string { return this.model.meta.modelId; }
  get jobId(): string { return this.model.meta.jobId; }
  get sourceCount(): number { return this.sourceIndex.size; }
  get targetCount(): number { return this.targetIndex.size; }
  /** The user's id of source row u / target row i. */
  sourceId(u: number): string { return this.sourceIndex.id(u); }
  targetId(i: number): string { return this.targetIndex.id(i); }

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

const isServingData = (d: ServingData | TrainedModel): d is ServingData => 'popularityOrder' in d;

/**
 * What a served model is made of, in the form it is prepared in off the event loop (model-load-worker.ts)
 * and handed over as transferred typed arrays: the factors, the seen CSR (each row sorted), popularity
 * and its order, the entity attributes and the ids, packed, each side with its hash index
 * (data/packed-id-index.ts), and the scoring kernel's shared memory with its copy of the target factors
 * (serving/wasm-scorer.ts; `withScorer`). ServedModel wraps it without copying or building anything per
 * id or per factor.
 */
import { buildIdIndex, type IdIndexData } from '../../data/packed-id-index.js';
import { packedBuffers, packedLength, type PackedStrings } from '../../data/packed-strings.js';
import type { PackedEntityColumns } from '../../data/selection.js';
import type { ModelMeta, PackedModel } from '../../data/trained-model.js';
import { buildScorerMemory, type ScorerShare } from '../serving/wasm-scorer.js';

/** How models are scored (the server options servingThreads, wasmScoring, servingPrefilter). */
export interface ScoringOptions {
  /** Scratch slots for scoring worker threads in the scorer's shared memory (serving/scoring-pool.ts; default 0). */
  slots?: number;
  /** The WebAssembly SIMD kernel (default true; false: the plain JS kernel). */
  wasm?: boolean;
  /** The exact int8 prefilter of serving/quantized.ts where k allows it (default true). */
  prefilter?: boolean;
}

export interface ServingData {
  meta: ModelMeta;
  sourceIds: IdIndexData;
  targetIds: IdIndexData;
  /** Row-major, sources x factors / targets x factors. */
  sourceFactors: Float32Array;
  targetFactors: Float32Array;
  /** Training interactions: CSR over sources, each row's target indices ascending. */
  seen: { indptr: Int32Array; indices: Int32Array; data: Float32Array };
  /** Distinct training sources per target. */
  targetPopularity: Float32Array;
  /** Target indices by popularity, descending; ties -> lower index first. */
  popularityOrder: Int32Array;
  sourceEntities: PackedEntityColumns;
  targetEntities: PackedEntityColumns;
  /** The scoring kernel's memory (withScorer); `targetFactors` is then a view on it, so they are stored once. */
  scorer?: ScorerShare;
}

/** Everything serving derives from a model once, on the calling thread (linear in the model, plus the popularity sort). */
export function prepareServingData(m: PackedModel & { targetPopularity: Float32Array }): ServingData {
  const pop = m.targetPopularity;
  const n = pop.length;
  const popularityOrder = new Int32Array(n);
  for (let i = 0; i < n; i++) popularityOrder[i] = i;
  popularityOrder.sort((a, b) => pop[b]! - pop[a]! || a - b);
  sortSeenRows(m.seen);
  return {
    meta: m.meta, sourceIds: buildIdIndex(m.sourceIds), targetIds: buildIdIndex(m.targetIds),
    sourceFactors: m.sourceFactors, targetFactors: m.targetFactors, seen: m.seen, targetPopularity: pop, popularityOrder,
    sourceEntities: m.sourceEntities, targetEntities: m.targetEntities,
  };
}

/**
 * `d` with its scorer memory built (buildScorerMemory: a copy of the target factors, the int8 copy, the
 * worker slots), its target factors then read from there; `d` itself when it has one already, when
 * `scoring.wasm` is false or when the kernel is unavailable. Linear in targets x factors: the loader
 * worker runs it for the models it loads (model-load-worker.ts), the calling thread for small ones.
 */
export function withScorer(d: ServingData, scoring: ScoringOptions): ServingData {
  if (d.scorer || scoring.wasm === false) return d;
  const k = d.meta.factors;
  const n = packedLength(d.targetIds.ids);
  const scorer = buildScorerMemory(d.targetFactors, n, k, { slots: scoring.slots, quantize: scoring.prefilter });
  return scorer ? { ...d, scorer, targetFactors: new Float32Array(scorer.memory.buffer, scorer.yPtr, n * k) } : d;
}

const stringsBytes = (p: PackedStrings) => p.offsets.byteLength + p.bytes.byteLength + (p.valid?.byteLength ?? 0);

/** Resident bytes of a model as served (the serving cache's budget). */
export function servingDataBytes(d: ServingData): number {
  let b = d.sourceIds.slots.byteLength + d.targetIds.slots.byteLength + d.popularityOrder.byteLength;
  for (const p of [d.sourceIds.ids, d.targetIds.ids, d.sourceEntities.type, d.sourceEntities.metadata, d.targetEntities.type, d.targetEntities.metadata]) b += stringsBytes(p);
  return b + d.sourceFactors.byteLength + d.targetFactors.byteLength + d.seen.indptr.byteLength + d.seen.indices.byteLength
    + d.seen.data.byteLength + d.targetPopularity.byteLength;
}

/** The buffers of a ServingData (to transfer it; the scorer's memory is shared, util/worker-rpc.ts's `transfer` leaves it out). */
export function servingDataBuffers(d: ServingData): ArrayBufferLike[] {
  return [
    d.sourceFactors.buffer, d.targetFactors.buffer, d.seen.indptr.buffer, d.seen.indices.buffer, d.seen.data.buffer,
    d.targetPopularity.buffer, d.popularityOrder.buffer, d.sourceIds.slots.buffer, d.targetIds.slots.buffer,
    ...packedBuffers(d.sourceIds.ids, d.targetIds.ids, d.sourceEntities.type, d.sourceEntities.metadata, d.targetEntities.type, d.targetEntities.metadata),
  ];
}

/** Serving walks seen rows in target order; make sure each row is sorted (a no-op for CSR built by the data layer). */
function sortSeenRows(seen: ServingData['seen']): void {
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

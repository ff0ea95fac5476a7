/**
 * What a served model is made of, in the form it is prepared in off the event loop (model-load-worker.ts)
 * and handed over as transferred typed arrays: the factors, the seen CSR (each row sorted), popularity
 * and its order, the entity attributes and the ids, packed, each side with its hash index
 * (data/packed-id-index.ts). ServedModel wraps it without copying or building anything per id.
 */
import { buildIdIndex, type IdIndexData } from '../../data/packed-id-index.js';
import { packedBuffers, type PackedStrings } from '../../data/packed-strings.js';
import type { PackedEntityColumns } from '../../data/selection.js';
import type { ModelMeta, PackedModel } from '../../data/trained-model.js';

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

const stringsBytes = (p: PackedStrings) => p.offsets.byteLength + p.bytes.byteLength + (p.valid?.byteLength ?? 0);

/** Resident bytes of a model as served (the serving cache's budget). */
export function servingDataBytes(d: ServingData): number {
  let b = d.sourceIds.slots.byteLength + d.targetIds.slots.byteLength + d.popularityOrder.byteLength;
  for (const p of [d.sourceIds.ids, d.targetIds.ids, d.sourceEntities.type, d.sourceEntities.metadata, d.targetEntities.type, d.targetEntities.metadata]) b += stringsBytes(p);
  return b + d.sourceFactors.byteLength + d.targetFactors.byteLength + d.seen.indptr.byteLength + d.seen.indices.byteLength
    + d.seen.data.byteLength + d.targetPopularity.byteLength;
}

/** The buffers of a ServingData (to transfer it). */
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

/**
 * Turns the selected stored batches into the training matrix.
 *
 * Order of the rules, per interaction row (each row counted once, in the first rule that drops it):
 *  1. age: with `maxAgeDays` = N, a row with timestamp t is dropped when t < now - N * 86_400_000 ms
 *     (`now` = the Train / DescribeDataset call time). A row exactly N days old is kept; a row without
 *     a timestamp is always kept. -> droppedByAge
 *  2. interaction filter (type set, weight range on the imported weight with null = 1, timestamp
 *     range, metadata conditions). -> droppedByFilter
 *  3. entity filter on both ends, and the unknown-entity policy (see filters.ts). -> droppedByFilter
 *  4. weight: w = (weight ?? 1) * typeWeights[type] (when the type has a multiplier); a row whose
 *     final w is not a finite number > 0 is dropped. -> droppedByFilter
 * Entities come from the ENTITY batches selected by the same tags; when an id is imported more than
 * once, the latest batch (creation time, then batch id) wins.
 * Kept rows are aggregated per (source, target) by summing w; the matrix has one row per source and
 * one column per target that appear in a kept row, ids in first-seen order.
 */
import type { CsrMatrix } from '../engine/types.js';
import { existsSync } from 'node:fs';
import type { RecordBatch } from 'apache-arrow';
import { InvalidArgumentError, NotFoundError } from '../errors.js';
import { readStoredBatch, stringColumn, timestampMsColumn, weightColumn } from './batch-reader.js';
import { CooBuilder } from '../engine/csr.js';
import { matrixStats, type MatrixStats } from '../engine/matrix-stats.js';
import { entityPasses, interactionPasses, type CompiledDataFilters } from './filters.js';
import { IdIndex } from './id-index.js';
import { packStrings, packedBuffers, type PackedStrings } from './packed-strings.js';

export interface StoredBatchRef {
  batchId: string;
  path: string;
  createdMs: number;
}

export interface SelectionParams {
  nowMs: number;
  maxAgeDays?: number;
  filters: CompiledDataFilters;
  /** type -> multiplier. */
  typeWeights?: Record<string, number>;
  signal?: AbortSignal;
}

export interface SelectionCounts {
  interactions: number;
  pairs: number;
  sources: number;
  targets: number;
  entities: number;
  droppedByAge: number;
  droppedByFilter: number;
}

export interface EntityColumns {
  type: Array<string | null>;
  metadata: Array<string | null>;
}

export interface Selection {
  sourceIds: string[];
  targetIds: string[];
  matrix: CsrMatrix;
  counts: SelectionCounts;
  /** Interaction batches then entity batches read, in catalog order. */
  batchIds: string[];
  sourceEntities: EntityColumns;
  targetEntities: EntityColumns;
  /** The matrix's statistics, computed here off the event loop for the data-aware defaults (engine/defaults.ts) and DescribeDataset. */
  stats?: MatrixStats;
}

/** Entity attributes as they cross threads (packed-strings.ts). */
export interface PackedEntityColumns { type: PackedStrings; metadata: PackedStrings }

/**
 * A Selection as a selection worker hands it over: ids and entity attributes packed, so the receiving event
 * loop takes over transferred buffers instead of cloning millions of strings.
 */
export interface PackedSelection extends Omit<Selection, 'sourceIds' | 'targetIds' | 'sourceEntities' | 'targetEntities'> {
  sourceIds: PackedStrings;
  targetIds: PackedStrings;
  sourceEntities: PackedEntityColumns;
  targetEntities: PackedEntityColumns;
  /** (mode 'train') A second copy of `matrix`, made off the caller's thread, for a trainer to take over (move) while `matrix` stays. */
  matrixCopy?: Selection['matrix'];
}

export function packEntityColumns(e: EntityColumns): PackedEntityColumns {
  return { type: packStrings(e.type), metadata: packStrings(e.metadata) };
}

/** `s` packed (with `matrixCopy` when asked), and the buffers to transfer with it (the matrices' too). */
export function packSelection(s: Selection, withCopy = false): { packed: PackedSelection; buffers: ArrayBufferLike[] } {
  const { indptr, indices, data } = s.matrix;
  const matrixCopy = withCopy ? { ...s.matrix, indptr: indptr.slice(), indices: indices.slice(), data: data.slice() } : undefined;
  const packed: PackedSelection = {
    ...s, sourceIds: packStrings(s.sourceIds), targetIds: packStrings(s.targetIds),
    sourceEntities: packEntityColumns(s.sourceEntities), targetEntities: packEntityColumns(s.targetEntities), matrixCopy,
  };
  const buffers = [indptr.buffer, indices.buffer, data.buffer, ...packedBuffers(packed.sourceIds, packed.targetIds,
    packed.sourceEntities.type, packed.sourceEntities.metadata, packed.targetEntities.type, packed.targetEntities.metadata)];
  if (matrixCopy) buffers.push(matrixCopy.indptr.buffer, matrixCopy.indices.buffer, matrixCopy.data.buffer);
  return { packed, buffers };
}

interface EntityRow { type: string | null; metadata: string | null }

export const MS_PER_DAY = 86_400_000;

/** Validates `maximum_interaction_age_days` (optional; when given an integer >= 1). */
export function validateMaxAgeDays(v: number | undefined | null, field = 'maximum_interaction_age_days'): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Number.isInteger(v) || v < 1) throw new InvalidArgumentError(`${field} must be an integer >= 1 when given, got ${v}`, { field });
  return v;
}

/** Validates `hyperparameters.type_weights` (finite numbers; 0 or negative drop that type's rows). */
export function validateTypeWeights(tw: Record<string, number> | undefined | null): Record<string, number> | undefined {
  if (!tw) return undefined;
  const entries = Object.entries(tw);
  if (entries.length === 0) return undefined;
  for (const [k, v] of entries) {
    if (!Number.isFinite(Number(v))) throw new InvalidArgumentError(`hyperparameters.type_weights["${k}"] must be a finite number, got ${v}`, { field: `hyperparameters.type_weights.${k}` });
  }
  return Object.fromEntries(entries.map(([k, v]) => [k, Number(v)]));
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('aborted');
}

/**
 * A selected batch's record batches, read synchronously (selection runs in a worker thread). A file that
 * is gone (the batch was deleted after it was selected) is an error naming the batch, never 0 rows.
 */
function storedBatch(b: StoredBatchRef): Generator<RecordBatch> {
  if (!existsSync(b.path)) throw new NotFoundError(`batch ${b.batchId} was deleted while this selection was reading it (file ${b.path} is gone)`);
  return readStoredBatch(b.path);
}

/** Reads the entity batches; the latest import of an id wins. */
export async function loadEntities(batches: readonly StoredBatchRef[], signal?: AbortSignal): Promise<Map<string, EntityRow>> {
  const sorted = [...batches].sort((a, b) => a.createdMs - b.createdMs || (a.batchId < b.batchId ? -1 : a.batchId > b.batchId ? 1 : 0));
  const map = new Map<string, EntityRow>();
  for (const b of sorted) {
    for (const rb of storedBatch(b)) {
      throwIfAborted(signal);
      const id = stringColumn(rb, 'id');
      const type = stringColumn(rb, 'type');
      const meta = stringColumn(rb, 'metadata');
      for (let i = 0; i < rb.numRows; i++) {
        const k = id[i];
        if (k !== null && k !== undefined) map.set(k, { type: type[i] ?? null, metadata: meta[i] ?? null });
      }
    }
  }
  return map;
}

/**
 * Selects and builds. `mode: 'count'` (DescribeDataset) skips the entity snapshots; it still builds the
 * matrix (the pair count needs deduplication) and its statistics (what the defaults would choose).
 */
export async function selectTrainingData(
  interactionBatches: readonly StoredBatchRef[], entityBatches: readonly StoredBatchRef[], p: SelectionParams,
  mode: 'train' | 'count' = 'train',
): Promise<Selection> {
  const { filters, typeWeights, signal } = p;
  const cutoff = p.maxAgeDays === undefined ? -Infinity : p.nowMs - p.maxAgeDays * MS_PER_DAY;
  const entities = await loadEntities(entityBatches, signal);
  const ef = filters.entities;
  const dropUnknown = filters.unknownEntities === 'drop';
  const needEntityCheck = ef !== undefined || dropUnknown;
  const passCache = new Map<string, boolean>();
  const endPasses = (id: string): boolean => {
    let ok = passCache.get(id);
    if (ok === undefined) {
      const e = entities.get(id);
      ok = e === undefined ? !dropUnknown : ef === undefined ? true : entityPasses(ef, e.type, e.metadata);
      passCache.set(id, ok);
    }
    return ok;
  };
  const inf = filters.interactions;
  const needMeta = inf !== undefined && inf.metadata.length > 0;
  // Decode only the columns some rule reads.
  const needType = (inf !== undefined && inf.types !== undefined) || typeWeights !== undefined;
  const needTs = p.maxAgeDays !== undefined || (inf !== undefined && (inf.minTimestampMs !== undefined || inf.maxTimestampMs !== undefined));
  const sources = new IdIndex();
  const targets = new IdIndex();
  const coo = new CooBuilder();
  let interactions = 0, droppedByAge = 0, droppedByFilter = 0;

  for (const b of interactionBatches) {
    for (const rb of storedBatch(b)) {
      throwIfAborted(signal);
      const n = rb.numRows;
      const src = stringColumn(rb, 'source_id');
      const tgt = stringColumn(rb, 'target_id');
      const type = needType ? stringColumn(rb, 'type') : undefined;
      const ts = needTs ? timestampMsColumn(rb) : undefined;
      const wt = weightColumn(rb);
      const meta = needMeta ? stringColumn(rb, 'metadata') : undefined;
      for (let i = 0; i < n; i++) {
        const t = ts ? ts[i]! : NaN;
        const hasTs = !Number.isNaN(t);
        if (hasTs && t < cutoff) { droppedByAge++; continue; }
        const raw = Number.isNaN(wt[i]!) ? 1 : wt[i]!;
        const ty = type ? type[i] ?? null : null;
        if (inf && !interactionPasses(inf, ty, hasTs ? t : null, raw, meta ? meta[i] ?? null : null)) { droppedByFilter++; continue; }
        const s = src[i]!, g = tgt[i]!;
        if (needEntityCheck && (!endPasses(s) || !endPasses(g))) { droppedByFilter++; continue; }
        let w = raw;
        if (typeWeights && ty !== null) { const m = typeWeights[ty]; if (m !== undefined) w *= m; }
        if (!(w > 0) || !Number.isFinite(w)) { droppedByFilter++; continue; }
        coo.push(sources.indexOf(s), targets.indexOf(g), w);
        interactions++;
      }
    }
  }
  const matrix = coo.toCsr(sources.size, targets.size);
  const snapshot = (ids: string[]): EntityColumns => {
    if (mode === 'count') return { type: [], metadata: [] };
    const type: Array<string | null> = new Array(ids.length);
    const metadata: Array<string | null> = new Array(ids.length);
    for (let i = 0; i < ids.length; i++) { const e = entities.get(ids[i]!); type[i] = e?.type ?? null; metadata[i] = e?.metadata ?? null; }
    return { type, metadata };
  };
  return {
    sourceIds: sources.ids,
    targetIds: targets.ids,
    matrix,
    counts: {
      interactions, pairs: matrix.indices.length, sources: sources.size, targets: targets.size, entities: entities.size,
      droppedByAge, droppedByFilter,
    },
    batchIds: [...interactionBatches.map((b) => b.batchId), ...entityBatches.map((b) => b.batchId)],
    sourceEntities: snapshot(sources.ids),
    targetEntities: snapshot(targets.ids),
    stats: matrixStats(matrix),
  };
}

/**
 * On-disk form of a trained model: one directory, written to a temp directory beside it and renamed
 * into place (so a reader sees either nothing or a complete model).
 *
 *   meta.json      ModelMeta + { formatVersion, sourceCount, targetCount }
 *   sources.arrow  id Utf8, type Utf8?, metadata Utf8?, factors FixedSizeList<Float32>[k]
 *   targets.arrow  id Utf8, type Utf8?, metadata Utf8?, factors FixedSizeList<Float32>[k], popularity Float32
 *   seen.arrow     source_index Int32, target_index Int32, weight Float32 (rows sorted by source, the CSR's
 *                  entries in order; indptr is rebuilt from source_index)
 *
 * Arrow IPC *file* format, one record batch per file. `writeModel` builds the Arrow columns straight from
 * packed ids (packed-strings.ts; a TrainedModel is packed first), so writing 10M ids makes no JS strings;
 * the server writes from a worker thread (model-write-in-worker.ts). `readPackedModel` reads them back packed
 * (serving loads models so, on a worker thread: service/models/model-load-in-worker.ts); `readModel` as strings. Serving may add `ann-ip.usearch` and
 * `ann-ip.json` beside them later (the ANN index of large catalogs: service/serving/ann-index.ts), each renamed
 * into place.
 */
import { mkdir, readFile, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import {
  Field, FixedSizeList, Float32, Int32, makeData, makeVector, RecordBatch, Schema, Struct, Table,
  tableFromIPC, tableToIPC, Utf8, type Vector,
} from 'apache-arrow';
import type { ModelMeta, PackedModel, TrainedModel } from './trained-model.js';
import { commitDirAtomic, tempPathFor, writeFileSynced } from '../util/atomic-file.js';
import { packStrings, packedLength, type PackedStrings } from './packed-strings.js';
import { packEntityColumns, type PackedEntityColumns } from './selection.js';

export const MODEL_FORMAT_VERSION = 1;
const META = 'meta.json';
const SOURCES = 'sources.arrow';
const TARGETS = 'targets.arrow';
const SEEN = 'seen.arrow';

/** `rows` factor vectors of length k (row-major `values`) as a FixedSizeList<Float32>[k] column, without a copy. */
export function factorsVector(values: Float32Array, rows: number, k: number): Vector {
  const type = new FixedSizeList(k, new Field('item', new Float32(), false));
  const child = makeData({ type: new Float32(), length: rows * k, nullCount: 0, data: values });
  return makeVector(makeData({ type, length: rows, nullCount: 0, child }));
}

function utf8Vector(p: PackedStrings): Vector {
  const n = packedLength(p);
  let nulls = 0;
  if (p.valid) for (let i = 0; i < n; i++) if ((p.valid[i >> 3]! & (1 << (i & 7))) === 0) nulls++;
  return makeVector(makeData({ type: new Utf8(), length: n, nullCount: nulls, nullBitmap: nulls > 0 ? p.valid : null, valueOffsets: p.offsets, data: p.bytes }));
}

function entityTable(ids: PackedStrings, ent: PackedEntityColumns, factors: Float32Array, k: number, popularity?: Float32Array): Table {
  const n = packedLength(ids);
  const cols: Record<string, Vector> = {
    id: utf8Vector(ids),
    type: utf8Vector(ent.type),
    metadata: utf8Vector(ent.metadata),
    factors: factorsVector(factors, n, k),
  };
  if (popularity) cols.popularity = makeVector(popularity);
  return tableFromVectors(cols, n);
}

function tableFromVectors(cols: Record<string, Vector>, length: number): Table {
  const fields = Object.entries(cols).map(([name, v]) => new Field(name, v.type, name === 'type' || name === 'metadata'));
  const schema = new Schema(fields);
  const data = makeData({
    type: new Struct(fields), length, nullCount: 0,
    children: Object.values(cols).map((v) => v.data[0]!),
  });
  return new Table(schema, [new RecordBatch(schema, data)]);
}

function check(model: PackedModel, popularity: Float32Array): void {
  const k = model.meta.factors;
  const m = packedLength(model.sourceIds);
  const n = packedLength(model.targetIds);
  const bad = (what: string) => { throw new Error(`writeModel: ${what}`); };
  if (!Number.isInteger(k) || k < 1) bad(`factors ${k}`);
  if (model.sourceFactors.length !== m * k) bad(`sourceFactors length ${model.sourceFactors.length} != ${m}x${k}`);
  if (model.targetFactors.length !== n * k) bad(`targetFactors length ${model.targetFactors.length} != ${n}x${k}`);
  if (model.seen.indptr.length !== m + 1) bad(`seen.indptr length ${model.seen.indptr.length} != ${m + 1}`);
  if (popularity.length !== n) bad(`targetPopularity length`);
  if (packedLength(model.sourceEntities.type) !== m || packedLength(model.sourceEntities.metadata) !== m) bad('sourceEntities length');
  if (packedLength(model.targetEntities.type) !== n || packedLength(model.targetEntities.metadata) !== n) bad('targetEntities length');
}

/** Number of distinct sources per target (column counts of the seen CSR). */
export function columnCounts(indices: Int32Array, nnz: number, cols: number): Float32Array {
  const out = new Float32Array(cols);
  for (let i = 0; i < nnz; i++) out[indices[i]!]! += 1;
  return out;
}

/** A TrainedModel's strings packed (its arrays are shared, not copied). */
export function packModel(model: TrainedModel): PackedModel {
  return {
    ...model, sourceIds: packStrings(model.sourceIds), targetIds: packStrings(model.targetIds),
    sourceEntities: packEntityColumns(model.sourceEntities), targetEntities: packEntityColumns(model.targetEntities),
  };
}

const isPacked = (m: TrainedModel | PackedModel): m is PackedModel => !Array.isArray(m.sourceIds);

/** Writes `model` to `dir` atomically (temp dir beside it, files fsynced, rename, parent fsynced). */
export async function writeModel(dir: string, trained: TrainedModel | PackedModel): Promise<void> {
  const model = isPacked(trained) ? trained : packModel(trained);
  const m = packedLength(model.sourceIds);
  const nnz = model.seen.indptr[m] ?? 0;
  const popularity = model.targetPopularity ?? columnCounts(model.seen.indices, nnz, packedLength(model.targetIds));
  check(model, popularity);
  const k = model.meta.factors;
  const parent = dirname(dir);
  await mkdir(parent, { recursive: true });
  const tmp = tempPathFor(dir);
  await mkdir(tmp);
  try {
    const { indptr, indices, data } = model.seen;
    const srcIdx = new Int32Array(nnz);
    for (let r = 0; r < m; r++) srcIdx.fill(r, indptr[r]!, indptr[r + 1]!);
    const seen = tableFromVectors({
      source_index: makeVector(srcIdx),
      target_index: makeVector(indices.subarray(0, nnz)),
      weight: makeVector(data.subarray(0, nnz)),
    }, nnz);
    await writeFileSynced(join(tmp, SOURCES), tableToIPC(entityTable(model.sourceIds, model.sourceEntities, model.sourceFactors, k), 'file'));
    await writeFileSynced(join(tmp, TARGETS), tableToIPC(entityTable(model.targetIds, model.targetEntities, model.targetFactors, k, popularity), 'file'));
    await writeFileSynced(join(tmp, SEEN), tableToIPC(seen, 'file'));
    const meta = { ...model.meta, formatVersion: MODEL_FORMAT_VERSION, sourceCount: m, targetCount: packedLength(model.targetIds) };
    await writeFileSynced(join(tmp, META), JSON.stringify(meta, null, 1));
    await commitDirAtomic(tmp, dir);
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
}

/** A column of a model table; a file without it is not a model file. */
function column(t: Table, name: string): NonNullable<ReturnType<Table['getChild']>> {
  const v = t.getChild(name);
  if (!v) throw new Error(`model file: missing column ${name}`);
  return v;
}

function utf8Column(t: Table, name: string): Array<string | null> {
  return column(t, name).toArray() as Array<string | null>;
}

/**
 * A Utf8 column copied out of its record-batch chunks as fresh packed strings (no JS string made; the
 * buffers are the column's own, so they can be transferred). Offsets are checked: monotone and inside
 * the chunk's data, so a corrupt file fails here, naming the column, instead of serving garbage ids.
 */
function packedColumn(t: Table, name: string): PackedStrings {
  const chunks = column(t, name).data;
  const n = chunks.reduce((s, d) => s + d.length, 0);
  let total = 0;
  for (const d of chunks) {
    const o = d.valueOffsets as Int32Array;
    const a = o[d.offset]!, b = o[d.offset + d.length]!;
    if (!(a >= 0 && b >= a && b <= (d.values as Uint8Array).length)) throw new Error(`model file: column ${name}: offsets ${a}..${b} outside its ${(d.values as Uint8Array).length} data bytes`);
    total += b - a;
  }
  const offsets = new Int32Array(n + 1);
  const bytes = new Uint8Array(total);
  let valid: Uint8Array | undefined;
  let row = 0, pos = 0;
  for (const d of chunks) {
    const o = d.valueOffsets as Int32Array;
    const base = o[d.offset]!;
    const bitmap = d.nullCount > 0 ? d.nullBitmap : undefined;
    for (let i = 0; i < d.length; i++) {
      const v = o[d.offset + i + 1]!;
      if (v < o[d.offset + i]!) throw new Error(`model file: column ${name}: offsets not monotone at row ${row + i}`);
      offsets[row + i + 1] = pos + v - base;
      const bit = d.offset + i;
      if (bitmap && (bitmap[bit >> 3]! & (1 << (bit & 7))) === 0) {
        valid ??= new Uint8Array((n + 7) >> 3).fill(0xff);
        valid[(row + i) >> 3]! &= ~(1 << ((row + i) & 7));
      }
    }
    const end = o[d.offset + d.length]!;
    bytes.set((d.values as Uint8Array).subarray(base, end), pos);
    pos += end - base;
    row += d.length;
  }
  return valid ? { offsets, bytes, valid } : { offsets, bytes };
}

/** The values of a float32 or int32 column, copied out of its record-batch chunks into `out`. */
function numericColumn<T extends Float32Array | Int32Array>(t: Table, name: string, out: T): T {
  let off = 0;
  for (const d of column(t, name).data) { out.set((d.values as T).subarray(d.offset, d.offset + d.length), off); off += d.length; }
  return out;
}

function factorsColumn(t: Table, rows: number, k: number): Float32Array {
  const out = new Float32Array(rows * k);
  let off = 0;
  for (const d of column(t, 'factors').data) {
    const child = d.children[0]!;
    const start = (d.offset + child.offset) * k;
    out.set((child.values as Float32Array).subarray(start, start + d.length * k), off);
    off += d.length * k;
  }
  return out;
}

/** The decoded tables of a model directory (meta checked), and the seen CSR's indptr rebuilt. */
async function readModelTables(dir: string) {
  const metaRaw = JSON.parse(await readFile(join(dir, META), 'utf8')) as ModelMeta & { formatVersion: number; sourceCount: number; targetCount: number };
  if (metaRaw.formatVersion !== MODEL_FORMAT_VERSION) throw new Error(`model file: unsupported format version ${metaRaw.formatVersion}`);
  const { formatVersion: _v, sourceCount: m, targetCount: n, ...meta } = metaRaw;
  const [srcBuf, tgtBuf, seenBuf] = await Promise.all([SOURCES, TARGETS, SEEN].map((f) => readFile(join(dir, f))));
  const decode = (buf: Buffer, file: string): Table => {
    try {
      return tableFromIPC(buf);
    } catch (err) {
      throw new Error(`model file: ${file} is not a readable Arrow file: ${(err as Error).message}`, { cause: err });
    }
  };
  const src = decode(srcBuf!, SOURCES);
  const tgt = decode(tgtBuf!, TARGETS);
  const seenT = decode(seenBuf!, SEEN);
  if (src.numRows !== m || tgt.numRows !== n) throw new Error(`model file: row counts ${src.numRows}/${tgt.numRows} != meta ${m}/${n}`);
  const nnz = seenT.numRows;
  const srcIdx = numericColumn(seenT, 'source_index', new Int32Array(nnz));
  const indptr = new Int32Array(m + 1);
  for (let i = 0; i < nnz; i++) {
    const r = srcIdx[i]!;
    if (!(r >= 0 && r < m) || (i > 0 && r < srcIdx[i - 1]!)) throw new Error(`model file: ${SEEN}: source_index ${r} at row ${i} out of order or outside the ${m} sources`);
    indptr[r + 1]!++;
  }
  for (let r = 0; r < m; r++) indptr[r + 1]! += indptr[r]!;
  return { meta, m, n, src, tgt, seenT, indptr };
}

/** The numeric part of a model: factors and seen targets, without ids or entities (no JS strings made). */
export type ModelFactors = Pick<TrainedModel, 'meta' | 'sourceFactors' | 'targetFactors'> & { seen: Pick<TrainedModel['seen'], 'indptr' | 'indices'> };

/** Reads the factors and seen targets of a model written by `writeModel` (what an index build needs). */
export async function readModelFactors(dir: string): Promise<ModelFactors> {
  const { meta, m, n, src, tgt, seenT, indptr } = await readModelTables(dir);
  const k = meta.factors;
  return {
    meta, sourceFactors: factorsColumn(src, m, k), targetFactors: factorsColumn(tgt, n, k),
    seen: { indptr, indices: numericColumn(seenT, 'target_index', new Int32Array(seenT.numRows)) },
  };
}

/**
 * Reads a model written by `writeModel` with its ids and entity attributes packed (no JS string per id:
 * service/models/model-load-worker.ts reads served models this way, off the event loop). What serving
 * indexes with is checked, so a corrupt file fails here naming the file and what is wrong: the seen
 * entries' source rows in order and in range, their target indices in range.
 */
export async function readPackedModel(dir: string): Promise<PackedModel & { targetPopularity: Float32Array }> {
  const { meta, m, n, src, tgt, seenT, indptr } = await readModelTables(dir);
  const k = meta.factors;
  const nnz = seenT.numRows;
  const indices = numericColumn(seenT, 'target_index', new Int32Array(nnz));
  for (let e = 0; e < nnz; e++) {
    const i = indices[e]!;
    if (!(i >= 0 && i < n)) throw new Error(`model file: ${SEEN}: target_index ${i} at row ${e} outside the ${n} targets`);
  }
  return {
    meta,
    sourceIds: packedColumn(src, 'id'),
    targetIds: packedColumn(tgt, 'id'),
    sourceFactors: factorsColumn(src, m, k),
    targetFactors: factorsColumn(tgt, n, k),
    seen: { indptr, indices, data: numericColumn(seenT, 'weight', new Float32Array(nnz)) },
    targetPopularity: numericColumn(tgt, 'popularity', new Float32Array(n)),
    sourceEntities: { type: packedColumn(src, 'type'), metadata: packedColumn(src, 'metadata') },
    targetEntities: { type: packedColumn(tgt, 'type'), metadata: packedColumn(tgt, 'metadata') },
  };
}

/** Reads a model written by `writeModel`. */
export async function readModel(dir: string): Promise<TrainedModel> {
  const { meta, m, n, src, tgt, seenT, indptr } = await readModelTables(dir);
  const k = meta.factors;
  const nnz = seenT.numRows;
  return {
    meta,
    sourceIds: utf8Column(src, 'id') as string[],
    targetIds: utf8Column(tgt, 'id') as string[],
    sourceFactors: factorsColumn(src, m, k),
    targetFactors: factorsColumn(tgt, n, k),
    seen: { indptr, indices: numericColumn(seenT, 'target_index', new Int32Array(nnz)), data: numericColumn(seenT, 'weight', new Float32Array(nnz)) },
    targetPopularity: numericColumn(tgt, 'popularity', new Float32Array(n)),
    sourceEntities: { type: utf8Column(src, 'type'), metadata: utf8Column(src, 'metadata') },
    targetEntities: { type: utf8Column(tgt, 'type'), metadata: utf8Column(tgt, 'metadata') },
  };
}

/** Bytes of a model directory's data files (what reading it decodes). */
export async function modelFilesBytes(dir: string): Promise<number> {
  const sizes = await Promise.all([SOURCES, TARGETS, SEEN].map(async (f) => (await stat(join(dir, f))).size));
  return sizes.reduce((a, b) => a + b, 0);
}

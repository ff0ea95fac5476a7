/**
 * Validation of untrusted Arrow IPC *stream* bytes before anything reads them (apache-arrow's JS reader
 * trusts the lengths, offsets and buffer positions a message claims). The checks follow Arrow's own full
 * validation (C++ `ValidateFull`, pyarrow `validate(full=True)`):
 *
 *   framing      continuation marker + metadata length; the 8-byte end-of-stream marker last; no bytes after it;
 *   metadata     every flatbuffer table, vtable, vector and string inside the metadata bytes, vector lengths
 *                checked against the bytes left before they are walked, at most MAX_SCHEMA_FIELDS fields
 *                nested at most MAX_FIELD_DEPTH deep (a cyclic or exponential schema is refused);
 *   schema       first, once; types apache-arrow can read (no run-end-encoded or list-view), little-endian;
 *   batches      one field node and the exact buffers per field (in the layout order of each type); lengths and
 *                null counts >= 0; every top-level column as long as the batch; each buffer inside the body and
 *                8-byte aligned, large enough for the length it serves; validity bitmaps whose set bits match the
 *                null count; offsets non-negative, monotone and inside their data (or child); UTF-8 valid per value;
 *                dictionary indices inside the dictionary sent so far (dictionary batches before the batches that use
 *                them, deltas appended); union type ids declared and dense offsets inside the child; no compression.
 *
 * The cost is bounded by the bytes received: a claimed count is compared with the bytes that back it BEFORE
 * any loop or allocation sized by it (a message body is allocated only once all of it has arrived). A
 * violation is an InvalidArgumentError naming the column (its path for nested fields) and the row (global,
 * 0-based, over the upload) or the buffer; `field` is `column[row]` or `column`.
 *
 * `validatedMessages` frames and validates a byte stream and yields each message as one contiguous,
 * 8-byte-aligned piece, ready for arrow-js's RecordBatchReader.
 */
import { isUtf8 } from 'node:buffer';
import { InvalidArgumentError } from '../errors.js';

/** Longest array any message may claim (arrow-js indexes with 32-bit ints). */
export const MAX_ARRAY_LENGTH = 2 ** 31 - 1;
/** Largest flatbuffer metadata of one message. */
export const MAX_METADATA_BYTES = 16 * 1024 * 1024;
/** Fields in a schema, nested ones included. */
export const MAX_SCHEMA_FIELDS = 10_000;
export const MAX_FIELD_DEPTH = 64;

const FIELD = 'arrow_chunk';

function invalid(message: string, field = FIELD): never {
  throw new InvalidArgumentError(message, { field });
}

// ------------------------------------------------------------------------------------------------
// Flatbuffers, every read bounds-checked

class Fb {
  private readonly view: DataView;
  private tables = 0;
  constructor(readonly buf: Uint8Array, private readonly what: string, private readonly maxTables: number) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  fail(msg: string): never { return invalid(`invalid Arrow IPC ${this.what}: ${msg}`); }

  need(pos: number, size: number): void {
    if (!(pos >= 0 && size >= 0 && pos + size <= this.buf.length)) this.fail(`reference to bytes ${pos}..${pos + size} outside the ${this.buf.length}-byte metadata`);
  }
  u8(p: number): number { this.need(p, 1); return this.view.getUint8(p); }
  u16(p: number): number { this.need(p, 2); return this.view.getUint16(p, true); }
  i16(p: number): number { this.need(p, 2); return this.view.getInt16(p, true); }
  u32(p: number): number { this.need(p, 4); return this.view.getUint32(p, true); }
  i32(p: number): number { this.need(p, 4); return this.view.getInt32(p, true); }
  /** A little-endian int64 as a number (exact up to 2^53; larger magnitudes stay larger than any limit we check). */
  i64(p: number): number { this.need(p, 8); return this.view.getInt32(p + 4, true) * 4294967296 + this.view.getUint32(p, true); }

  root(): FbTable { return this.table(this.u32(0)); }

  table(pos: number): FbTable {
    if (++this.tables > this.maxTables) this.fail(`more than ${this.maxTables} tables`);
    const vt = pos - this.i32(pos);
    const vtSize = this.u16(vt);
    const size = this.u16(vt + 2);
    if (vtSize < 4 || (vtSize & 1) !== 0) this.fail(`bad vtable size ${vtSize}`);
    this.need(vt, vtSize);
    this.need(pos, Math.max(size, 4));
    return new FbTable(this, pos, vt, vtSize, size);
  }
}

class FbTable {
  constructor(readonly fb: Fb, readonly pos: number, private readonly vt: number, private readonly vtSize: number, private readonly size: number) {}

  /** The absolute position of field `id` (0 when absent), checked to lie inside the table. */
  private field(id: number, width: number): number {
    const slot = 4 + 2 * id;
    if (slot + 2 > this.vtSize) return 0;
    const off = this.fb.u16(this.vt + slot);
    if (off === 0) return 0;
    if (off + width > this.size) this.fb.fail(`field ${id} outside its table`);
    return this.pos + off;
  }
  u8(id: number, dflt = 0): number { const p = this.field(id, 1); return p ? this.fb.u8(p) : dflt; }
  bool(id: number): boolean { return this.u8(id) !== 0; }
  i16(id: number, dflt = 0): number { const p = this.field(id, 2); return p ? this.fb.i16(p) : dflt; }
  i32(id: number, dflt = 0): number { const p = this.field(id, 4); return p ? this.fb.i32(p) : dflt; }
  i64(id: number, dflt = 0): number { const p = this.field(id, 8); return p ? this.fb.i64(p) : dflt; }

  private target(id: number): number | undefined {
    const p = this.field(id, 4);
    return p ? p + this.fb.u32(p) : undefined;
  }
  table(id: number): FbTable | undefined {
    const t = this.target(id);
    return t === undefined ? undefined : this.fb.table(t);
  }
  /** A vector of `elemSize`-byte elements: its first element's position and length (all of it inside the buffer). */
  vector(id: number, elemSize: number): { at: number; length: number } {
    const t = this.target(id);
    if (t === undefined) return { at: 0, length: 0 };
    const length = this.fb.u32(t);
    this.fb.need(t + 4, length * elemSize);
    return { at: t + 4, length };
  }
  /** Tables of a vector of tables. */
  tables(id: number): FbTable[] {
    const v = this.vector(id, 4);
    const out: FbTable[] = [];
    for (let i = 0; i < v.length; i++) { const p = v.at + 4 * i; out.push(this.fb.table(p + this.fb.u32(p))); }
    return out;
  }
  string(id: number): string | undefined {
    const v = this.vector(id, 1);
    if (v.at === 0) return undefined;
    const bytes = this.fb.buf.subarray(v.at, v.at + v.length);
    if (!isUtf8(bytes)) this.fb.fail('a string is not valid UTF-8');
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  }
}

// ------------------------------------------------------------------------------------------------
// The parts of the metadata the checks need (Schema.fbs / Message.fbs)

/** Type ids of Schema.fbs's `Type` union. */
export const enum TypeId {
  NONE = 0, Null = 1, Int = 2, FloatingPoint = 3, Binary = 4, Utf8 = 5, Bool = 6, Decimal = 7, Date = 8, Time = 9,
  Timestamp = 10, Interval = 11, List = 12, Struct = 13, Union = 14, FixedSizeBinary = 15, FixedSizeList = 16, Map = 17,
  Duration = 18, LargeBinary = 19, LargeUtf8 = 20, LargeList = 21, RunEndEncoded = 22, BinaryView = 23, Utf8View = 24,
  ListView = 25, LargeListView = 26,
}
const TYPE_NAMES = ['NONE', 'Null', 'Int', 'FloatingPoint', 'Binary', 'Utf8', 'Bool', 'Decimal', 'Date', 'Time', 'Timestamp',
  'Interval', 'List', 'Struct', 'Union', 'FixedSizeBinary', 'FixedSizeList', 'Map', 'Duration', 'LargeBinary', 'LargeUtf8',
  'LargeList', 'RunEndEncoded', 'BinaryView', 'Utf8View', 'ListView', 'LargeListView'];

export interface IpcType {
  id: TypeId;
  /** Bytes per value of fixed-width types (0 for bit-packed Bool). */
  width: number;
  /** FixedSizeList's list size; Union's mode (0 sparse, 1 dense) and type ids. */
  listSize?: number;
  dense?: boolean;
  typeIds?: number[];
}

export interface IpcField {
  name: string;
  /** `a.b.c` for nested fields. */
  path: string;
  type: IpcType;
  dictionary?: { id: number; indexWidth: 1 | 2 | 4 | 8; indexSigned: boolean };
  children: IpcField[];
}

const enum Header { NONE = 0, Schema = 1, DictionaryBatch = 2, RecordBatch = 3, Tensor = 4, SparseTensor = 5 }
const MIN_METADATA_VERSION = 3; // V4
const MAX_METADATA_VERSION = 4; // V5

interface FieldNode { length: number; nullCount: number }
interface BufferRegion { offset: number; length: number }
interface RecordBatchMeta { length: number; nodes: FieldNode[]; buffers: BufferRegion[]; compressed: boolean; variadic: number[] }

function decodeType(t: FbTable | undefined, typeId: number, fail: (m: string) => never): IpcType {
  const need = () => t ?? fail(`missing ${TYPE_NAMES[typeId]} type details`);
  switch (typeId) {
    case TypeId.Null: case TypeId.Binary: case TypeId.Utf8: case TypeId.LargeBinary: case TypeId.LargeUtf8:
    case TypeId.List: case TypeId.LargeList: case TypeId.Struct: case TypeId.Map: case TypeId.BinaryView: case TypeId.Utf8View:
      return { id: typeId, width: 0 };
    case TypeId.Bool: return { id: typeId, width: 0 };
    case TypeId.Int: {
      const bits = need().i32(0);
      if (![8, 16, 32, 64].includes(bits)) fail(`Int bit width ${bits}`);
      return { id: typeId, width: bits / 8 };
    }
    case TypeId.FloatingPoint: {
      const p = t ? t.i16(0) : 0;
      if (p < 0 || p > 2) fail(`FloatingPoint precision ${p}`);
      return { id: typeId, width: [2, 4, 8][p]! };
    }
    case TypeId.Decimal: {
      const bits = need().i32(2, 128);
      if (![32, 64, 128, 256].includes(bits)) fail(`Decimal bit width ${bits}`);
      return { id: typeId, width: bits / 8 };
    }
    case TypeId.Date: {
      const unit = t ? t.i16(0, 1) : 1;
      if (unit !== 0 && unit !== 1) fail(`Date unit ${unit}`);
      return { id: typeId, width: unit === 0 ? 4 : 8 };
    }
    case TypeId.Time: {
      const bits = t ? t.i32(1, 32) : 32;
      if (bits !== 32 && bits !== 64) fail(`Time bit width ${bits}`);
      return { id: typeId, width: bits / 8 };
    }
    case TypeId.Timestamp: case TypeId.Duration: {
      const unit = t ? t.i16(0, 1) : 1;
      if (unit < 0 || unit > 3) fail(`${TYPE_NAMES[typeId]} unit ${unit}`);
      if (t && typeId === TypeId.Timestamp) t.string(1);
      return { id: typeId, width: 8 };
    }
    case TypeId.Interval: {
      const unit = t ? t.i16(0) : 0;
      if (unit < 0 || unit > 2) fail(`Interval unit ${unit}`);
      return { id: typeId, width: [4, 8, 16][unit]! };
    }
    case TypeId.FixedSizeBinary: {
      const w = need().i32(0);
      if (w < 1) fail(`FixedSizeBinary byte width ${w}`);
      return { id: typeId, width: w };
    }
    case TypeId.FixedSizeList: {
      const n = need().i32(0);
      if (n < 0) fail(`FixedSizeList list size ${n}`);
      return { id: typeId, width: 0, listSize: n };
    }
    case TypeId.Union: {
      const u = need();
      const mode = u.i16(0);
      if (mode !== 0 && mode !== 1) fail(`Union mode ${mode}`);
      const v = u.vector(1, 4);
      const typeIds: number[] = [];
      for (let i = 0; i < v.length; i++) typeIds.push(u.fb.i32(v.at + 4 * i));
      return { id: typeId, width: 0, dense: mode === 1, typeIds: v.at === 0 ? undefined : typeIds };
    }
    default:
      return fail(`type ${TYPE_NAMES[typeId] ?? typeId} is not supported (supported: primitive, binary/string (plain, large, view), list, large list, fixed-size list, struct, map, union, dictionary)`);
  }
}

class SchemaDecoder {
  private count = 0;
  constructor(private readonly fb: Fb) {}

  fields(list: FbTable[], parent: string, depth: number): IpcField[] {
    if (depth > MAX_FIELD_DEPTH) this.fb.fail(`fields nested more than ${MAX_FIELD_DEPTH} deep`);
    return list.map((f, i) => this.field(f, parent, depth, i));
  }

  private field(f: FbTable, parent: string, depth: number, index: number): IpcField {
    if (++this.count > MAX_SCHEMA_FIELDS) this.fb.fail(`more than ${MAX_SCHEMA_FIELDS} fields`);
    const name = f.string(0) ?? '';
    const path = parent ? `${parent}.${name || index}` : name;
    const fail = (m: string): never => invalid(`column "${path}": ${m}`, path || FIELD);
    const type = decodeType(f.table(3), f.u8(2), fail);
    const children = this.fields(f.tables(5), path, depth + 1);
    const expect = (n: number) => { if (children.length !== n) fail(`a ${TYPE_NAMES[type.id]} needs ${n} child field(s), got ${children.length}`); };
    if ([TypeId.List, TypeId.LargeList, TypeId.FixedSizeList, TypeId.Map].includes(type.id)) expect(1);
    if (type.id === TypeId.Map && (children[0]!.type.id !== TypeId.Struct || children[0]!.children.length !== 2)) fail('a Map child must be a struct of key and value');
    if (type.id === TypeId.Union && type.typeIds && type.typeIds.length !== children.length) fail(`${type.typeIds.length} union type ids for ${children.length} children`);
    this.metadata(f.tables(6));
    const d = f.table(4);
    let dictionary: IpcField['dictionary'];
    if (d) {
      const id = d.i64(0);
      const it = d.table(1);
      const bits = it ? it.i32(0) : 32;
      if (![8, 16, 32, 64].includes(bits)) fail(`dictionary index bit width ${bits}`);
      dictionary = { id, indexWidth: (bits / 8) as 1 | 2 | 4 | 8, indexSigned: it ? it.bool(1) : true };
    }
    return { name, path, type, dictionary, children };
  }

  metadata(kv: FbTable[]): void {
    for (const e of kv) { e.string(0); e.string(1); }
  }
}

function decodeRecordBatch(t: FbTable): RecordBatchMeta {
  const nodesV = t.vector(1, 16);
  const nodes: FieldNode[] = [];
  for (let i = 0; i < nodesV.length; i++) nodes.push({ length: t.fb.i64(nodesV.at + 16 * i), nullCount: t.fb.i64(nodesV.at + 16 * i + 8) });
  const bufV = t.vector(2, 16);
  const buffers: BufferRegion[] = [];
  for (let i = 0; i < bufV.length; i++) buffers.push({ offset: t.fb.i64(bufV.at + 16 * i), length: t.fb.i64(bufV.at + 16 * i + 8) });
  const varV = t.vector(4, 8);
  const variadic: number[] = [];
  for (let i = 0; i < varV.length; i++) variadic.push(t.fb.i64(varV.at + 8 * i));
  return { length: t.i64(0), nodes, buffers, compressed: t.table(3) !== undefined, variadic };
}

// ------------------------------------------------------------------------------------------------
// Record batch contents

function bitSet(bits: Uint8Array, i: number): boolean { return (bits[i >> 3]! & (1 << (i & 7))) !== 0; }

/** Set bits among the first n of a bitmap (which has at least ceil(n/8) bytes). */
function popcount(bits: Uint8Array, n: number): number {
  let c = 0;
  const full = n >> 3;
  for (let i = 0; i < full; i++) { let b = bits[i]!; b = b - ((b >> 1) & 0x55); b = (b & 0x33) + ((b >> 2) & 0x33); c += (b + (b >> 4)) & 0x0f; }
  for (let i = full << 3; i < n; i++) if (bitSet(bits, i)) c++;
  return c;
}

/** A little-endian integer buffer read as numbers (64-bit: exact up to 2^53; larger ones compare as large). */
function intReader(buf: Uint8Array, width: 1 | 2 | 4 | 8, signed: boolean): (i: number) => number {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  switch (width) {
    case 1: return signed ? (i) => dv.getInt8(i) : (i) => dv.getUint8(i);
    case 2: return signed ? (i) => dv.getInt16(2 * i, true) : (i) => dv.getUint16(2 * i, true);
    case 4: return signed ? (i) => dv.getInt32(4 * i, true) : (i) => dv.getUint32(4 * i, true);
    default: return signed
      ? (i) => dv.getInt32(8 * i + 4, true) * 4294967296 + dv.getUint32(8 * i, true)
      : (i) => dv.getUint32(8 * i + 4, true) * 4294967296 + dv.getUint32(8 * i, true);
  }
}

const isContinuation = (b: number) => (b & 0xc0) === 0x80;

interface Where {
  /** "record batch 3" or "dictionary 0". */
  what: string;
  /** Record batches: the global row of their first row (rows are named by it); dictionaries: undefined (entries are named). */
  rowBase?: number;
}

class BatchChecker {
  private ni = 0;
  private bi = 0;
  private vi = 0;
  constructor(
    private readonly meta: RecordBatchMeta, private readonly body: Uint8Array, private readonly where: Where,
    private readonly dictionaryLength: (id: number) => number | undefined, private readonly v4: boolean,
  ) {}

  run(fields: readonly IpcField[]): void {
    const { meta } = this;
    if (meta.compressed) invalid('the Arrow stream uses compressed buffers (LZ4/ZSTD), which are not supported: write it uncompressed');
    if (!(meta.length >= 0 && meta.length <= MAX_ARRAY_LENGTH)) invalid(`${this.where.what} claims ${meta.length} rows`);
    for (const f of fields) {
      const n = this.field(f);
      if (n.length !== meta.length) this.fail(f, `has ${n.length} rows; ${this.where.what} has ${meta.length}`);
    }
    if (this.ni !== meta.nodes.length) invalid(`${this.where.what} has ${meta.nodes.length} field nodes; its schema has ${this.ni}`);
    if (this.bi !== meta.buffers.length) invalid(`${this.where.what} has ${meta.buffers.length} buffers; its schema needs ${this.bi}`);
    if (this.vi !== meta.variadic.length) invalid(`${this.where.what} has ${meta.variadic.length} variadic buffer counts; its schema needs ${this.vi}`);
  }

  private fail(f: IpcField, msg: string, row?: number): never {
    const { what, rowBase } = this.where;
    if (row === undefined) return invalid(`column "${f.path}" in ${what}: ${msg}`, f.path);
    if (rowBase === undefined) return invalid(`column "${f.path}" ${what} entry ${row}: ${msg}`, f.path);
    return invalid(`column "${f.path}" row ${rowBase + row}: ${msg}`, `${f.path}[${rowBase + row}]`);
  }

  private node(f: IpcField): FieldNode {
    const n = this.meta.nodes[this.ni++];
    if (!n) invalid(`${this.where.what} has ${this.meta.nodes.length} field nodes; its schema needs more (column "${f.path}")`, f.path);
    if (!(n.length >= 0 && n.length <= MAX_ARRAY_LENGTH)) this.fail(f, `claims length ${n.length}`);
    if (!(n.nullCount >= 0 && n.nullCount <= n.length)) this.fail(f, `claims ${n.nullCount} nulls in ${n.length} rows`);
    return n;
  }

  /** The next buffer: inside the body, 8-byte aligned, and at least `min` bytes (checked against the claim before anything reads it). */
  private buffer(f: IpcField, name: string, min: number): Uint8Array {
    const k = this.bi++;
    const b = this.meta.buffers[k];
    const label = `buffer ${k} (${name})`;
    if (!b) invalid(`${this.where.what} has ${this.meta.buffers.length} buffers; its schema needs more (column "${f.path}", ${name})`, f.path);
    if (!(b.offset >= 0 && b.length >= 0 && b.offset + b.length <= this.body.length)) {
      this.fail(f, `${label} at offset ${b.offset}, length ${b.length} is outside the ${this.body.length}-byte message body`);
    }
    if (b.offset % 8 !== 0) this.fail(f, `${label} at offset ${b.offset} is not 8-byte aligned`);
    if (b.length < min) this.fail(f, `${label} has ${b.length} bytes; ${min} are needed`);
    return this.body.subarray(b.offset, b.offset + b.length);
  }

  private validity(f: IpcField, n: FieldNode): Uint8Array | undefined {
    const need = (n.length + 7) >> 3;
    const bits = this.buffer(f, 'validity', n.nullCount > 0 ? need : 0);
    if (n.nullCount === 0) return undefined;
    const nulls = n.length - popcount(bits, n.length);
    if (nulls !== n.nullCount) this.fail(f, `buffer ${this.bi - 1} (validity) has ${nulls} nulls; the field node claims ${n.nullCount}`);
    return bits;
  }

  private field(f: IpcField): FieldNode {
    const n = this.node(f);
    const len = n.length;
    if (f.dictionary) {
      const valid = this.validity(f, n);
      const { indexWidth, indexSigned, id } = f.dictionary;
      const idx = this.buffer(f, 'indices', len * indexWidth);
      const size = this.dictionaryLength(id);
      if (size === undefined) this.fail(f, `dictionary ${id} was not sent before ${this.where.what}`);
      const read = intReader(idx, indexWidth, indexSigned);
      for (let i = 0; i < len; i++) {
        if (valid && !bitSet(valid, i)) continue;
        const j = read(i);
        if (!(j >= 0 && j < size)) this.fail(f, `dictionary index ${j} out of range (dictionary ${id} has ${size} values)`, i);
      }
      return n;
    }
    const t = f.type;
    switch (t.id) {
      case TypeId.Null: return n;
      case TypeId.Bool: this.validity(f, n); this.buffer(f, 'values', (len + 7) >> 3); return n;
      case TypeId.Int: case TypeId.FloatingPoint: case TypeId.Decimal: case TypeId.Date: case TypeId.Time: case TypeId.Timestamp:
      case TypeId.Interval: case TypeId.Duration: case TypeId.FixedSizeBinary:
        this.validity(f, n); this.buffer(f, 'values', len * t.width); return n;
      case TypeId.Utf8: case TypeId.Binary: case TypeId.LargeUtf8: case TypeId.LargeBinary: {
        const valid = this.validity(f, n);
        const w = t.id === TypeId.LargeUtf8 || t.id === TypeId.LargeBinary ? 8 : 4;
        const offsets = this.buffer(f, 'offsets', len > 0 ? (len + 1) * w : 0);
        const data = this.buffer(f, 'data', 0);
        if (len === 0) return n;
        const read = intReader(offsets, w, true);
        this.offsets(f, read, len, data.length, `buffer ${this.bi - 1} (data, ${data.length} bytes)`);
        if (t.id === TypeId.Utf8 || t.id === TypeId.LargeUtf8) this.utf8(f, data, read, len, valid);
        return n;
      }
      case TypeId.Utf8View: case TypeId.BinaryView: {
        const valid = this.validity(f, n);
        const views = this.buffer(f, 'views', len * 16);
        const count = this.meta.variadic[this.vi++];
        if (count === undefined) this.fail(f, `no variadic buffer count for this view column`);
        if (!(count >= 0 && count <= this.meta.buffers.length - this.bi)) this.fail(f, `claims ${count} variadic buffers`);
        const data: Uint8Array[] = [];
        for (let k = 0; k < count; k++) data.push(this.buffer(f, `variadic data ${k}`, 0));
        this.views(f, views, data, len, valid, t.id === TypeId.Utf8View);
        return n;
      }
      case TypeId.List: case TypeId.LargeList: case TypeId.Map: {
        this.validity(f, n);
        const w = t.id === TypeId.LargeList ? 8 : 4;
        const offsets = this.buffer(f, 'offsets', len > 0 ? (len + 1) * w : 0);
        const at = this.ni;
        const child = this.field(f.children[0]!);
        if (t.id === TypeId.Map) {
          // The entries struct's node, then its key's: neither may hold nulls.
          const key = this.meta.nodes[at + 1]!;
          if (child.nullCount > 0 || key.nullCount > 0) this.fail(f, `${child.nullCount || key.nullCount} map entries or keys are null`);
        }
        if (len > 0) this.offsets(f, intReader(offsets, w as 4 | 8, true), len, child.length, `its child (${child.length} rows)`);
        return n;
      }
      case TypeId.FixedSizeList: {
        this.validity(f, n);
        const child = this.field(f.children[0]!);
        if (child.length < len * t.listSize!) this.fail(f, `its child has ${child.length} rows; ${len} lists of ${t.listSize} need ${len * t.listSize!}`);
        return n;
      }
      case TypeId.Struct: {
        this.validity(f, n);
        for (const c of f.children) {
          const cn = this.field(c);
          if (cn.length < len) this.fail(c, `has ${cn.length} rows; its struct has ${len}`);
        }
        return n;
      }
      case TypeId.Union: {
        if (this.v4) this.validity(f, n);
        const ids = this.buffer(f, 'type ids', len);
        const offsets = t.dense ? this.buffer(f, 'offsets', len * 4) : undefined;
        const childLengths = f.children.map((c) => this.field(c).length);
        if (!offsets) childLengths.forEach((cl, c) => { if (cl < len) this.fail(f.children[c]!, `has ${cl} rows; its sparse union has ${len}`); });
        const declared = t.typeIds ?? f.children.map((_, i) => i);
        const childOf = new Map(declared.map((id, i) => [id, i]));
        const readOffset = offsets && intReader(offsets, 4, true);
        for (let i = 0; i < len; i++) {
          const id = (ids[i]! << 24) >> 24; // int8
          const c = childOf.get(id);
          if (c === undefined) this.fail(f, `union type id ${id} is not declared`, i);
          const o = readOffset?.(i);
          if (o !== undefined && !(o >= 0 && o < childLengths[c]!)) this.fail(f, `union offset ${o} outside child ${c} (${childLengths[c]} rows)`, i);
        }
        return n;
      }
      default: return this.fail(f, `type ${TYPE_NAMES[t.id]} is not supported`);
    }
  }

  /** Offsets: first >= 0, non-decreasing, last <= limit (the data buffer's bytes or the child's rows). */
  private offsets(f: IpcField, read: (i: number) => number, len: number, limit: number, what: string): void {
    let prev = read(0);
    if (prev < 0) this.fail(f, `offset ${prev} is negative`, 0);
    for (let i = 1; i <= len; i++) {
      const o = read(i);
      if (o < prev) this.fail(f, `offsets decrease (${prev} then ${o})`, i - 1);
      prev = o;
    }
    if (prev > limit) {
      let row = 0;
      while (read(row + 1) <= limit) row++; // the first value that ends past the limit
      this.fail(f, `offset ${read(row + 1)} is past the end of ${what}`, row);
    }
  }

  /**
   * Each non-null value is valid UTF-8: when the whole range is (one native pass), a value is valid iff it
   * starts and ends on a character boundary; otherwise each non-null value is checked on its own.
   */
  private utf8(f: IpcField, data: Uint8Array, read: (i: number) => number, len: number, valid: Uint8Array | undefined): void {
    const start = read(0);
    const end = read(len);
    const whole = isUtf8(data.subarray(start, end));
    const boundary = (p: number) => p <= start || p >= end || !isContinuation(data[p]!);
    for (let i = 0; i < len; i++) {
      if (valid && !bitSet(valid, i)) continue;
      const a = read(i);
      const b = read(i + 1);
      if (a === b) continue;
      if (whole ? !boundary(a) || !boundary(b) : !isUtf8(data.subarray(a, b))) this.fail(f, 'value is not valid UTF-8', i);
    }
  }

  private views(f: IpcField, views: Uint8Array, data: Uint8Array[], len: number, valid: Uint8Array | undefined, utf8: boolean): void {
    const dv = new DataView(views.buffer, views.byteOffset, views.byteLength);
    for (let i = 0; i < len; i++) {
      if (valid && !bitSet(valid, i)) continue;
      const size = dv.getInt32(16 * i, true);
      if (size < 0) this.fail(f, `view length ${size} is negative`, i);
      let bytes: Uint8Array;
      if (size <= 12) bytes = views.subarray(16 * i + 4, 16 * i + 4 + size);
      else {
        const k = dv.getInt32(16 * i + 8, true);
        const off = dv.getInt32(16 * i + 12, true);
        const buf = data[k];
        if (!buf) this.fail(f, `view names variadic buffer ${k}; there are ${data.length}`, i);
        if (!(off >= 0 && off + size <= buf.length)) this.fail(f, `view bytes ${off}..${off + size} outside variadic buffer ${k} (${buf.length} bytes)`, i);
        bytes = buf.subarray(off, off + size);
        for (let b = 0; b < 4; b++) if (bytes[b] !== views[16 * i + 4 + b]) this.fail(f, 'view prefix does not match its data', i);
      }
      if (utf8 && !isUtf8(bytes)) this.fail(f, 'value is not valid UTF-8', i);
    }
  }
}

// ------------------------------------------------------------------------------------------------
// The stream

/** One validated message: `bytes` = continuation marker, metadata length, metadata (padded to 8), body; 8-byte aligned. */
export interface ValidatedMessage {
  kind: 'schema' | 'dictionary' | 'record batch';
  bytes: Uint8Array;
  /** Record batches: rows. */
  rows: number;
}

/** State of one stream: the schema, the dictionaries' lengths, the rows so far. */
export class IpcStreamValidator {
  fields: IpcField[] | undefined;
  private v4 = false;
  private readonly dictionaryFields = new Map<number, IpcField>();
  private readonly dictionaryLengths = new Map<number, number>();
  /** Rows of the record batches validated so far. */
  rows = 0;
  private batches = 0;

  /** Validates one message (metadata + its body); returns its kind and rows. */
  message(metadata: Uint8Array, body: Uint8Array): { kind: ValidatedMessage['kind']; rows: number } {
    const fb = new Fb(metadata, 'message metadata', MAX_SCHEMA_FIELDS * 4 + 64);
    const m = fb.root();
    const version = m.i16(0);
    if (version < MIN_METADATA_VERSION || version > MAX_METADATA_VERSION) {
      invalid(`unsupported Arrow IPC metadata version V${version + 1} (V4 and V5 are read; pyarrow >= 0.15 writes them)`);
    }
    const type = m.u8(1);
    const header = m.table(2);
    const bodyLength = m.i64(3);
    if (bodyLength !== body.length) invalid(`a message claims a ${bodyLength}-byte body; ${body.length} bytes were framed`);
    if (type !== Header.NONE && !header) invalid('a message has no header');
    switch (type) {
      case Header.Schema: {
        if (this.fields) invalid('a second schema message in the stream');
        if (header!.i16(0) !== 0) invalid('big-endian Arrow data is not supported');
        const dec = new SchemaDecoder(fb);
        const fields = dec.fields(header!.tables(1), '', 0);
        dec.metadata(header!.tables(2));
        this.v4 = version === MIN_METADATA_VERSION;
        this.fields = fields;
        this.collectDictionaries(fields);
        return { kind: 'schema', rows: 0 };
      }
      case Header.RecordBatch: {
        const fields = this.needSchema();
        const rb = decodeRecordBatch(header!);
        const where: Where = { what: `record batch ${this.batches}`, rowBase: this.rows };
        new BatchChecker(rb, body, where, (id) => this.dictionaryLengths.get(id), this.v4).run(fields);
        this.batches++;
        this.rows += rb.length;
        return { kind: 'record batch', rows: rb.length };
      }
      case Header.DictionaryBatch: {
        this.needSchema();
        const id = header!.i64(0);
        const data = header!.table(1);
        const isDelta = header!.bool(2);
        const field = this.dictionaryFields.get(id);
        if (!field) invalid(`a dictionary batch for id ${id}, which no column of the schema uses`);
        if (!data) invalid(`dictionary batch ${id} has no data`);
        const rb = decodeRecordBatch(data);
        const values: IpcField = { ...field, dictionary: undefined };
        new BatchChecker(rb, body, { what: `dictionary ${id}` }, (d) => this.dictionaryLengths.get(d), this.v4).run([values]);
        const before = isDelta ? this.dictionaryLengths.get(id) ?? 0 : 0;
        if (before + rb.length > MAX_ARRAY_LENGTH) invalid(`dictionary ${id} grows past ${MAX_ARRAY_LENGTH} values`);
        this.dictionaryLengths.set(id, before + rb.length);
        return { kind: 'dictionary', rows: 0 };
      }
      default:
        return invalid(`unexpected Arrow IPC message type ${type} (${['none', 'schema', 'dictionary batch', 'record batch', 'tensor', 'sparse tensor'][type] ?? 'unknown'})`);
    }
  }

  private needSchema(): IpcField[] {
    if (!this.fields) invalid('the Arrow stream does not start with a schema message');
    return this.fields;
  }

  private collectDictionaries(fields: readonly IpcField[]): void {
    for (const f of fields) {
      if (f.dictionary && !this.dictionaryFields.has(f.dictionary.id)) this.dictionaryFields.set(f.dictionary.id, f);
      this.collectDictionaries(f.children);
    }
  }
}

/** Chunks of a byte stream, read `n` bytes at a time; nothing is allocated before the bytes it holds have arrived. */
class ByteQueue {
  private chunks: Uint8Array[] = [];
  private head = 0;
  private available = 0;
  private ended = false;
  private readonly it: AsyncIterator<Uint8Array>;
  constructor(source: AsyncIterable<Uint8Array>) { this.it = source[Symbol.asyncIterator](); }

  /** Pulls until `n` bytes are buffered; false when the stream ended first. */
  async fill(n: number): Promise<boolean> {
    while (this.available < n && !this.ended) {
      const r = await this.it.next();
      if (r.done) { this.ended = true; break; }
      if (r.value.byteLength > 0) { this.chunks.push(r.value); this.available += r.value.byteLength; }
    }
    return this.available >= n;
  }

  get buffered(): number { return this.available; }

  /** Copies the next n (buffered) bytes into `dst` at `at`. */
  take(n: number, dst: Uint8Array, at: number): void {
    let left = n;
    while (left > 0) {
      const c = this.chunks[0]!;
      const k = Math.min(left, c.byteLength - this.head);
      dst.set(c.subarray(this.head, this.head + k), at);
      at += k; left -= k; this.head += k;
      if (this.head === c.byteLength) { this.chunks.shift(); this.head = 0; }
    }
    this.available -= n;
  }

  async atEnd(): Promise<boolean> { return !(await this.fill(1)); }
}

const CONTINUATION = 0xffffffff;

/**
 * Frames `source` (IPC stream bytes, chunked anyhow) into messages, validates each with `validator`, and
 * yields it; ends after the end-of-stream marker. Throws InvalidArgumentError (see the module comment).
 */
export async function* validatedMessages(source: AsyncIterable<Uint8Array>, validator = new IpcStreamValidator()): AsyncGenerator<ValidatedMessage> {
  const q = new ByteQueue(source);
  const prefix = new Uint8Array(8);
  const pv = new DataView(prefix.buffer);
  for (;;) {
    if (!(await q.fill(8))) {
      const got = q.buffered;
      invalid(`the Arrow stream is truncated or has trailing bytes (no end-of-stream marker at its end; ${validator.rows} rows read${got > 0 ? `, ${got} bytes left over` : ''})`);
    }
    q.take(8, prefix, 0);
    if (pv.getUint32(0, true) !== CONTINUATION) {
      invalid(`invalid Arrow IPC stream after ${validator.rows} rows: a message does not start with the continuation marker 0xFFFFFFFF (legacy pre-0.15 streams are not read)`);
    }
    const metaLength = pv.getInt32(4, true);
    if (metaLength === 0) {
      if (!validator.fields) invalid('the Arrow stream ends before its schema message');
      if (!(await q.atEnd())) invalid(`the Arrow stream is truncated or has trailing bytes (bytes after its end-of-stream marker; ${validator.rows} rows read)`);
      return;
    }
    if (metaLength < 0 || metaLength > MAX_METADATA_BYTES) invalid(`an Arrow IPC message claims ${metaLength} bytes of metadata (at most ${MAX_METADATA_BYTES})`);
    if (!(await q.fill(metaLength))) invalid(`the Arrow stream is truncated inside a message's metadata (${validator.rows} rows read)`);
    const padded = (metaLength + 7) & ~7;
    const metadata = new Uint8Array(padded);
    q.take(metaLength, metadata, 0);
    const bodyLength = peekBodyLength(metadata);
    if (!(bodyLength >= 0)) invalid(`an Arrow IPC message claims a body of ${bodyLength} bytes`);
    if (!(await q.fill(bodyLength))) {
      invalid(`the Arrow stream is truncated: a message claims a ${bodyLength}-byte body, ${q.buffered} bytes followed (${validator.rows} rows read)`);
    }
    const bytes = new Uint8Array(8 + padded + bodyLength);
    const dv = new DataView(bytes.buffer);
    dv.setUint32(0, CONTINUATION, true);
    dv.setInt32(4, padded, true);
    bytes.set(metadata, 8);
    q.take(bodyLength, bytes, 8 + padded);
    const body = bytes.subarray(8 + padded);
    const { kind, rows } = validator.message(metadata.subarray(0, metaLength), body);
    yield { kind, bytes, rows };
  }
}

/** The body length a message's metadata claims (validated again, with the rest, by IpcStreamValidator). */
function peekBodyLength(metadata: Uint8Array): number {
  return new Fb(metadata, 'message metadata', 4).root().i64(3);
}

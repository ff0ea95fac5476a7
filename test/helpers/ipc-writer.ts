/**
 * A small Arrow IPC *stream* writer of our own, for hostile-input tests: every claimed number (record batch
 * length, field node lengths and null counts, buffer offsets and lengths, body length, dictionary ids, metadata
 * version) is whatever the test says, so it can produce each malformed shape the server must refuse. It
 * shares no code with the server's reader or validator.
 *
 * Flatbuffers are written front to back: a table's vtable just before it, then the objects it refers to
 * (uoffsets always point forward); an object referred to twice is written once (a DAG, for the "exponential
 * schema" shape).
 */

// ------------------------------------------------------------------------------------------------
// Flatbuffers

export type FbScalar = { t: 'u8' | 'i16' | 'i32'; v: number } | { t: 'i64'; v: number | bigint };
export type FbObj =
  | { kind: 'table'; fields: (FbScalar | { t: 'ref'; obj: FbObj } | undefined)[] }
  | { kind: 'structs'; elemSize: number; bytes: Uint8Array; claim?: number }
  | { kind: 'refs'; items: FbObj[] }
  | { kind: 'string'; value: string };

const SIZE = { u8: 1, i16: 2, i32: 4, i64: 8, ref: 4 } as const;

export const table = (...fields: (FbScalar | { t: 'ref'; obj: FbObj } | undefined)[]): FbObj => ({ kind: 'table', fields });
export const ref = (obj: FbObj) => ({ t: 'ref' as const, obj });
export const u8 = (v: number): FbScalar => ({ t: 'u8', v });
export const i16 = (v: number): FbScalar => ({ t: 'i16', v });
export const i32 = (v: number): FbScalar => ({ t: 'i32', v });
export const i64 = (v: number | bigint): FbScalar => ({ t: 'i64', v });
export const str = (value: string): FbObj => ({ kind: 'string', value });
export const refs = (items: FbObj[]): FbObj => ({ kind: 'refs', items });
/** A vector of 16-byte structs of two int64 (FieldNode, Buffer). */
export function pairs(list: readonly (readonly [number | bigint, number | bigint])[]): FbObj {
  const bytes = new Uint8Array(16 * list.length);
  const dv = new DataView(bytes.buffer);
  list.forEach(([a, b], i) => { dv.setBigInt64(16 * i, BigInt(a), true); dv.setBigInt64(16 * i + 8, BigInt(b), true); });
  return { kind: 'structs', elemSize: 16, bytes };
}
export function int64s(list: readonly number[]): FbObj {
  const bytes = new Uint8Array(8 * list.length);
  const dv = new DataView(bytes.buffer);
  list.forEach((v, i) => dv.setBigInt64(8 * i, BigInt(v), true));
  return { kind: 'structs', elemSize: 8, bytes };
}
export function int32s(list: readonly number[]): FbObj {
  const bytes = new Uint8Array(4 * list.length);
  const dv = new DataView(bytes.buffer);
  list.forEach((v, i) => dv.setInt32(4 * i, v, true));
  return { kind: 'structs', elemSize: 4, bytes };
}

class Out {
  buf = new Uint8Array(256);
  len = 0;
  private dv = new DataView(this.buf.buffer);
  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const b = new Uint8Array(Math.max(this.buf.length * 2, this.len + n));
    b.set(this.buf);
    this.buf = b;
    this.dv = new DataView(b.buffer);
  }
  pad(to: number): void { while (this.len % to !== 0) this.put(1, 0); }
  put(size: number, v: number | bigint): number {
    this.ensure(size);
    const p = this.len;
    if (size === 1) this.dv.setUint8(p, Number(v));
    else if (size === 2) this.dv.setInt16(p, Number(v), true);
    else if (size === 4) this.dv.setUint32(p, Number(v) >>> 0, true);
    else this.dv.setBigInt64(p, BigInt(v), true);
    this.len += size;
    return p;
  }
  bytes(b: Uint8Array): void { this.ensure(b.length); this.buf.set(b, this.len); this.len += b.length; }
  patch32(at: number, v: number): void { this.dv.setUint32(at, v, true); }
  setI32(at: number, v: number): void { this.dv.setInt32(at, v, true); }
}

/** The flatbuffer bytes of `root`. */
export function buildFlatbuffer(root: FbObj): Uint8Array {
  const out = new Out();
  const written = new Map<FbObj, number>();
  out.put(4, 0);
  const patchRef = (at: number, obj: FbObj) => { out.patch32(at, write(obj) - at); };
  function write(obj: FbObj): number {
    const known = written.get(obj);
    if (known !== undefined) return known;
    let pos: number;
    if (obj.kind === 'table') {
      // inline layout: soffset, then the fields in order, each at its natural alignment from the (8-aligned) table start
      const offs: number[] = [];
      let size = 4;
      for (const f of obj.fields) {
        if (!f) { offs.push(0); continue; }
        const s = SIZE[f.t];
        size = Math.ceil(size / s) * s;
        offs.push(size);
        size += s;
      }
      const vtSize = 4 + 2 * obj.fields.length;
      out.pad(2);
      // place the vtable so that the table after it starts 8-aligned
      while ((out.len + vtSize) % 8 !== 0) out.put(1, 0);
      const vt = out.len;
      out.put(2, vtSize);
      out.put(2, size);
      for (const o of offs) out.put(2, o);
      pos = out.len;
      out.put(4, 0);
      out.setI32(pos, pos - vt);
      const refsToPatch: [number, FbObj][] = [];
      obj.fields.forEach((f, i) => {
        if (!f) return;
        while (out.len < pos + offs[i]!) out.put(1, 0);
        if (f.t === 'ref') { refsToPatch.push([out.put(4, 0), f.obj]); return; }
        out.put(SIZE[f.t], f.v);
      });
      while (out.len < pos + size) out.put(1, 0);
      written.set(obj, pos);
      for (const [at, child] of refsToPatch) patchRef(at, child);
      return pos;
    }
    if (obj.kind === 'structs') {
      while ((out.len + 4) % 8 !== 0) out.put(1, 0);
      pos = out.put(4, obj.claim ?? obj.bytes.length / obj.elemSize);
      out.bytes(obj.bytes);
    } else if (obj.kind === 'string') {
      out.pad(4);
      const b = Buffer.from(obj.value);
      pos = out.put(4, b.length);
      out.bytes(b);
      out.put(1, 0);
    } else {
      out.pad(4);
      pos = out.put(4, obj.items.length);
      const slots = obj.items.map(() => out.put(4, 0));
      written.set(obj, pos);
      obj.items.forEach((item, i) => patchRef(slots[i]!, item));
      return pos;
    }
    written.set(obj, pos);
    return pos;
  }
  out.patch32(0, write(root));
  out.pad(8);
  return out.buf.slice(0, out.len);
}

// ------------------------------------------------------------------------------------------------
// Arrow metadata (Schema.fbs, Message.fbs)

/** Type ids of Schema.fbs and their type tables. */
export const T = {
  null: () => ({ id: 1, table: table() }),
  int: (bits: number, signed = true) => ({ id: 2, table: table(i32(bits), u8(signed ? 1 : 0)) }),
  float: (precision: 0 | 1 | 2) => ({ id: 3, table: table(i16(precision)) }),
  binary: () => ({ id: 4, table: table() }),
  utf8: () => ({ id: 5, table: table() }),
  bool: () => ({ id: 6, table: table() }),
  timestamp: (unit: 0 | 1 | 2 | 3) => ({ id: 10, table: table(i16(unit)) }),
  list: () => ({ id: 12, table: table() }),
  struct: () => ({ id: 13, table: table() }),
  largeUtf8: () => ({ id: 20, table: table() }),
  /** Any type id with an empty type table (e.g. 22 run-end encoded, 99 unknown). */
  raw: (id: number) => ({ id, table: table() }),
};
export type TypeSpec = { id: number; table: FbObj };

export interface FieldSpec {
  name: string;
  type: TypeSpec;
  nullable?: boolean;
  dictionary?: { id: number; indexBits?: number; signed?: boolean };
  children?: FieldSpec[];
}

export function fieldTable(f: FieldSpec, memo = new Map<FieldSpec, FbObj>()): FbObj {
  const known = memo.get(f);
  if (known) return known;
  const d = f.dictionary;
  const obj = table(
    ref(str(f.name)), u8(f.nullable === false ? 0 : 1), u8(f.type.id), ref(f.type.table),
    d ? ref(table(i64(d.id), ref(table(i32(d.indexBits ?? 32), u8(d.signed === false ? 0 : 1))), u8(0))) : undefined,
    ref(refs((f.children ?? []).map((c) => fieldTable(c, memo)))),
  );
  memo.set(f, obj);
  return obj;
}

const CONTINUATION = 0xffffffff;
const V5 = 4;

/** A framed message: continuation marker, metadata length, metadata (padded to 8), body (as given). */
export function frame(metadata: Uint8Array, body: Uint8Array = new Uint8Array(0)): Uint8Array {
  const padded = Math.ceil(metadata.length / 8) * 8;
  const out = new Uint8Array(8 + padded + body.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, CONTINUATION, true);
  dv.setInt32(4, padded, true);
  out.set(metadata, 8);
  out.set(body, 8 + padded);
  return out;
}

function message(headerType: number, header: FbObj, bodyLength: number | bigint, version = V5): Uint8Array {
  return buildFlatbuffer(table(i16(version), u8(headerType), ref(header), i64(bodyLength)));
}

export function schemaMessage(fields: FieldSpec[], o: { version?: number; bigEndian?: boolean } = {}): Uint8Array {
  const memo = new Map<FieldSpec, FbObj>();
  return frame(message(1, table(i16(o.bigEndian ? 1 : 0), ref(refs(fields.map((f) => fieldTable(f, memo))))), 0, o.version));
}

export interface BatchSpec {
  length: number | bigint;
  /** The count the nodes vector claims (default its true length). */
  claimNodes?: number;
  /** [length, null_count] per field node, in pre-order. */
  nodes: (readonly [number | bigint, number | bigint])[];
  /** [offset, length] per buffer, in layout order. */
  buffers: (readonly [number | bigint, number | bigint])[];
  compressed?: boolean;
  variadic?: number[];
}

function recordBatchTable(b: BatchSpec): FbObj {
  const nodes = pairs(b.nodes);
  if (b.claimNodes !== undefined && nodes.kind === 'structs') nodes.claim = b.claimNodes;
  return table(i64(b.length), ref(nodes), ref(pairs(b.buffers)), b.compressed ? ref(table(u8(0), u8(0))) : undefined,
    b.variadic ? ref(int64s(b.variadic)) : undefined);
}

export function recordBatchMessage(b: BatchSpec, body: Uint8Array, o: { bodyLength?: number | bigint; version?: number } = {}): Uint8Array {
  return frame(message(3, recordBatchTable(b), o.bodyLength ?? body.length, o.version), body);
}

export function dictionaryBatchMessage(id: number, b: BatchSpec, body: Uint8Array, o: { delta?: boolean } = {}): Uint8Array {
  return frame(message(2, table(i64(id), ref(recordBatchTable(b)), u8(o.delta ? 1 : 0)), body.length), body);
}

export const EOS = Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]);

export function concat(...parts: Uint8Array[]): Uint8Array {
  return Buffer.concat(parts);
}

// ------------------------------------------------------------------------------------------------
// Bodies

/** A message body: buffers appended 8-byte aligned; `add` returns their [offset, length]. */
export class Body {
  private parts: Uint8Array[] = [];
  private size = 0;
  add(b: ArrayBufferView): [number, number] {
    const bytes = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    const at = this.size;
    this.parts.push(bytes);
    this.size += bytes.length;
    const pad = (8 - (this.size % 8)) % 8;
    if (pad) { this.parts.push(new Uint8Array(pad)); this.size += pad; }
    return [at, bytes.length];
  }
  /** An empty (absent) buffer. */
  none(): [number, number] { return [this.size, 0]; }
  bytes(): Uint8Array { return Buffer.concat(this.parts); }
}

/** Offsets + data of strings (Utf8). */
export function utf8Buffers(values: readonly string[]): { offsets: Int32Array; data: Uint8Array } {
  const bufs = values.map((v) => Buffer.from(v));
  const offsets = new Int32Array(values.length + 1);
  bufs.forEach((b, i) => { offsets[i + 1] = offsets[i]! + b.length; });
  return { offsets, data: Buffer.concat(bufs) };
}

/** A validity bitmap with `valid(i)` set. */
export function bitmap(n: number, valid: (i: number) => boolean): Uint8Array {
  const out = new Uint8Array(Math.ceil(n / 8));
  for (let i = 0; i < n; i++) if (valid(i)) out[i >> 3]! |= 1 << (i & 7);
  return out;
}

/** How a test bends a batch: `data` edits the buffers' bytes before they are laid out, `claims` the metadata after. */
export interface Tamper {
  data?: (bufs: Uint8Array[]) => void;
  claims?: (b: BatchSpec) => void;
}

/** A record batch message of `bufs` laid out in a body (empty ones as absent), with `nodes`, bent by `tamper`. */
export function tamperedBatch(length: number, nodes: BatchSpec['nodes'], bufs: Uint8Array[], tamper: Tamper = {}): Uint8Array {
  tamper.data?.(bufs);
  const body = new Body();
  const spec: BatchSpec = { length, nodes, buffers: bufs.map((b) => (b.length === 0 ? body.none() : body.add(b))) };
  tamper.claims?.(spec);
  return recordBatchMessage(spec, body.bytes());
}

const bytesOf = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** An interactions stream of plain Utf8 source_id / target_id (buffers: validity, offsets, data of each), bent by `tamper`. */
export function interactionsStream(sources: readonly string[], targets: readonly string[], tamper?: Tamper): Uint8Array {
  const s = utf8Buffers(sources);
  const t = utf8Buffers(targets);
  const bufs = [new Uint8Array(0), bytesOf(s.offsets), s.data, new Uint8Array(0), bytesOf(t.offsets), t.data];
  return concat(
    schemaMessage([{ name: 'source_id', type: T.utf8(), nullable: false }, { name: 'target_id', type: T.utf8(), nullable: false }]),
    tamperedBatch(sources.length, [[sources.length, 0], [targets.length, 0]], bufs, tamper), EOS,
  );
}

/**
 * An interactions stream whose source_id is dictionary-encoded (int32 indices) and target_id plain Utf8: one
 * dictionary batch with `dictionary`, then one record batch with `indices` (buffers: validity, indices, then
 * target_id's validity, offsets, data), bent by `tamper`.
 */
export function dictionaryStream(dictionary: readonly string[], indices: readonly number[], tamper?: Tamper): Uint8Array {
  const d = utf8Buffers(dictionary);
  const db = new Body();
  const dictBatch = dictionaryBatchMessage(0, { length: dictionary.length, nodes: [[dictionary.length, 0]], buffers: [db.none(), db.add(d.offsets), db.add(d.data)] }, db.bytes());
  const t = utf8Buffers(indices.map((_, i) => `t${i % 7}`));
  const bufs = [new Uint8Array(0), bytesOf(Int32Array.from(indices)), new Uint8Array(0), bytesOf(t.offsets), t.data];
  return concat(
    schemaMessage([{ name: 'source_id', type: T.utf8(), nullable: false, dictionary: { id: 0 } }, { name: 'target_id', type: T.utf8(), nullable: false }]),
    dictBatch, tamperedBatch(indices.length, [[indices.length, 0], [indices.length, 0]], bufs, tamper), EOS,
  );
}

/**
 * Conversions of one input column (one record batch's Data) to its stored type (layout.ts), with the
 * per-row checks. Plain Utf8 / Float32 inputs are passed through without copying. Rows in messages are
 * global: `rowBase` is the number of rows of the upload before this record batch; rows are 0-based.
 */
import { Float32, Float64, makeData, Utf8, type Data, type Vector } from 'apache-arrow';
import { InvalidArgumentError } from '../errors.js';
import type { ColumnKind } from './layout.js';
import type { NumberSource, StringSource, TimestampSource } from './ingest-schema.js';

function bitIsSet(bitmap: Uint8Array, bit: number): boolean {
  return (bitmap[bit >> 3]! & (1 << (bit & 7))) !== 0;
}

/** The validity bitmap of `d` re-based to bit 0 (undefined when there are no nulls). */
export function alignedBitmap(d: Data): Uint8Array | undefined {
  if (d.nullCount === 0 || !d.nullBitmap || d.nullBitmap.length === 0) return undefined;
  if ((d.offset & 7) === 0) return d.nullBitmap.subarray(d.offset >> 3, (d.offset >> 3) + ((d.length + 7) >> 3));
  const out = new Uint8Array((d.length + 7) >> 3);
  for (let i = 0; i < d.length; i++) if (bitIsSet(d.nullBitmap, d.offset + i)) out[i >> 3]! |= 1 << (i & 7);
  return out;
}

function validAt(bitmap: Uint8Array | undefined, i: number): boolean {
  return bitmap === undefined || bitIsSet(bitmap, i);
}

/** Low 32-bit words of a 64-bit little-endian integer array (offsets / indices that fit in int32). */
function lowWords(a: ArrayBufferView, length: number): Int32Array {
  const w = new Int32Array(a.buffer, a.byteOffset, length * 2);
  const out = new Int32Array(length);
  for (let i = 0; i < length; i++) out[i] = w[2 * i]!;
  return out;
}

/** Numbers of a 64-bit integer array as doubles (exact below 2^53). */
function int64ToDoubles(a: ArrayBufferView, length: number, signed: boolean): Float64Array {
  const w = new Int32Array(a.buffer, a.byteOffset, length * 2);
  const out = new Float64Array(length);
  for (let i = 0; i < length; i++) {
    const hi = w[2 * i + 1]!;
    out[i] = (signed ? hi : hi >>> 0) * 4294967296 + (w[2 * i]! >>> 0);
  }
  return out;
}

interface FlatUtf8 { offsets: Int32Array; bytes: Uint8Array; length: number; valid: Uint8Array | undefined }

/** A dictionary (all chunks, incl. deltas) as one offsets/bytes pair; cached per dictionary vector. */
const flatDictionaries = new WeakMap<Vector, FlatUtf8>();
function flatDictionary(dict: Vector): FlatUtf8 {
  let flat = flatDictionaries.get(dict);
  if (flat) return flat;
  const parts = dict.data.map((d) => utf8Parts(d as Data));
  const length = parts.reduce((n, p) => n + p.length, 0);
  const total = parts.reduce((n, p) => n + (p.offsets[p.length]! - p.offsets[0]!), 0);
  const offsets = new Int32Array(length + 1);
  const bytes = new Uint8Array(total);
  const valid = parts.some((p) => p.valid) ? new Uint8Array((length + 7) >> 3).fill(0xff) : undefined;
  let k = 0;
  let pos = 0;
  for (const p of parts) {
    const base = p.offsets[0]!;
    const end = p.offsets[p.length]!;
    bytes.set(p.bytes.subarray(base, end), pos);
    for (let i = 0; i < p.length; i++) {
      offsets[k] = pos + p.offsets[i]! - base;
      if (valid && !validAt(p.valid, i)) valid[k >> 3]! &= ~(1 << (k & 7));
      k++;
    }
    pos += end - base;
  }
  offsets[length] = pos;
  flat = { offsets, bytes, length, valid };
  flatDictionaries.set(dict, flat);
  return flat;
}

/** Offsets/bytes/validity of a Utf8 or LargeUtf8 Data (not dictionary). */
function utf8Parts(d: Data): FlatUtf8 {
  const large = !(d.valueOffsets instanceof Int32Array);
  const offsets = large ? lowWords(d.valueOffsets as ArrayBufferView, d.length + 1) : (d.valueOffsets as Int32Array);
  return { offsets, bytes: d.values as Uint8Array, length: d.length, valid: alignedBitmap(d) };
}

function copyBytes(src: Uint8Array, from: number, to: number, dst: Uint8Array, at: number): void {
  if (to - from > 24) dst.set(src.subarray(from, to), at);
  else for (let k = from; k < to; k++) dst[at++] = src[k]!;
}

/** Decodes dictionary indices into a plain Utf8 column. */
function decodeDictionary(d: Data): FlatUtf8 {
  const dict = flatDictionary(d.dictionary as Vector);
  const n = d.length;
  const raw = d.values as ArrayBufferView & ArrayLike<number | bigint>;
  const idx: ArrayLike<number> = raw instanceof BigInt64Array || raw instanceof BigUint64Array ? lowWords(raw, n) : (raw as ArrayLike<number>);
  const inValid = alignedBitmap(d);
  let valid: Uint8Array | undefined = inValid ? inValid.slice() : undefined;
  let total = 0;
  for (let i = 0; i < n; i++) {
    if (!validAt(inValid, i)) continue;
    const j = idx[i]!; // in range: the message was validated (ipc-validator.ts)
    if (dict.valid && !validAt(dict.valid, j)) {
      valid ??= new Uint8Array((n + 7) >> 3).fill(0xff);
      valid[i >> 3]! &= ~(1 << (i & 7));
      continue;
    }
    total += dict.offsets[j + 1]! - dict.offsets[j]!;
  }
  const offsets = new Int32Array(n + 1);
  const bytes = new Uint8Array(total);
  let pos = 0;
  for (let i = 0; i < n; i++) {
    offsets[i] = pos;
    if (!validAt(valid, i)) continue;
    const j = idx[i]!;
    const a = dict.offsets[j]!;
    const b = dict.offsets[j + 1]!;
    copyBytes(dict.bytes, a, b, bytes, pos);
    pos += b - a;
  }
  offsets[n] = pos;
  return { offsets, bytes, length: n, valid };
}

function countNulls(valid: Uint8Array | undefined, n: number): number {
  if (!valid) return 0;
  let c = 0;
  for (let i = 0; i < n; i++) if (!bitIsSet(valid, i)) c++;
  return c;
}

export interface Utf8Out { data: Data<Utf8>; offsets: Int32Array; bytes: Uint8Array; valid: Uint8Array | undefined }

/**
 * A string column as stored Utf8. `required`: every row must have a non-empty value (ids), else
 * INVALID_ARGUMENT naming the column and the first offending row.
 */
export function toUtf8(d: Data, from: StringSource, column: string, rowBase: number, required: boolean): Utf8Out {
  const flat = from === 'dictionary' ? decodeDictionary(d) : utf8Parts(d);
  const { offsets, bytes, valid, length: n } = flat;
  if (required) {
    for (let i = 0; i < n; i++) {
      if (!validAt(valid, i)) throw new InvalidArgumentError(`column "${column}" row ${rowBase + i}: null ${column} (required)`, { field: `${column}[${rowBase + i}]` });
      if (offsets[i + 1] === offsets[i]) throw new InvalidArgumentError(`column "${column}" row ${rowBase + i}: empty ${column} (required)`, { field: `${column}[${rowBase + i}]` });
    }
  }
  const nullCount = from === 'utf8' && d.offset === 0 ? d.nullCount : countNulls(valid, n);
  const data = makeData({ type: new Utf8(), length: n, nullCount, nullBitmap: valid ?? null, valueOffsets: offsets, data: bytes });
  return { data, offsets, bytes, valid };
}

/** An absent column of a kind: all null, in its stored type. */
export function nullColumn(kind: ColumnKind, n: number): Data {
  const nullBitmap = new Uint8Array((n + 7) >> 3);
  if (kind === 'timestamp') return makeData({ type: new Float64(), length: n, nullCount: n, nullBitmap, data: new Float64Array(n) });
  if (kind === 'weight') return makeData({ type: new Float32(), length: n, nullCount: n, nullBitmap, data: new Float32Array(n) });
  return makeData({ type: new Utf8(), length: n, nullCount: n, nullBitmap, valueOffsets: new Int32Array(n + 1), data: new Uint8Array(0) });
}

export interface TimestampOut { data: Data<Float64>; min: number; max: number; nulls: number }

/**
 * The instants a stored timestamp may hold, in epoch ms: those of google.protobuf.Timestamp (0001-01-01T00:00:00Z
 * to 9999-12-31T23:59:59.999Z), which every batch's min/max interaction time is sent as. Exact as doubles.
 */
export const MIN_TIMESTAMP_MS = -62_135_596_800_000;
export const MAX_TIMESTAMP_MS = 253_402_300_799_999;

/**
 * A timestamp column as epoch milliseconds (Float64; null stays null, value NaN). A value outside
 * MIN_TIMESTAMP_MS..MAX_TIMESTAMP_MS is INVALID_ARGUMENT naming the column and row.
 */
export function toTimestampMs(d: Data, from: TimestampSource, column: string, rowBase: number): TimestampOut {
  const n = d.length;
  const valid = alignedBitmap(d);
  const ms = from.bits === 32 ? Float64Array.from((d.values as Int32Array).subarray(0, n)) : int64ToDoubles(d.values as ArrayBufferView, n, true);
  if (from.msPerUnit !== 1) { const f = from.msPerUnit; for (let i = 0; i < n; i++) ms[i] = ms[i]! * f; }
  let min = Infinity;
  let max = -Infinity;
  let nulls = 0;
  for (let i = 0; i < n; i++) {
    if (!validAt(valid, i)) { ms[i] = NaN; nulls++; continue; }
    const v = ms[i]!;
    if (!(v >= MIN_TIMESTAMP_MS && v <= MAX_TIMESTAMP_MS)) {
      throw new InvalidArgumentError(`column "${column}" row ${rowBase + i}: timestamp ${timestampText(d, from, i)} is outside years 1..9999 (what a batch's times and google.protobuf.Timestamp can hold)`, { field: `${column}[${rowBase + i}]` });
    }
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { data: makeData({ type: new Float64(), length: n, nullCount: nulls, nullBitmap: valid ?? null, data: ms }), min, max, nulls };
}

/** The raw value of row i of a timestamp column, with its unit, for messages (int64 values exactly). */
function timestampText(d: Data, from: TimestampSource, i: number): string {
  const raw = from.bits === 32 ? String((d.values as Int32Array)[i]) : String(new BigInt64Array((d.values as ArrayBufferView).buffer, (d.values as ArrayBufferView).byteOffset, d.length)[i]);
  const unit = from.msPerUnit === 1000 ? 's' : from.msPerUnit === 1 ? 'ms' : from.msPerUnit === 1e-3 ? 'us' : 'ns';
  return `${raw} ${unit}`;
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (m / 1024);
  if (e === 31) return m ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + m / 1024);
}

/** A weight column as Float32 (null stays null); every non-null weight must be finite. */
export function toWeight(d: Data, from: NumberSource, column: string, rowBase: number): Data<Float32> {
  const n = d.length;
  const valid = alignedBitmap(d);
  let w: Float32Array;
  if (from === 'float32') w = (d.values as Float32Array).subarray(0, n);
  else if (from === 'float16') { const h = d.values as Uint16Array; w = new Float32Array(n); for (let i = 0; i < n; i++) w[i] = halfToFloat(h[i]!); }
  else if (from === 'int64' || from === 'uint64') w = Float32Array.from(int64ToDoubles(d.values as ArrayBufferView, n, from === 'int64'));
  else w = Float32Array.from((d.values as Float64Array).subarray(0, n));
  let nulls = 0;
  for (let i = 0; i < n; i++) {
    if (!validAt(valid, i)) { nulls++; continue; }
    if (!Number.isFinite(w[i]!)) {
      throw new InvalidArgumentError(`column "${column}" row ${rowBase + i}: weight ${w[i]} is not a finite number${from === 'float64' ? ' (or overflows float32)' : ''}`, { field: `${column}[${rowBase + i}]` });
    }
  }
  return makeData({ type: new Float32(), length: n, nullCount: nulls, nullBitmap: valid ?? null, data: w });
}

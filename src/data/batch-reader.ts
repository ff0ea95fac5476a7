/**
 * Reading the normalized stored batch files (layout.ts) fast.
 *
 * `readStoredBatch(path)` is a *synchronous* generator of Arrow record batches (<= STORED_BATCH_ROWS rows
 * each): the file is read in READ_CHUNK_BYTES pieces, never whole, and arrow-js decodes each message as
 * it arrives. Sync because it is the fastest path (no promise per message); a caller on the server's
 * event loop that reads millions of rows should yield (`await setImmediate()`) between record batches.
 *
 * The column helpers turn one record batch into plain typed arrays / JS strings so that callers (data
 * selection, training) need no arrow-js knowledge:
 *   - strings: `(string | null)[]`, decoded from the Utf8 buffers directly (one latin1 decode of the whole
 *     value buffer + substring when it is ASCII, per-value utf8 decode otherwise);
 *   - `timestampMs` Float64Array and `weight` Float32Array with NaN for null;
 *   - `utf8Raw` gives the raw offsets/bytes/validity for callers that hash bytes without decoding.
 * Returned typed arrays may alias Arrow's buffers: treat them as read-only.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { RecordBatchReader, type Data, type RecordBatch } from 'apache-arrow';

export const READ_CHUNK_BYTES = 4 * 1024 * 1024;

function* fileChunks(path: string, chunkBytes: number): Generator<Uint8Array> {
  const fd = openSync(path, 'r');
  try {
    for (;;) {
      // A fresh buffer per read: arrow-js keeps views into the chunks it was given.
      const buf = Buffer.allocUnsafeSlow(chunkBytes);
      const n = readSync(fd, buf, 0, chunkBytes, null);
      if (n === 0) return;
      yield n === chunkBytes ? buf : buf.subarray(0, n);
    }
  } finally {
    closeSync(fd);
  }
}

/** The record batches of a stored batch file, in order (sync; see above). */
export function* readStoredBatch(path: string, chunkBytes = READ_CHUNK_BYTES): Generator<RecordBatch> {
  const reader = RecordBatchReader.from(fileChunks(path, chunkBytes));
  for (const batch of reader) yield batch as RecordBatch;
}

/** The Data of a column of one record batch (`undefined` when the column is absent). */
function columnData(batch: RecordBatch, name: string): Data | undefined {
  const idx = batch.schema.fields.findIndex((f) => f.name === name);
  return idx < 0 ? undefined : (batch.data.children[idx] as Data);
}

function isValid(bitmap: Uint8Array, bit: number): boolean {
  return (bitmap[bit >> 3]! & (1 << (bit & 7))) !== 0;
}

/** Raw Utf8 buffers of a column: value i is `bytes[offsets[i] .. offsets[i+1])`, null when `valid(i)` is false. */
export interface Utf8Raw {
  length: number;
  offsets: Int32Array;
  bytes: Uint8Array;
  nullCount: number;
  valid(i: number): boolean;
}

export function utf8Raw(batch: RecordBatch, name: string): Utf8Raw | undefined {
  const d = columnData(batch, name);
  if (!d) return undefined;
  const bitmap = d.nullBitmap;
  const off = d.offset;
  const hasNulls = d.nullCount > 0 && bitmap !== undefined && bitmap.length > 0;
  return {
    length: d.length,
    offsets: d.valueOffsets as Int32Array,
    bytes: d.values as Uint8Array,
    nullCount: hasNulls ? d.nullCount : 0,
    valid: hasNulls ? (i) => isValid(bitmap, off + i) : () => true,
  };
}

function isAscii(bytes: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (bytes[i]! >= 0x80) return false;
  return true;
}

/** Decodes a Utf8 column of one record batch to JS strings (null for null values). */
export function decodeUtf8(raw: Utf8Raw): (string | null)[] {
  const { length, offsets, bytes } = raw;
  const out = new Array<string | null>(length);
  if (length === 0) return out;
  const start = offsets[0]!;
  const end = offsets[length]!;
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (isAscii(bytes, start, end)) {
    const all = buf.toString('latin1', start, end);
    for (let i = 0; i < length; i++) out[i] = all.substring(offsets[i]! - start, offsets[i + 1]! - start);
  } else {
    for (let i = 0; i < length; i++) out[i] = buf.toString('utf8', offsets[i]!, offsets[i + 1]!);
  }
  if (raw.nullCount > 0) for (let i = 0; i < length; i++) if (!raw.valid(i)) out[i] = null;
  return out;
}

/** A string column of one record batch; all-null array when the column is absent. */
export function stringColumn(batch: RecordBatch, name: string): (string | null)[] {
  const raw = utf8Raw(batch, name);
  return raw ? decodeUtf8(raw) : new Array<string | null>(batch.numRows).fill(null);
}

function floatColumn<T extends Float64Array | Float32Array>(batch: RecordBatch, name: string, make: (n: number) => T): T {
  const d = columnData(batch, name);
  if (!d) return make(batch.numRows).fill(NaN) as T;
  const values = (d.values as T).subarray(0, d.length) as T;
  if (d.nullCount === 0 || !d.nullBitmap || d.nullBitmap.length === 0) return values;
  const out = make(d.length);
  out.set(values);
  const bitmap = d.nullBitmap;
  for (let i = 0; i < d.length; i++) if (!isValid(bitmap, d.offset + i)) out[i] = NaN;
  return out;
}

/** `timestamp_ms` (epoch ms) with NaN for "no timestamp". */
export function timestampMsColumn(batch: RecordBatch): Float64Array {
  return floatColumn(batch, 'timestamp_ms', (n) => new Float64Array(n));
}

/** `weight` with NaN for null (the layout's meaning: weight 1). */
export function weightColumn(batch: RecordBatch): Float32Array {
  return floatColumn(batch, 'weight', (n) => new Float32Array(n));
}

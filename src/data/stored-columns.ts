import type { RecordBatch, Vector } from 'apache-arrow';
import { stringColumn } from './batch-reader.js';

/**
 * Fast column access to the stored (normalized) Arrow files described in layout.ts: strings decoded
 * straight from the offsets/values buffers, numbers as typed arrays with a validity check.
 */
export type Utf8Col = (string | null)[];

function isValidAt(bitmap: Uint8Array | undefined | null, offset: number, i: number): boolean {
  if (!bitmap || bitmap.length === 0) return true;
  const j = offset + i;
  return ((bitmap[j >> 3]! >> (j & 7)) & 1) === 1;
}

/** Decodes a Utf8 column (missing column -> all null): batch-reader's decoder (one latin1 decode when ASCII). */
export function utf8Column(batch: RecordBatch, name: string): Utf8Col {
  return stringColumn(batch, name);
}

/** Per-value decoding (reference for utf8Column). */
export function utf8ColumnPerValue(batch: RecordBatch, name: string): Utf8Col {
  const vec = batch.getChild(name) as Vector | null;
  const out: Utf8Col = new Array(batch.numRows);
  if (!vec) { out.fill(null); return out; }
  let k = 0;
  for (const d of vec.data) {
    const offsets = d.valueOffsets as Int32Array;
    const values = d.values as Uint8Array;
    const buf = Buffer.from(values.buffer, values.byteOffset, values.byteLength);
    const bitmap = d.nullCount > 0 ? d.nullBitmap : undefined;
    for (let i = 0; i < d.length; i++) {
      out[k++] = isValidAt(bitmap, d.offset, i) ? buf.toString('utf8', offsets[i]!, offsets[i + 1]!) : null;
    }
  }
  return out;
}

/** A numeric column as Float64Array with NaN for null (missing column -> all NaN). */
export function numberColumn(batch: RecordBatch, name: string): Float64Array {
  const vec = batch.getChild(name) as Vector | null;
  const out = new Float64Array(batch.numRows);
  if (!vec) { out.fill(NaN); return out; }
  let k = 0;
  for (const d of vec.data) {
    const values = d.values as ArrayLike<number>;
    const bitmap = d.nullCount > 0 ? d.nullBitmap : undefined;
    for (let i = 0; i < d.length; i++) out[k++] = isValidAt(bitmap, d.offset, i) ? Number(values[i]) : NaN;
  }
  return out;
}

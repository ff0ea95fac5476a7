import { makeData, makeVector, Utf8, type Vector } from 'apache-arrow';

/** A Utf8 vector built straight from the strings' bytes (vectorFromArray is slow for 100k+ strings). */
export function utf8Vector(values: readonly string[]): Vector<Utf8> {
  const bufs = values.map((v) => Buffer.from(v));
  const offsets = new Int32Array(values.length + 1);
  let pos = 0;
  bufs.forEach((b, i) => { offsets[i] = pos; pos += b.length; });
  offsets[values.length] = pos;
  return makeVector(makeData({ type: new Utf8(), length: values.length, nullCount: 0, valueOffsets: offsets, data: Buffer.concat(bufs) }));
}

/** The seeded mutation fuzzer of the hostile-Arrow tests: valid streams to start from, and their mutants. */
import { Dictionary, Float32, Int32, Table, TimestampMillisecond, Utf8, makeData, makeVector, tableToIPC, vectorFromArray, type RecordBatch } from 'apache-arrow';
import { dictionaryStream, interactionsStream } from './ipc-writer.js';

/** Valid streams to mutate: arrow-js output with dictionaries, nulls and several batches, and our own writer's. */
export function seeds(): Uint8Array[] {
  const n = 300;
  const t1 = new Table({
    source_id: vectorFromArray(Array.from({ length: n }, (_, i) => `user-${i % 17}`), new Dictionary(new Utf8(), new Int32())),
    target_id: vectorFromArray(Array.from({ length: n }, (_, i) => `item-${i}-ü`), new Utf8()),
    type: vectorFromArray(Array.from({ length: n }, (_, i) => (i % 3 === 0 ? null : i % 3 === 1 ? 'view' : 'buy')), new Utf8()),
    timestamp: makeVector(makeData({ type: new TimestampMillisecond(), length: n, nullCount: 0, data: BigInt64Array.from({ length: n }, (_, i) => 1_700_000_000_000n + BigInt(i)) })),
    weight: vectorFromArray(Array.from({ length: n }, (_, i) => (i % 5 === 0 ? null : i / 7)), new Float32()),
    metadata: vectorFromArray(Array.from({ length: n }, (_, i) => `{"i":${i}}`), new Utf8()),
  });
  const split = new Table([...t1.slice(0, 100).batches, ...t1.slice(100, 220).batches, ...t1.slice(220).batches] as RecordBatch[]);
  return [
    tableToIPC(t1, 'stream'),
    tableToIPC(split, 'stream'),
    interactionsStream(['a', 'bb', 'ccc', 'é'], ['x', 'y', 'z', 'w']),
    dictionaryStream(['p', 'q', 'r'], [0, 2, 1, 1, 0]),
  ];
}

/** Message starts of a valid stream and where each one's metadata ends (mutations favour metadata). */
function messages(bytes: Uint8Array): { start: number; metaEnd: number }[] {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: { start: number; metaEnd: number }[] = [];
  for (let p = 0; p + 8 <= bytes.length;) {
    const metaLen = dv.getInt32(p + 4, true);
    if (metaLen === 0) break;
    const m = p + 8;
    const root = m + dv.getUint32(m, true);
    const vt = root - dv.getInt32(root, true);
    const off = dv.getUint16(vt, true) > 10 ? dv.getUint16(vt + 10, true) : 0;
    const body = off ? Number(dv.getBigInt64(root + off, true)) : 0;
    out.push({ start: p, metaEnd: m + metaLen });
    p = m + metaLen + body;
  }
  return out;
}

const INT32S = [0, 1, -1, 7, 255, 65_536, 2 ** 31 - 1, -(2 ** 31), 1 << 20];
const INT64S = [0n, -1n, 1n, 2n ** 31n - 1n, 2n ** 31n, 2n ** 32n, 2n ** 53n, 2n ** 63n - 1n, -(2n ** 63n)];

/** One mutant of `base`: 1-3 of byte noise, int32/int64 overwrites (aligned, mostly in metadata), truncation, splices. */
export function mutate(base: Uint8Array, rnd: () => number): Uint8Array {
  let b: Uint8Array = Uint8Array.from(base);
  const msgs = messages(base);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rnd() * a.length)]!;
  const position = (align: number) => {
    // 70%: inside some message's metadata (the claims); else anywhere (bodies: offsets, indices, bitmaps).
    const m = pick(msgs);
    const p = rnd() < 0.7 && m ? m.start + Math.floor(rnd() * (m.metaEnd - m.start)) : Math.floor(rnd() * b.length);
    return Math.max(0, Math.min(b.length - align, p - (p % align)));
  };
  const count = 1 + Math.floor(rnd() * 3);
  for (let k = 0; k < count && b.length > 16; k++) {
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    const op = rnd();
    if (op < 0.3) { const p = position(4); dv.setInt32(p, rnd() < 0.8 ? pick(INT32S) : Math.floor(rnd() * 4096) - 64, true); }
    else if (op < 0.55) { const p = position(8); dv.setBigInt64(p, pick(INT64S), true); }
    else if (op < 0.75) { const p = position(1); for (let i = 0; i < 1 + rnd() * 6 && p + i < b.length; i++) b[p + i] = Math.floor(rnd() * 256); }
    else if (op < 0.85) b = b.subarray(0, Math.floor(rnd() * b.length));
    else if (op < 0.95) {
      const a = Math.floor(rnd() * b.length);
      const len = Math.floor(rnd() * 64);
      b = Buffer.concat([b.subarray(0, a), b.subarray(a, a + len), b.subarray(a)]);
    } else {
      const a = Math.floor(rnd() * b.length);
      b = Buffer.concat([b.subarray(0, a), b.subarray(Math.min(b.length, a + 1 + Math.floor(rnd() * 16)))]);
    }
  }
  return b;
}


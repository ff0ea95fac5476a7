import { IpcStreamEncoder } from '../src/data/ipc-encoder.js';
import { Field, Float32, makeData, RecordBatch, Schema, Struct, TimestampMillisecond, Utf8, type Data } from 'apache-arrow';

/**
 * Synthetic interactions as Arrow IPC stream bytes, generated batch by batch (never the whole set):
 * source_id "u<k>" (k < sources), target_id "i<k>" (k < targets), timestamp (ms) and weight.
 * Deterministic (xorshift32 seeded).
 */
export const SYNTHETIC_SCHEMA = new Schema([
  new Field('source_id', new Utf8(), false),
  new Field('target_id', new Utf8(), false),
  new Field('timestamp', new TimestampMillisecond(), true),
  new Field('weight', new Float32(), true),
]);

function utf8Ids(prefix: string, keys: Uint32Array): Data<Utf8> {
  const n = keys.length;
  const offsets = new Int32Array(n + 1);
  const bytes = Buffer.allocUnsafe(n * (prefix.length + 10));
  let pos = 0;
  for (let i = 0; i < n; i++) {
    offsets[i] = pos;
    pos += bytes.write(prefix, pos, 'latin1');
    pos += bytes.write(String(keys[i]), pos, 'latin1');
  }
  offsets[n] = pos;
  return makeData({ type: new Utf8(), length: n, nullCount: 0, valueOffsets: offsets, data: bytes.subarray(0, pos) });
}

/** `distinctSources`: row r's source is "u<r>" (every row its own source), else a random one of `sources`. */
export function* syntheticBatches(total: number, opts: { batchRows?: number; sources?: number; targets?: number; seed?: number; distinctSources?: boolean } = {}): Generator<RecordBatch> {
  const batchRows = opts.batchRows ?? 65_536;
  const sources = opts.sources ?? 1_000_000;
  const targets = opts.targets ?? 100_000;
  let s = opts.seed ?? 12345;
  const rnd = () => { s ^= s << 13; s ^= s >>> 17; s ^= s << 5; return s >>> 0; };
  const type = new Struct(SYNTHETIC_SCHEMA.fields);
  for (let done = 0; done < total; done += batchRows) {
    const n = Math.min(batchRows, total - done);
    const src = new Uint32Array(n);
    const tgt = new Uint32Array(n);
    const ts = new BigInt64Array(n);
    const w = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      src[i] = opts.distinctSources ? done + i : rnd() % sources;
      tgt[i] = rnd() % targets;
      ts[i] = BigInt(1_600_000_000_000 + (rnd() % 100_000_000) * 1000);
      w[i] = 1 + (rnd() % 5);
    }
    const children = [
      utf8Ids('u', src), utf8Ids('i', tgt),
      makeData({ type: new TimestampMillisecond(), length: n, nullCount: 0, data: ts }),
      makeData({ type: new Float32(), length: n, nullCount: 0, data: w }),
    ];
    yield new RecordBatch(SYNTHETIC_SCHEMA, makeData({ type, length: n, nullCount: 0, children }));
  }
}

/** The IPC stream bytes, one piece per record batch (schema first, end-of-stream marker last). */
export function* syntheticIpcStream(total: number, opts: Parameters<typeof syntheticBatches>[1] = {}): Generator<Uint8Array> {
  const enc = new IpcStreamEncoder(SYNTHETIC_SCHEMA);
  yield enc.start();
  for (const b of syntheticBatches(total, opts)) yield enc.encode(b);
  yield enc.end();
}

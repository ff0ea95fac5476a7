import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Dictionary, Float16, Float32, Float64, Int16, Int32, Int64, Int8, LargeUtf8, RecordBatchFileWriter, Table, TimestampMicrosecond, TimestampMillisecond,
  TimestampNanosecond, TimestampSecond, Uint8, DateMillisecond, Utf8, tableToIPC, vectorFromArray, Bool, makeData, makeVector, type DataType, type Vector,
} from 'apache-arrow';
import { ingestArrowStream } from '../../src/data/ingest.js';
import { readStoredBatch } from '../../src/data/batch-reader.js';
import { entityColumns, interactionColumns } from '../helpers/stored-columns.js';
import { InvalidArgumentError } from '../../src/errors.js';
import { utf8Vector } from '../helpers/arrow-fast.js';

const dir = mkdtempSync(join(tmpdir(), 'rec-ingest-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function* chunked(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, Math.min(bytes.length, i + size));
}

let n = 0;
async function ingest(bytes: Uint8Array, kind: 'INTERACTIONS' | 'ENTITIES' = 'INTERACTIONS', chunk = 1000) {
  const parts: Uint8Array[] = [];
  const stats = await ingestArrowStream(chunked(bytes, chunk), kind, { write: async (c) => { parts.push(c.slice()); } });
  const path = join(dir, `out-${n++}.arrow`);
  writeFileSync(path, Buffer.concat(parts));
  const batches = [...readStoredBatch(path)];
  return { stats, batches };
}

/** A vector of a 64/32-bit integer-backed type from raw values (bigint or number, null = null). */
function rawVector(type: DataType, values: readonly unknown[]) {
  const n = values.length;
  const bitmap = new Uint8Array((n + 7) >> 3);
  const is64 = values.some((v) => typeof v === 'bigint');
  const data = is64 ? new BigInt64Array(n) : new Int32Array(n);
  values.forEach((v, i) => { if (v !== null) { bitmap[i >> 3]! |= 1 << (i & 7); (data as unknown as unknown[])[i] = v instanceof Date ? BigInt(v.getTime()) : v; } });
  const nulls = values.filter((v) => v === null).length;
  return makeVector(makeData({ type: type as never, length: n, nullCount: nulls, nullBitmap: bitmap, data: data as never }));
}

function interactions(cols: Record<string, Vector>) { return tableToIPC(new Table(cols), 'stream'); }

async function expectInvalid(p: Promise<unknown>, re: RegExp, field?: string): Promise<void> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(InvalidArgumentError);
  expect((err as Error).message).toMatch(re);
  if (field !== undefined) expect((err as InvalidArgumentError).field).toBe(field);
}

describe('ingestArrowStream', () => {
  it('normalizes every accepted type (utf8, large utf8, dictionary, timestamps, int64 epoch ms, int32 epoch s, weights) and computes stats', async () => {
    const units = [
      [new TimestampSecond(), [1_700_000_000n, null], [1_700_000_000_000, NaN]],
      [new TimestampMillisecond(), [1_700_000_000_123n, 5n], [1_700_000_000_123, 5]],
      [new TimestampMicrosecond(), [1_700_000_000_123_000n, null], [1_700_000_000_123, NaN]],
      [new TimestampNanosecond(), [1_700_000_000_123_000_000n, 2_000_000n], [1_700_000_000_123, 2]],
      [new Int64(), [1_700_000_000_123n, null], [1_700_000_000_123, NaN]],
      [new Int32(), [1_700_000_000, -5], [1_700_000_000_000, -5000]], // int32: epoch seconds (layout.ts)
      [new DateMillisecond(), [1_700_000_000_000n, null], [1_700_000_000_000, NaN]],
    ] as const;
    for (const [type, values, expected] of units) {
      const bytes = interactions({
        source_id: vectorFromArray(['u1', 'u2'], new Utf8()),
        target_id: vectorFromArray(['i1', 'i1'], new LargeUtf8()),
        timestamp: rawVector(type, values as readonly unknown[]),
      });
      const { stats, batches } = await ingest(bytes, 'INTERACTIONS', 7);
      const c = interactionColumns(batches[0]!);
      expect([...c.timestampMs], String(type)).toEqual(expected);
      expect(c.sourceId).toEqual(['u1', 'u2']);
      expect(c.targetId).toEqual(['i1', 'i1']);
      expect(stats.distinctSourceCount).toBe(2);
      expect(stats.distinctTargetCount).toBe(1);
      expect(stats.untimestampedCount).toBe(expected.filter((v) => Number.isNaN(v)).length);
      expect(stats.minInteractionMs).toBe(Math.min(...expected.filter((v) => !Number.isNaN(v))));
    }
  });

  it('weights of any float or int type; dictionary strings; extra columns ignored', async () => {
    const weights = [
      [new Float64(), [1.5, null, 3]], [new Float32(), [1.5, null, 3]], [new Float16(), [1.5, null, 3]],
      [new Int8(), [1, null, 3]], [new Int16(), [1, null, 3]], [new Int32(), [1, null, 3]], [new Int64(), [1n, null, 3n]],
      [new Uint8(), [1, null, 3]],
    ] as const;
    for (const [type, values] of weights) {
      const bytes = interactions({
        source_id: vectorFromArray(['a', 'b', 'a'], new Dictionary(new Utf8(), new Int32())),
        target_id: vectorFromArray(['x', 'y', 'z'], new Dictionary(new Utf8(), new Int8())),
        type: vectorFromArray(['view', null, 'buy'], new Dictionary(new Utf8(), new Int16())),
        weight: vectorFromArray(values as unknown as unknown[], type as never) as Vector,
        extra: vectorFromArray([true, false, true], new Bool()),
        metadata: vectorFromArray(['{"k":1}', null, 'not json'], new Utf8()),
      });
      const { stats, batches } = await ingest(bytes, 'INTERACTIONS', 13);
      const c = interactionColumns(batches[0]!);
      expect([...c.weight].map((w) => (Number.isNaN(w) ? null : w)), String(type)).toEqual(type instanceof Int64 ? [1, null, 3] : values);
      expect(c.sourceId).toEqual(['a', 'b', 'a']);
      expect(c.targetId).toEqual(['x', 'y', 'z']);
      expect(c.type).toEqual(['view', null, 'buy']);
      expect(c.metadata).toEqual(['{"k":1}', null, 'not json']);
      expect([...c.timestampMs].every(Number.isNaN)).toBe(true);
      expect(stats).toMatchObject({ rows: 3, distinctSourceCount: 2, distinctTargetCount: 3, untimestampedCount: 3 });
      expect(stats.minInteractionMs).toBeUndefined();
    }
  });

  it('entities, with absent optional columns null', async () => {
    const bytes = tableToIPC(new Table({ id: vectorFromArray(['e1', 'é2'], new Utf8()), name: vectorFromArray(['One', null], new Utf8()) }), 'stream');
    const { stats, batches } = await ingest(bytes, 'ENTITIES', 1);
    const c = entityColumns(batches[0]!);
    expect(c.id).toEqual(['e1', 'é2']);
    expect(c.name).toEqual(['One', null]);
    expect(c.mediaUrl).toEqual([null, null]);
    expect(stats.rows).toBe(2);
  });

  it('splits big record batches into stored batches of at most 65536 rows, across many input batches', async () => {
    const N = 150_000;
    const src = Array.from({ length: N }, (_, i) => `u${i % 1000}`);
    const tgt = Array.from({ length: N }, (_, i) => `item-${i}`);
    const t = new Table({ source_id: utf8Vector(src), target_id: utf8Vector(tgt), weight: vectorFromArray(Float32Array.from({ length: N }, (_, i) => i)) });
    const { stats, batches } = await ingest(tableToIPC(t, 'stream'), 'INTERACTIONS', 7777);
    expect(batches.map((b) => b.numRows)).toEqual([65536, 65536, N - 131072]);
    const last = interactionColumns(batches[2]!);
    expect(last.targetId[last.length - 1]).toBe(`item-${N - 1}`);
    expect(last.weight[0]).toBe(131072);
    expect(stats).toMatchObject({ rows: N, distinctSourceCount: 1000, distinctTargetCount: N });
  });

  it('accepts a schema-only stream as an empty batch', async () => {
    const t = new Table({ source_id: vectorFromArray([], new Utf8()), target_id: vectorFromArray([], new Utf8()) });
    const { stats, batches } = await ingest(tableToIPC(t, 'stream'));
    expect(stats.rows).toBe(0);
    expect(batches.reduce((s, b) => s + b.numRows, 0)).toBe(0);
  });

  it('rejects bad input naming the column / row', async () => {
    const ok = { source_id: vectorFromArray(['a', 'b', 'c'], new Utf8()), target_id: vectorFromArray(['x', 'y', 'z'], new Utf8()) };
    await expectInvalid(ingest(interactions({ source_id: ok.source_id })), /required column "target_id" is missing/, 'target_id');
    await expectInvalid(ingest(interactions({ ...ok, timestamp: vectorFromArray(['2020'], new Utf8()) })), /column "timestamp" has type Utf8/, 'timestamp');
    await expectInvalid(ingest(interactions({ ...ok, weight: vectorFromArray(['1'], new Utf8()) })), /column "weight" has type Utf8/, 'weight');
    await expectInvalid(ingest(interactions({ ...ok, source_id: vectorFromArray([1, 2, 3], new Int32()) })), /column "source_id" has type Int32; expected a string/, 'source_id');
    await expectInvalid(ingest(interactions({ ...ok, target_id: vectorFromArray(['x', null, 'z'], new Utf8()) })), /column "target_id" row 1: null/, 'target_id[1]');
    await expectInvalid(ingest(interactions({ ...ok, source_id: vectorFromArray(['a', 'b', ''], new Utf8()) })), /column "source_id" row 2: empty/, 'source_id[2]');
    await expectInvalid(ingest(interactions({ ...ok, weight: vectorFromArray([1, NaN, 2], new Float64()) })), /column "weight" row 1: weight NaN/, 'weight[1]');
    await expectInvalid(ingest(tableToIPC(new Table({ name: vectorFromArray(['n'], new Utf8()) }), 'stream'), 'ENTITIES'), /required column "id" is missing/, 'id');
  });

  it('names the global row across record batches', async () => {
    const a = new Table({ source_id: vectorFromArray(['a', 'b'], new Utf8()), target_id: vectorFromArray(['x', 'y'], new Utf8()) });
    const b = new Table({ source_id: vectorFromArray(['c', null], new Utf8()), target_id: vectorFromArray(['x', 'y'], new Utf8()) });
    const bytes = tableToIPC(new Table([...a.batches, ...b.batches]), 'stream');
    await expectInvalid(ingest(bytes), /column "source_id" row 3: null/, 'source_id[3]');
  });

  it('rejects empty, garbage, truncated, trailing bytes and the file format', async () => {
    const good = interactions({ source_id: vectorFromArray(['a'], new Utf8()), target_id: vectorFromArray(['x'], new Utf8()) });
    await expectInvalid(ingest(new Uint8Array(0)), /no Arrow bytes/);
    await expectInvalid(ingest(new Uint8Array(1000).fill(7)), /invalid Arrow IPC stream/);
    await expectInvalid(ingest(Buffer.from('source_id,target_id\na,b\n')), /invalid Arrow IPC stream/);
    for (const cut of [good.length - 8, good.length - 20, 100, 12]) {
      await expectInvalid(ingest(good.subarray(0, cut), 'INTERACTIONS', 5), /truncated|invalid Arrow IPC stream/);
    }
    await expectInvalid(ingest(Buffer.concat([good, Buffer.from('junk')])), /truncated or has trailing bytes/);
    const file = tableToIPC(new Table({ source_id: vectorFromArray(['a'], new Utf8()), target_id: vectorFromArray(['x'], new Utf8()) }), 'file');
    await expectInvalid(ingest(file), /file\* format/);
    void RecordBatchFileWriter;
  });
});

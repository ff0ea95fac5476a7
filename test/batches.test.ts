import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { status } from '@grpc/grpc-js';
import {
  Dictionary, Float32, Float64, Int16, Int32, Int64, Table, TimestampMicrosecond, TimestampMillisecond, TimestampNanosecond, TimestampSecond,
  Utf8, makeData, makeVector, tableToIPC, vectorFromArray, type DataType, type Vector,
} from 'apache-arrow';
import { call, startTestServer, tempDataDir, type TestServer } from './helpers/server.js';
import { importBytes, rejection, sendImport } from './helpers/import.js';
import { readStoredBatch } from '../src/data/batch-reader.js';
import { entityColumns, interactionColumns } from './helpers/stored-columns.js';
import { DataDir } from '../src/data-dir.js';
import type { ListBatchesResponse__Output } from '../src/gen/recommender/v1/ListBatchesResponse.js';
import type { DeleteBatchesResponse__Output } from '../src/gen/recommender/v1/DeleteBatchesResponse.js';
import type { RecommenderClient } from '../src/gen/recommender/v1/Recommender.js';

function int64Vector(type: DataType, values: (bigint | null)[]): Vector {
  const n = values.length;
  const bitmap = new Uint8Array((n + 7) >> 3);
  const data = new BigInt64Array(n);
  values.forEach((v, i) => { if (v !== null) { bitmap[i >> 3]! |= 1 << (i & 7); data[i] = v; } });
  return makeVector(makeData({ type: type as never, length: n, nullCount: values.filter((v) => v === null).length, nullBitmap: bitmap, data: data as never }));
}

function ipc(cols: Record<string, Vector>): Uint8Array { return tableToIPC(new Table(cols), 'stream'); }

const simple = (src: string[], tgt: string[]) => ipc({ source_id: vectorFromArray(src, new Utf8()), target_id: vectorFromArray(tgt, new Utf8()) });

function list(client: RecommenderClient, req: Parameters<RecommenderClient['ListBatches']>[0]): Promise<ListBatchesResponse__Output> {
  return call(client.ListBatches.bind(client), req) as Promise<ListBatchesResponse__Output>;
}
function del(client: RecommenderClient, req: Parameters<RecommenderClient['DeleteBatches']>[0]): Promise<DeleteBatchesResponse__Output> {
  return call(client.DeleteBatches.bind(client), req) as Promise<DeleteBatchesResponse__Output>;
}

function storedRows(dataDir: string, batchId: string) {
  return [...readStoredBatch(new DataDir(dataDir).batchFile(batchId))];
}

describe('ImportBatch / ListBatches / DeleteBatches over gRPC', () => {
  let s: TestServer;
  beforeAll(async () => { s = await startTestServer({ maxUploadBytes: 200_000 }); });
  afterAll(async () => { await s.dispose(); });

  it('round-trips every column type through odd chunk boundaries', async () => {
    const cases: [string, Vector, number[]][] = [
      ['s', int64Vector(new TimestampSecond(), [1_600_000_000n, null, 1_600_000_001n]), [1_600_000_000_000, NaN, 1_600_000_001_000]],
      ['ms', int64Vector(new TimestampMillisecond(), [1_600_000_000_123n, null, 7n]), [1_600_000_000_123, NaN, 7]],
      ['us', int64Vector(new TimestampMicrosecond(), [1_600_000_000_123_000n, 5_000n, null]), [1_600_000_000_123, 5, NaN]],
      ['ns', int64Vector(new TimestampNanosecond(), [1_600_000_000_123_000_000n, null, 9_000_000n]), [1_600_000_000_123, NaN, 9]],
      ['int64 ms', int64Vector(new Int64(), [1_600_000_000_123n, 2n, null]), [1_600_000_000_123, 2, NaN]],
    ];
    const weights: [Vector, (number | null)[]][] = [
      [vectorFromArray([0.5, null, 2], new Float32()), [0.5, null, 2]],
      [vectorFromArray([0.25, 3, null], new Float64()), [0.25, 3, null]],
      [vectorFromArray([1, null, 3], new Int16()), [1, null, 3]],
    ];
    let k = 0;
    for (const [unit, ts, expectedTs] of cases) {
      const [wv, expectedW] = weights[k++ % weights.length]!;
      const bytes = ipc({
        source_id: vectorFromArray(['user-1', 'user-ü', 'user-1'], new Dictionary(new Utf8(), new Int32())),
        target_id: vectorFromArray(['item-a', 'item-b', 'item-c'], new Utf8()),
        type: vectorFromArray(['view', null, 'buy'], new Utf8()),
        timestamp: ts, weight: wv,
        metadata: vectorFromArray(['{"a":1}', null, '{}'], new Utf8()),
        ignored: vectorFromArray([1, 2, 3], new Int32()),
      });
      for (const chunk of unit === 's' ? [1, 7777] : [7777]) {
        const b = await importBytes(s.client, { tags: ['roundtrip', unit] }, bytes, chunk);
        expect(b.kind).toBe('INTERACTIONS');
        expect(b.interaction_count).toBe('3');
        expect(b.entity_count).toBe('0');
        expect(b.distinct_source_count).toBe('2');
        expect(b.distinct_target_count).toBe('3');
        expect(b.untimestamped_count).toBe('1');
        expect(Number(b.bytes)).toBeGreaterThan(0);
        const valid = expectedTs.filter((v) => !Number.isNaN(v));
        expect(Number(b.min_interaction_time!.seconds) * 1000 + b.min_interaction_time!.nanos / 1e6).toBeCloseTo(Math.min(...valid), 3);
        expect(Number(b.max_interaction_time!.seconds) * 1000 + b.max_interaction_time!.nanos / 1e6).toBeCloseTo(Math.max(...valid), 3);
        const [rb] = storedRows(s.dataDir, b.batch_id);
        const c = interactionColumns(rb!);
        expect(c.sourceId).toEqual(['user-1', 'user-ü', 'user-1']);
        expect(c.targetId).toEqual(['item-a', 'item-b', 'item-c']);
        expect(c.type).toEqual(['view', null, 'buy']);
        expect([...c.timestampMs], unit).toEqual(expectedTs);
        expect([...c.weight].map((w) => (Number.isNaN(w) ? null : w))).toEqual(expectedW);
        expect(c.metadata).toEqual(['{"a":1}', null, '{}']);
      }
    }
  });

  it('imports entities', async () => {
    const bytes = ipc({
      id: vectorFromArray(['m1', 'm2'], new Utf8()), type: vectorFromArray(['movie', 'movie'], new Dictionary(new Utf8(), new Int16())),
      name: vectorFromArray(['Heat', null], new Utf8()), media_url: vectorFromArray([null, 'http://x/y.png'], new Utf8()),
    });
    const b = await importBytes(s.client, { kind: 'ENTITIES', tags: ['ents'] }, bytes, 333);
    expect(b.kind).toBe('ENTITIES');
    expect(b.entity_count).toBe('2');
    expect(b.interaction_count).toBe('0');
    const c = entityColumns(storedRows(s.dataDir, b.batch_id)[0]!);
    expect(c.id).toEqual(['m1', 'm2']);
    expect(c.type).toEqual(['movie', 'movie']);
    expect(c.name).toEqual(['Heat', null]);
    expect(c.mediaUrl).toEqual([null, 'http://x/y.png']);
  });

  it('rejects bad input with INVALID_ARGUMENT naming the column/row, keeps earlier batches intact', async () => {
    const keep = await importBytes(s.client, { tags: ['keep'] }, simple(['a', 'b'], ['x', 'y']));
    const good = simple(['a'], ['x']);
    const bad: [string, () => Promise<unknown>, RegExp, number?][] = [
      ['missing column', () => importBytes(s.client, {}, ipc({ source_id: vectorFromArray(['a'], new Utf8()) })), /required column "target_id" is missing/],
      ['wrong type', () => importBytes(s.client, {}, ipc({ source_id: vectorFromArray([1], new Int32()), target_id: vectorFromArray(['x'], new Utf8()) })), /column "source_id" has type Int32/],
      ['wrong timestamp type', () => importBytes(s.client, {}, ipc({ source_id: vectorFromArray(['a'], new Utf8()), target_id: vectorFromArray(['x'], new Utf8()), timestamp: vectorFromArray(['yesterday'], new Utf8()) })), /column "timestamp" has type Utf8/],
      ['null id', () => importBytes(s.client, {}, ipc({ source_id: vectorFromArray(['a', null, 'c'], new Utf8()), target_id: vectorFromArray(['x', 'y', 'z'], new Utf8()) })), /column "source_id" row 1: null/],
      ['empty id', () => importBytes(s.client, {}, simple(['a', 'b', 'c'], ['x', 'y', ''])), /column "target_id" row 2: empty/],
      ['entity null id', () => importBytes(s.client, { kind: 'ENTITIES' }, ipc({ id: vectorFromArray([null], new Utf8()) })), /column "id" row 0: null/],
      ['garbage', () => importBytes(s.client, {}, Buffer.from('userId,movieId\n1,2\n'.repeat(50))), /invalid Arrow IPC stream/],
      ['truncated', () => importBytes(s.client, {}, good.subarray(0, good.length - 40), 5), /invalid Arrow IPC stream|truncated/],
      ['cut before EOS', () => importBytes(s.client, {}, good.subarray(0, good.length - 8)), /truncated/],
      ['file format', () => importBytes(s.client, {}, tableToIPC(new Table({ source_id: vectorFromArray(['a'], new Utf8()), target_id: vectorFromArray(['x'], new Utf8()) }), 'file')), /file\* format/],
      ['no bytes', () => sendImport(s.client, [{ header: { kind: 'INTERACTIONS' } }]), /no Arrow bytes/],
      ['no header', () => sendImport(s.client, [{ arrow_chunk: Buffer.from(good) }]), /first message must be a header/],
      ['empty stream', () => sendImport(s.client, []), /first message must be a header/],
      ['two headers', () => sendImport(s.client, [{ header: { kind: 'INTERACTIONS' } }, { arrow_chunk: Buffer.from(good.subarray(0, 10)) }, { header: { kind: 'INTERACTIONS' } }]), /second header/],
      ['kind unset', () => importBytes(s.client, { kind: 'BATCH_KIND_UNSPECIFIED' }, good), /header\.kind must be INTERACTIONS or ENTITIES/],
      ['empty tag', () => importBytes(s.client, { tags: ['ok', ''] }, good), /header\.tags\[1\] is empty/],
      ['too big', () => importBytes(s.client, {}, simple(Array.from({ length: 20000 }, (_, i) => `u${i}`), Array.from({ length: 20000 }, (_, i) => `i${i}`))), /exceeds the server's limit of 200000 bytes/, status.RESOURCE_EXHAUSTED],
    ];
    for (const [name, p, re, code] of bad) {
      const err = await rejection(p());
      expect(err.code, name).toBe(code ?? status.INVALID_ARGUMENT);
      expect(err.details, name).toMatch(re);
    }
    const all = await list(s.client, { tags: ['keep'] });
    expect(all.batches.map((b) => b.batch_id)).toEqual([keep.batch_id]);
    expect(interactionColumns(storedRows(s.dataDir, keep.batch_id)[0]!).sourceId).toEqual(['a', 'b']);
    expect(readdirSync(join(s.dataDir, 'batches')).filter((n) => n.startsWith('.tmp-'))).toEqual([]);
  });

  it('compressed IPC buffers without a codec -> INVALID_ARGUMENT saying so', async () => {
    // An LZ4-compressed stream written by pyarrow (pa.ipc.new_stream(..., options=IpcWriteOptions(compression="lz4"))) with columns source_id, target_id.
    const bytes = Buffer.from(COMPRESSED_LZ4_STREAM, 'base64');
    const err = await rejection(importBytes(s.client, {}, bytes));
    expect(err.code).toBe(status.INVALID_ARGUMENT);
    expect(err.details).toMatch(/compressed buffers \(LZ4\/ZSTD\).*not supported/);
  });

  it('request_id makes a retried upload idempotent', async () => {
    const a = await importBytes(s.client, { tags: ['idem'], request_id: 'req-42' }, simple(['a'], ['x']));
    const b = await importBytes(s.client, { tags: ['idem'], request_id: 'req-42' }, simple(['a', 'b'], ['x', 'y']));
    expect(b.batch_id).toBe(a.batch_id);
    expect(b.interaction_count).toBe('1');
    expect(b.request_id).toBe('req-42');
    expect((await list(s.client, { tags: ['idem'] })).batches).toHaveLength(1);
    const files = readdirSync(join(s.dataDir, 'batches'));
    expect(files.filter((f) => f.endsWith('.arrow') && !f.startsWith('.tmp-')).length).toBe(Number((await list(s.client, { page_size: 1000 })).total_size));
  });

  it('selects by tags (all given tags), pages, deletes', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await importBytes(s.client, { tags: ['page', i % 2 ? 'odd' : 'even'] }, simple([`u${i}`], ['x']))).batch_id);
    const p1 = await list(s.client, { tags: ['page'], page_size: 2 });
    expect(p1.total_size).toBe('5');
    expect(p1.batches.map((b) => b.batch_id)).toEqual(ids.slice(0, 2));
    const p2 = await list(s.client, { tags: ['page'], page_size: 2, page_token: p1.next_page_token });
    const p3 = await list(s.client, { tags: ['page'], page_size: 2, page_token: p2.next_page_token });
    expect([...p2.batches, ...p3.batches].map((b) => b.batch_id)).toEqual(ids.slice(2));
    expect(p3.next_page_token).toBe('');
    expect((await list(s.client, { tags: ['page', 'odd'] })).batches.map((b) => b.batch_id)).toEqual([ids[1], ids[3]]);
    expect((await list(s.client, { tags: ['page', 'odd', 'even'] })).batches).toEqual([]);
    expect((await list(s.client, { batch_ids: [ids[0]!, ids[1]!], tags: ['odd'] })).batches.map((b) => b.batch_id)).toEqual([ids[1]]);
    expect((await list(s.client, { tags: ['page'], kind: 'ENTITIES' })).batches).toEqual([]);
    expect((await rejection(list(s.client, { page_token: 'nonsense' }))).code).toBe(status.INVALID_ARGUMENT);

    // DeleteBatches: selector required; unknown id -> NOT_FOUND and nothing deleted; allow_missing.
    expect((await rejection(del(s.client, {}))).code).toBe(status.INVALID_ARGUMENT);
    const nf = await rejection(del(s.client, { batch_ids: [ids[0]!, 'b_nope'] }));
    expect(nf.code).toBe(status.NOT_FOUND);
    expect(nf.details).toMatch(/b_nope/);
    expect((await list(s.client, { batch_ids: [ids[0]!] })).batches).toHaveLength(1);
    expect((await del(s.client, { batch_ids: [ids[0]!, 'b_nope'], allow_missing: true })).deleted_batch_ids).toEqual([ids[0]]);
    expect(existsSync(new DataDir(s.dataDir).batchFile(ids[0]!))).toBe(false);
    expect((await del(s.client, { tags: ['page', 'odd'] })).deleted_batch_ids).toEqual([ids[1], ids[3]]);
    expect((await list(s.client, { tags: ['page'] })).batches.map((b) => b.batch_id)).toEqual([ids[2], ids[4]]);
  });
});

describe('durability', () => {
  it('restart keeps batches; a cancelled upload leaves nothing, no temp file after restart', async () => {
    const dataDir = tempDataDir();
    let s = await startTestServer({ dataDir });
    const kept = await importBytes(s.client, { tags: ['durable'] }, simple(['a', 'b'], ['x', 'y']));

    // Client cancels mid-stream: header + part of the bytes, then cancel.
    const big = simple(Array.from({ length: 50_000 }, (_, i) => `user-${i}`), Array.from({ length: 50_000 }, (_, i) => `item-${i}`));
    const stream = s.client.ImportBatch(() => undefined);
    stream.write({ header: { kind: 'INTERACTIONS', tags: ['cancelled'] } });
    stream.write({ arrow_chunk: Buffer.from(big.subarray(0, 300_000)) });
    await new Promise((r) => setTimeout(r, 300));
    stream.cancel();
    await new Promise((r) => setTimeout(r, 300));
    expect((await list(s.client, { tags: ['cancelled'] })).batches).toEqual([]);
    expect(readdirSync(join(dataDir, 'batches')).filter((n) => n.startsWith('.tmp-'))).toEqual([]);

    // A crash mid-upload leaves a temp file; an orphan file (renamed, no catalog row) may be left too.
    await s.stop();
    writeFileSync(join(dataDir, 'batches', '.tmp-0123456789ab-b_crashed.arrow'), 'partial');
    writeFileSync(join(dataDir, 'batches', 'b_orphan.arrow'), 'no row');
    s = await startTestServer({ dataDir });
    expect(readdirSync(join(dataDir, 'batches')).sort()).toEqual([`${kept.batch_id}.arrow`]);
    const after = await list(s.client, {});
    expect(after.batches.map((b) => b.batch_id)).toEqual([kept.batch_id]);
    expect(after.batches[0]).toEqual(kept);
    expect(interactionColumns(storedRows(dataDir, kept.batch_id)[0]!).targetId).toEqual(['x', 'y']);
    await s.dispose();
  });
});

const COMPRESSED_LZ4_STREAM =
  '/////6gAAAAQAAAAAAAKAAwABgAFAAgACgAAAAABBAAMAAAACAAIAAAABAAIAAAABAAAAAIAAABEAAAABAAAANT///8AAAEFEAAAABwAAAAEAAAAAAAAAAkAAAB0YXJnZXRfaWQAAADE////EAAUAAgABgAHAAwAAAAQABAAAAAAAAEFEAAAACAAAAAEAAAAAAAAAAkAAABzb3VyY2VfaWQAAAAEAAQABAAAAAAAAAD/////6AAAABQAAAAAAAAADAAYAAYABQAIAAwADAAAAAADBAAcAAAAkAAAAAAAAAAAAAAADAAcABAABAAIAAwADAAAAIgAAAAcAAAAFAAAAAMAAAAAAAAAAAAAAAQABAAEAAAABgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAACcAAAAAAAAAKAAAAAAAAAAaAAAAAAAAAEgAAAAAAAAAAAAAAAAAAABIAAAAAAAAACcAAAAAAAAAcAAAAAAAAAAaAAAAAAAAAAAAAAACAAAAAwAAAAAAAAAAAAAAAAAAAAMAAAAAAAAAAAAAAAAAAAAQAAAAAAAAAAQiTRhgQIIQAACAAAAAAAEAAAACAAAAAwAAAAAAAAAAAwAAAAAAAAAEIk0YYECCAwAAgGFiYwAAAAAAAAAAAAAQAAAAAAAAAAQiTRhgQIIQAACAAAAAAAEAAAACAAAAAwAAAAAAAAAAAwAAAAAAAAAEIk0YYECCAwAAgHh5egAAAAAAAAAAAAD/////AAAAAA==';

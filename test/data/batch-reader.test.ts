import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RecordBatchStreamWriter, Table, vectorFromArray, Utf8, Float64, Float32 } from 'apache-arrow';
import { readStoredBatch, utf8Raw } from '../../src/data/batch-reader.js';
import { entityColumns, interactionColumns } from '../helpers/stored-columns.js';

const dir = mkdtempSync(join(tmpdir(), 'rec-reader-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function writeStream(path: string, tables: Table[]): void {
  const w = new RecordBatchStreamWriter();
  for (const t of tables) for (const b of t.batches) w.write(b);
  w.finish();
  writeFileSync(path, w.toUint8Array(true));
}

describe('readStoredBatch + column helpers', () => {
  it('reads every record batch of a stored interactions file in small chunks', () => {
    const t1 = new Table({
      source_id: vectorFromArray(['u1', 'u2', 'ü3'], new Utf8()),
      target_id: vectorFromArray(['i1', 'i2', 'i3'], new Utf8()),
      type: vectorFromArray(['view', null, 'buy'], new Utf8()),
      timestamp_ms: vectorFromArray([1000, null, 3000.5], new Float64()),
      weight: vectorFromArray([1.5, 2, null], new Float32()),
      metadata: vectorFromArray([null, '{"a":1}', null], new Utf8()),
    });
    const t2 = new Table({
      source_id: vectorFromArray(['x'], new Utf8()), target_id: vectorFromArray(['y'], new Utf8()),
      type: vectorFromArray([null], new Utf8()), timestamp_ms: vectorFromArray([5], new Float64()),
      weight: vectorFromArray([3], new Float32()), metadata: vectorFromArray([null], new Utf8()),
    });
    const path = join(dir, 'i.arrow');
    writeStream(path, [t1, t2]);
    const batches = [...readStoredBatch(path, 37)];
    expect(batches.map((b) => b.numRows)).toEqual([3, 1]);
    const c = interactionColumns(batches[0]!);
    expect(c.length).toBe(3);
    expect(c.sourceId).toEqual(['u1', 'u2', 'ü3']);
    expect(c.targetId).toEqual(['i1', 'i2', 'i3']);
    expect(c.type).toEqual(['view', null, 'buy']);
    expect([...c.timestampMs]).toEqual([1000, NaN, 3000.5]);
    expect([...c.weight]).toEqual([1.5, 2, NaN]);
    expect(c.metadata).toEqual([null, '{"a":1}', null]);
    const raw = utf8Raw(batches[0]!, 'source_id')!;
    expect(Buffer.from(raw.bytes.subarray(raw.offsets[2], raw.offsets[3])).toString()).toBe('ü3');
    const c2 = interactionColumns(batches[1]!);
    expect(c2.sourceId).toEqual(['x']);
    expect([...c2.weight]).toEqual([3]);
  });

  it('reads entities, absent columns as all-null', () => {
    const t = new Table({ id: vectorFromArray(['e1', 'e2'], new Utf8()), name: vectorFromArray(['A', null], new Utf8()) });
    const path = join(dir, 'e.arrow');
    writeStream(path, [t]);
    const [b] = [...readStoredBatch(path)];
    const c = entityColumns(b!);
    expect(c.id).toEqual(['e1', 'e2']);
    expect(c.name).toEqual(['A', null]);
    expect(c.mediaUrl).toEqual([null, null]);
  });

  it('throws on a truncated file', () => {
    const t = new Table({ id: vectorFromArray(['e1', 'e2'], new Utf8()) });
    const w = new RecordBatchStreamWriter();
    w.write(t.batches[0]!);
    w.finish();
    const bytes = w.toUint8Array(true);
    const path = join(dir, 'trunc.arrow');
    writeFileSync(path, bytes.subarray(0, bytes.length - 30));
    expect(() => [...readStoredBatch(path)]).toThrow();
  });
});

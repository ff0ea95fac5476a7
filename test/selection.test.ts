import { Float32, Float64, Table, tableToIPC, Utf8, vectorFromArray } from 'apache-arrow';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CooBuilder } from '../src/engine/csr.js';
import { compileDataFilters } from '../src/data/filters.js';
import { MS_PER_DAY, selectTrainingData, validateMaxAgeDays, validateTypeWeights, type StoredBatchRef } from '../src/data/selection.js';
import { InvalidArgumentError } from '../src/errors.js';
import type { DataFilters__Output } from '../src/gen/recommender/v1/DataFilters.js';

/** Data-layer tests of the selection on real stored Arrow files (layout.ts's normalized form). */
const dir = mkdtempSync(join(tmpdir(), 'sel-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

interface R { s: string; t: string; type?: string | null; ts?: number | null; w?: number | null; meta?: string | null }
function interactions(rows: R[], createdMs?: number): StoredBatchRef {
  n++; createdMs ??= n;
  const t = new Table({
    source_id: vectorFromArray(rows.map((r) => r.s), new Utf8()),
    target_id: vectorFromArray(rows.map((r) => r.t), new Utf8()),
    type: vectorFromArray(rows.map((r) => r.type ?? null), new Utf8()),
    timestamp_ms: vectorFromArray(rows.map((r) => r.ts ?? null), new Float64()),
    weight: vectorFromArray(rows.map((r) => r.w ?? null), new Float32()),
    metadata: vectorFromArray(rows.map((r) => r.meta ?? null), new Utf8()),
  });
  const path = join(dir, `i${n}.arrow`);
  writeFileSync(path, tableToIPC(t, 'stream'));
  return { batchId: `i${n}`, path, createdMs };
}
function entities(rows: { id: string; type?: string | null; metadata?: string | null }[], createdMs?: number): StoredBatchRef {
  n++; createdMs ??= n;
  const t = new Table({
    id: vectorFromArray(rows.map((r) => r.id), new Utf8()),
    type: vectorFromArray(rows.map((r) => r.type ?? null), new Utf8()),
    name: vectorFromArray(rows.map(() => null), new Utf8()),
    metadata: vectorFromArray(rows.map((r) => r.metadata ?? null), new Utf8()),
    media_url: vectorFromArray(rows.map(() => null), new Utf8()),
  });
  const path = join(dir, `e${n}.arrow`);
  writeFileSync(path, tableToIPC(t, 'stream'));
  return { batchId: `e${n}`, path, createdMs };
}
const F = (f: Partial<DataFilters__Output> = {}) => compileDataFilters({ interactions: null, entities: null, unknown_entities: 'UNKNOWN_ENTITY_POLICY_UNSPECIFIED', ...f } as DataFilters__Output);
const NOW = Date.UTC(2026, 10, 29);
const ts = (ms: number) => ({ seconds: String(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1e6 });

describe('COO -> CSR', () => {
  it('sums duplicates, sorts columns per row, matches a brute-force reference', () => {
    let x = 7;
    const rnd = (m: number) => { x = (x * 1103515245 + 12345) & 0x7fffffff; return x % m; };
    const rows = 37, cols = 53;
    const ref = new Map<string, number>();
    const b = new CooBuilder();
    for (let i = 0; i < 5000; i++) {
      const r = rnd(rows), c = rnd(cols), w = 1 + rnd(5);
      b.push(r, c, w);
      ref.set(`${r},${c}`, (ref.get(`${r},${c}`) ?? 0) + w);
    }
    const m = b.toCsr(rows, cols);
    expect(m.indices.length).toBe(ref.size);
    for (let r = 0; r < rows; r++) {
      for (let j = m.indptr[r]!; j < m.indptr[r + 1]!; j++) {
        if (j > m.indptr[r]!) expect(m.indices[j]!).toBeGreaterThan(m.indices[j - 1]!);
        expect(m.data[j]).toBe(ref.get(`${r},${m.indices[j]}`));
      }
    }
  });
});

describe('selection', () => {
  it('aggregates duplicate pairs by summing weights (null weight = 1), ids in first-seen order', async () => {
    const b = interactions([{ s: 'u1', t: 'x', w: 2 }, { s: 'u2', t: 'y' }, { s: 'u1', t: 'x', w: 3 }, { s: 'u1', t: 'y', w: null }]);
    const sel = await selectTrainingData([b], [], { nowMs: NOW, filters: F() });
    expect(sel.sourceIds).toEqual(['u1', 'u2']);
    expect(sel.targetIds).toEqual(['x', 'y']);
    expect([...sel.matrix.indptr]).toEqual([0, 2, 3]);
    expect([...sel.matrix.indices]).toEqual([0, 1, 1]);
    expect([...sel.matrix.data]).toEqual([5, 1, 1]);
    expect(sel.counts).toMatchObject({ interactions: 4, pairs: 3, sources: 2, targets: 2, droppedByAge: 0, droppedByFilter: 0 });
  });

  it('max age: exactly N days old is kept, 1 ms older dropped, untimestamped always kept', async () => {
    const N = 30;
    const b = interactions([
      { s: 'a', t: 'x', ts: NOW - N * MS_PER_DAY },
      { s: 'b', t: 'x', ts: NOW - N * MS_PER_DAY - 1 },
      { s: 'c', t: 'x', ts: null },
      { s: 'd', t: 'x', ts: NOW - 5 },
      { s: 'e', t: 'x', ts: 0 },
    ]);
    const sel = await selectTrainingData([b], [], { nowMs: NOW, maxAgeDays: N, filters: F() });
    expect(sel.sourceIds.sort()).toEqual(['a', 'c', 'd']);
    expect(sel.counts.droppedByAge).toBe(2);
    const all = await selectTrainingData([b], [], { nowMs: NOW, filters: F() });
    expect(all.counts.interactions).toBe(5);
    expect(() => validateMaxAgeDays(0)).toThrow(InvalidArgumentError);
    expect(() => validateMaxAgeDays(-3)).toThrow(/maximum_interaction_age_days/);
  });

  it('interaction filters: types, weight range (inclusive, null = 1), time range (untimestamped kept), metadata equals/in', async () => {
    const b = interactions([
      { s: 'a', t: 'x', type: 'view', w: 1, ts: 1000, meta: '{"src":"web","n":3}' },
      { s: 'b', t: 'x', type: 'buy', w: 5, ts: 2000, meta: '{"src":"app"}' },
      { s: 'c', t: 'x', type: null, w: null, ts: null, meta: null },
      { s: 'd', t: 'x', type: 'view', w: 10, ts: 3000, meta: '{"src":"web","n":4}' },
    ]);
    const run = async (interactionsFilter: object) => (await selectTrainingData([b], [], { nowMs: NOW, filters: F({ interactions: { types: [], metadata: [], min_timestamp: null, max_timestamp: null, ...interactionsFilter } as never }) })).sourceIds.sort();
    expect(await run({ types: ['view'] })).toEqual(['a', 'd']);
    expect(await run({ types: ['view', 'buy'] })).toEqual(['a', 'b', 'd']);
    expect(await run({ min_weight: 1, max_weight: 5 })).toEqual(['a', 'b', 'c']);
    expect(await run({ min_weight: 5 })).toEqual(['b', 'd']);
    expect(await run({ min_timestamp: ts(2000), max_timestamp: ts(3000) })).toEqual(['b', 'c', 'd']);
    expect(await run({ metadata: [{ key: 'src', values: ['web'] }] })).toEqual(['a', 'd']);
    expect(await run({ metadata: [{ key: 'src', values: ['web', 'app'] }] })).toEqual(['a', 'b', 'd']);
    expect(await run({ metadata: [{ key: 'src', values: ['web'] }, { key: 'n', values: ['3'] }] })).toEqual(['a']);
    const sel = await selectTrainingData([b], [], { nowMs: NOW, filters: F({ interactions: { types: ['view'], metadata: [] } as never }) });
    expect(sel.counts.droppedByFilter).toBe(2);
  });

  it('entity filters apply to both ends; unknown entities KEEP (default) or DROP; the latest entity import wins', async () => {
    const b = interactions([{ s: 'u1', t: 'i1' }, { s: 'u2', t: 'i1' }, { s: 'u1', t: 'i2' }, { s: 'u9', t: 'i1' }, { s: 'u1', t: 'i9' }]);
    const e1 = entities([{ id: 'u1', type: 'user' }, { id: 'u2', type: 'user', metadata: '{"tier":"gold"}' }, { id: 'i1', type: 'item' }, { id: 'i2', type: 'item' }], 100);
    const e2 = entities([{ id: 'i2', type: 'banned' }], 200);
    const run = (f: Partial<DataFilters__Output>, ents = [e2, e1]) => selectTrainingData([b], ents, { nowMs: NOW, filters: F(f) });
    const types = await run({ entities: { types: ['user', 'item'], metadata: [] } });
    // i2 is 'banned' now (the later batch wins even though listed first); u9 and i9 unknown -> kept.
    expect(types.counts.interactions).toBe(4);
    expect(types.targetIds).not.toContain('i2');
    expect(types.counts.entities).toBe(4);
    const drop = await run({ entities: { types: ['user', 'item'], metadata: [] }, unknown_entities: 'UNKNOWN_ENTITY_DROP' });
    expect(drop.counts.interactions).toBe(2);
    const dropOnly = await run({ unknown_entities: 'UNKNOWN_ENTITY_DROP' });
    expect(dropOnly.counts.interactions).toBe(3);
    const meta = await run({ entities: { types: [], metadata: [{ key: 'tier', values: ['gold'] }] } });
    // No target has tier=gold, so every interaction with a known target fails; unknown i9 end is kept but u1 fails.
    expect(meta.counts.interactions).toBe(0);
    expect(types.sourceEntities.type[types.sourceIds.indexOf('u1')]).toBe('user');
    expect(types.sourceEntities.type[types.sourceIds.indexOf('u9')]).toBeNull();
  });

  it('type weights multiply; a type weighted 0 is dropped', async () => {
    const b = interactions([{ s: 'a', t: 'x', type: 'view', w: 2 }, { s: 'a', t: 'x', type: 'buy', w: 1 }, { s: 'b', t: 'x', type: 'skip' }]);
    const sel = await selectTrainingData([b], [], { nowMs: NOW, filters: F(), typeWeights: validateTypeWeights({ buy: 10, skip: 0 }) });
    expect(sel.sourceIds).toEqual(['a']);
    expect([...sel.matrix.data]).toEqual([12]);
    expect(sel.counts.droppedByFilter).toBe(1);
    expect(() => validateTypeWeights({ x: NaN })).toThrow(/type_weights/);
  });

  it('invalid filters name the field', () => {
    const bad = (f: object, field: string) => {
      try { compileDataFilters(f as DataFilters__Output); } catch (err) { expect(err).toBeInstanceOf(InvalidArgumentError); expect((err as InvalidArgumentError).field).toBe(field); return; }
      throw new Error(`no error for ${field}`);
    };
    bad({ interactions: { min_weight: 5, max_weight: 1, types: [], metadata: [] } }, 'data_filters.interactions.min_weight');
    bad({ interactions: { min_weight: NaN, types: [], metadata: [] } }, 'data_filters.interactions.min_weight');
    bad({ interactions: { max_weight: Infinity, types: [], metadata: [] } }, 'data_filters.interactions.max_weight');
    bad({ interactions: { min_timestamp: ts(5000), max_timestamp: ts(1000), types: [], metadata: [] } }, 'data_filters.interactions.min_timestamp');
    bad({ interactions: { types: ['ok', ''], metadata: [] } }, 'data_filters.interactions.types[1]');
    bad({ interactions: { types: [], metadata: [{ key: '', values: ['a'] }] } }, 'data_filters.interactions.metadata[0].key');
    bad({ interactions: { types: [], metadata: [{ key: 'k', values: [] }] } }, 'data_filters.interactions.metadata[0].values');
    bad({ entities: { types: [], metadata: [{ key: '', values: ['a'] }] } }, 'data_filters.entities.metadata[0].key');
    bad({ entities: { types: [''], metadata: [] } }, 'data_filters.entities.types[0]');
    bad({ unknown_entities: 'NOPE' }, 'data_filters.unknown_entities');
  });
});

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { openCatalog, type Db } from '../../src/service/store/catalog.js';
import { BatchRepo } from '../../src/service/store/batch-repo.js';
import { DataDir } from '../../src/data-dir.js';
import type { BatchRecord } from '../../src/service/store/batch-record.js';
import { tempDataDir } from '../helpers/server.js';

function rec(dataDir: string, id: string, createdMs: number, tags: string[], extra: Partial<BatchRecord> = {}): BatchRecord {
  return {
    batchId: id, kind: 'INTERACTIONS', tags, createdMs, path: new DataDir(dataDir).batchFile(id), bytes: 100,
    entityCount: 0, interactionCount: 10, untimestampedCount: 1, distinctSourceCount: 3, distinctTargetCount: 4,
    minInteractionMs: 1000, maxInteractionMs: 2000, ...extra,
  };
}

describe('BatchRepo', () => {
  let dir: string;
  let db: Db;
  let repo: BatchRepo;
  beforeEach(() => {
    dir = tempDataDir('rec-repo-');
    db = openCatalog(dir);
    repo = new BatchRepo(db, dir);
    repo.insert(rec(dir, 'b1', 100, ['a', 'b']));
    repo.insert(rec(dir, 'b2', 100, ['b']));
    repo.insert(rec(dir, 'b0', 200, ['a', 'c'], { requestId: 'r1' }));
    repo.insert(rec(dir, 'e1', 50, ['a'], { kind: 'ENTITIES', entityCount: 5, interactionCount: 0, minInteractionMs: undefined, maxInteractionMs: undefined }));
  });
  afterEach(() => { db.close(); rmSync(dir, { recursive: true, force: true }); });

  it('round-trips a record with its absolute path and tag order', () => {
    const r = repo.get('b0')!;
    expect(r).toEqual(rec(dir, 'b0', 200, ['a', 'c'], { requestId: 'r1' }));
    expect(repo.get('e1')!.minInteractionMs).toBeUndefined();
    expect(repo.get('nope')).toBeUndefined();
  });

  it('stores the path relative to the data dir', () => {
    const row = db.prepare('SELECT path FROM batches WHERE batch_id = ?').get('b1') as { path: string };
    expect(row.path).toBe('batches/b1.arrow');
  });

  it('orders by created time then id', () => {
    expect(repo.selectAll({}).map((r) => r.batchId)).toEqual(['e1', 'b1', 'b2', 'b0']);
  });

  it('selects by tags: all (default) and any', () => {
    expect(repo.selectAll({ tags: ['a', 'b'] }).map((r) => r.batchId)).toEqual(['b1']);
    expect(repo.selectAll({ tags: ['a', 'b'], tagMatch: 'all' }).map((r) => r.batchId)).toEqual(['b1']);
    expect(repo.selectAll({ tags: ['b', 'c'], tagMatch: 'any' }).map((r) => r.batchId)).toEqual(['b1', 'b2', 'b0']);
    expect(repo.selectAll({ tags: ['a', 'a'] }).map((r) => r.batchId)).toEqual(['e1', 'b1', 'b0']);
    expect(repo.selectAll({ tags: ['zzz'] })).toEqual([]);
    expect(repo.selectAll({ tags: ['a'], kind: 'INTERACTIONS' }).map((r) => r.batchId)).toEqual(['b1', 'b0']);
    expect(repo.selectAll({ tags: ['a'], batchIds: ['b0', 'b2', 'x'] }).map((r) => r.batchId)).toEqual(['b0']);
  });

  it('pages with a keyset token and reports the total', () => {
    const p1 = repo.select({}, { pageSize: 3 });
    expect(p1.batches.map((r) => r.batchId)).toEqual(['e1', 'b1', 'b2']);
    expect(p1.totalSize).toBe(4);
    expect(p1.nextPageToken).not.toBe('');
    const p2 = repo.select({}, { pageSize: 3, pageToken: p1.nextPageToken });
    expect(p2.batches.map((r) => r.batchId)).toEqual(['b0']);
    expect(p2.nextPageToken).toBe('');
    expect(() => repo.select({}, { pageSize: 3, pageToken: 'garbage!' })).toThrow(/page_token/);
  });

  it('finds by request id, per kind', () => {
    expect(repo.findByRequestId('INTERACTIONS', 'r1')!.batchId).toBe('b0');
    expect(repo.findByRequestId(undefined, 'r1')!.batchId).toBe('b0');
    expect(repo.findByRequestId('ENTITIES', 'r1')).toBeUndefined();
    expect(() => repo.insert(rec(dir, 'b9', 300, [], { requestId: 'r1' }))).toThrow(/UNIQUE/);
  });

  it('deletes rows and their tags, returning what existed', () => {
    expect(repo.delete(['b1', 'missing'])).toEqual(['b1']);
    expect(repo.get('b1')).toBeUndefined();
    expect(repo.selectAll({ tags: ['b'] }).map((r) => r.batchId)).toEqual(['b2']);
    expect((db.prepare("SELECT COUNT(*) AS n FROM batch_tags WHERE batch_id = 'b1'").get() as { n: number }).n).toBe(0);
  });
});

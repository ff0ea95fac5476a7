import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Float64, Int64, Table, Utf8, tableToIPC, vectorFromArray } from 'apache-arrow';
import { runCli } from './helpers/cli.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { readStoredBatch } from '../src/data/batch-reader.js';
import { interactionColumns } from './helpers/stored-columns.js';
import { DataDir } from '../src/data-dir.js';
import type { Batch__Output } from '../src/gen/recommender/v1/Batch.js';

const cli = (args: string[]) => runCli(args);

const dir = mkdtempSync(join(tmpdir(), 'rec-cli-'));
let s: TestServer;
beforeAll(async () => { s = await startTestServer(); });
afterAll(async () => { await s.dispose(); rmSync(dir, { recursive: true, force: true }); });

function storedRows(batchId: string) {
  return [...readStoredBatch(new DataDir(s.dataDir).batchFile(batchId))];
}

describe('recommender import / batches (CLI against a real server)', () => {
  it('imports an ml-latest-small-shaped CSV streaming, with quoting, and lists it', async () => {
    // 100k rows, like ratings.csv (610 users, ~9.7k movies) with the layout's header; a few quoted fields.
    const lines = ['source_id,target_id,weight,timestamp,type'];
    let x = 7;
    const movies = new Set<number>();
    for (let i = 0; i < 100_000; i++) {
      x = (x * 1103515245 + 12345) & 0x7fffffff;
      const user = 1 + ((i * 7919) % 610);
      const movie = 1 + ((x >> 8) % 9724);
      movies.add(movie);
      const type = i === 5 ? '"rated, twice"' : i === 6 ? '"multi\nline ""quoted"""' : 'rating';
      lines.push(`${user},${movie},${(1 + (x % 10) / 2).toFixed(1)},${964_982_703_000 + i * 1000},${type}`);
    }
    const csv = join(dir, 'ratings.csv');
    writeFileSync(csv, `${lines.join('\r\n')}\r\n`);
    const r = await cli(['import', csv, '--kind', 'interactions', '--tags', 'ml,csv', '--request-id', 'cli-1', '--server', s.address, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/import csv .*100\.0%.*100,000 rows/);
    const b = JSON.parse(r.stdout) as Batch__Output;
    expect(b).toMatchObject({ kind: 'INTERACTIONS', tags: ['ml', 'csv'], interaction_count: '100000', distinct_source_count: '610', untimestamped_count: '0', request_id: 'cli-1' });
    expect(b.distinct_target_count).toBe(String(movies.size));
    expect(b.min_interaction_time).toEqual({ seconds: '964982703', nanos: 0 });
    const batches = storedRows(b.batch_id);
    expect(batches.map((x) => x.numRows)).toEqual([65536, 100_000 - 65536]);
    const c = interactionColumns(batches[0]!);
    expect(c.type.slice(4, 8)).toEqual(['rating', 'rated, twice', 'multi\nline "quoted"', 'rating']);
    expect(c.timestampMs[9]).toBe(964_982_703_000 + 9000);

    const ls = await cli(['batches', '--tags', 'ml', '--server', s.address]);
    expect(ls.code, ls.stderr).toBe(0);
    expect(ls.stdout).toContain(b.batch_id);
    expect(ls.stdout).toMatch(/100000\s+610/);
    expect(ls.stdout).toMatch(/1 batch$/m);
  }, 180_000);

  it('imports MovieLens ratings.csv as is with --map and --timestamp-unit s', async () => {
    const ratings = join(import.meta.dirname, '..', '..', 'shared', 'data', 'ml-latest-small', 'ratings.csv');
    if (!existsSync(ratings)) {
      if (process.env.CI === 'true') throw new Error(`${ratings} is missing`);
      return; // data not laid out on this machine, and not in CI
    }
    const r = await cli(['import', ratings, '--tags', 'movielens', '--map', 'userId=source_id,movieId=target_id,rating=weight',
      '--timestamp-unit', 's', '--server', s.address, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const b = JSON.parse(r.stdout) as Batch__Output;
    expect(b).toMatchObject({ interaction_count: '100836', distinct_source_count: '610', distinct_target_count: '9724', untimestamped_count: '0' });
    // First rating of the file: 1,1,4.0,964982703 (seconds).
    const c = interactionColumns(storedRows(b.batch_id)[0]!);
    expect([c.sourceId[0], c.targetId[0], c.weight[0], c.timestampMs[0]]).toEqual(['1', '1', 4, 964_982_703_000]);
    const bad = await cli(['import', ratings, '--map', 'userId=user', '--server', s.address]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/--map target "user" is not a column/);
  }, 180_000);

  it('imports .arrow (stream and file) and .parquet; reports a bad CSV and a server refusal', async () => {
    const t = new Table({
      source_id: vectorFromArray(['u1', 'u2'], new Utf8()), target_id: vectorFromArray(['i1', 'i2'], new Utf8()),
      weight: vectorFromArray([2, 3], new Float64()), timestamp: vectorFromArray([1_000n, 2_000n], new Int64()),
    });
    writeFileSync(join(dir, 's.arrow'), tableToIPC(t, 'stream'));
    writeFileSync(join(dir, 'f.arrow'), tableToIPC(t, 'file'));
    const { Table: WasmTable, writeParquet } = await import('parquet-wasm');
    writeFileSync(join(dir, 'p.parquet'), writeParquet(WasmTable.fromIPCStream(tableToIPC(t, 'stream'))));
    for (const f of ['s.arrow', 'f.arrow', 'p.parquet']) {
      const r = await cli(['import', join(dir, f), '--tags', `file-${f}`, '--server', s.address, '--json']);
      expect(r.code, `${f}: ${r.stderr}`).toBe(0);
      const b = JSON.parse(r.stdout) as Batch__Output;
      expect(b.interaction_count, f).toBe('2');
      const c = interactionColumns(storedRows(b.batch_id)[0]!);
      expect(c.sourceId, f).toEqual(['u1', 'u2']);
      expect([...c.weight], f).toEqual([2, 3]);
      expect([...c.timestampMs], f).toEqual([1000, 2000]);
    }
    writeFileSync(join(dir, 'bad.csv'), 'user,item\n1,2\n');
    const bad = await cli(['import', join(dir, 'bad.csv'), '--server', s.address]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/header lacks source_id, target_id/);
    writeFileSync(join(dir, 'badts.csv'), 'source_id,target_id,timestamp\n1,2,yesterday\n');
    const badTs = await cli(['import', join(dir, 'badts.csv'), '--server', s.address]);
    expect(badTs.stderr).toMatch(/line 2: timestamp "yesterday"/);
    writeFileSync(join(dir, 'emptyid.csv'), 'source_id,target_id\n1,2\n,3\n');
    const refused = await cli(['import', join(dir, 'emptyid.csv'), '--server', s.address]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/server refused the batch: column "source_id" row 1: empty/);
  }, 180_000);
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { status } from '@grpc/grpc-js';
import { startTestServer, call, type TestServer } from './helpers/server.js';
import { importBytes, rejection } from './helpers/import.js';
import { interactionsStream } from './helpers/ipc-writer.js';
import { checkHealth, healthClient } from './helpers/health.js';
import { getStatus, importBatch, randomRows, waitTerminal } from './helpers/jobs.js';
import type { TrainingStatus__Output } from '../src/gen/recommender/v1/TrainingStatus.js';
import type { ListBatchesResponse__Output } from '../src/gen/recommender/v1/ListBatchesResponse.js';
import { DataDir } from '../src/data-dir.js';

/**
 * A real full disk: the data directory on a 4 MiB tmpfs mounted for the test (needs root, as in CI's
 * container; elsewhere the suite is skipped, in CI it must run).
 */
const MOUNT_SIZE = '4m';
function mountTinyFs(size = MOUNT_SIZE): string | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'rec-full-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'ignore' });
    return dir;
  } catch {
    rmSync(dir, { recursive: true, force: true });
    return undefined;
  }
}
const probe = mountTinyFs();
if (probe) { execFileSync('umount', [probe]); rmSync(probe, { recursive: true, force: true }); }
if (!probe && process.env.CI === 'true') throw new Error('CI: the disk-full test needs to mount a tmpfs (run as root)');

/** Fills the file system of `dir` up to `leaveBytes` free (a filler file), returns its path. */
function fill(dir: string, leaveBytes: number): string {
  const path = join(dir, 'filler');
  const fd = openSync(path, 'a');
  const block = Buffer.alloc(64 * 1024, 1);
  try {
    for (;;) {
      const free = Number(execFileSync('df', ['--output=avail', '-B1', dir]).toString().split('\n')[1]);
      if (free <= leaveBytes) break;
      writeSync(fd, block, 0, Math.min(block.length, Math.max(4096, free - leaveBytes)));
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
  } finally {
    closeSync(fd);
  }
  return path;
}

const ids = (n: number, p: string) => Array.from({ length: n }, (_, i) => `${p}-${i}-${'x'.repeat(40)}`);

describe.skipIf(!probe)('disk full', () => {
  let dir: string;
  let s: TestServer;
  beforeAll(async () => {
    dir = mountTinyFs()!;
    s = await startTestServer({ dataDir: join(dir, 'data') });
  });
  afterAll(async () => {
    await s?.stop();
    execFileSync('umount', [dir]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('an upload that does not fit is RESOURCE_EXHAUSTED naming the data directory; nothing is left behind and the server goes on', async () => {
    const small = await importBytes(s.client, { tags: ['fits'] }, interactionsStream(ids(100, 'u'), ids(100, 'i')));
    const big = interactionsStream(ids(60_000, 'u'), ids(60_000, 'i')); // ~6 MB stored: more than the whole disk
    const err = await rejection(importBytes(s.client, { tags: ['too-big'] }, big, 256 * 1024));
    expect(status[err.code]).toBe('RESOURCE_EXHAUSTED');
    expect(err.details).toContain(s.dataDir);
    expect(err.details).toMatch(/is full \(no space left on its device, ENOSPC\)/);
    expect(readdirSync(new DataDir(s.dataDir).batchesDir).filter((f) => f.startsWith('.tmp-'))).toEqual([]);
    const h = healthClient(s.address);
    expect(await checkHealth(h)).toBe('SERVING');
    h.close();
    const listed = await call(s.client.ListBatches.bind(s.client), {}) as ListBatchesResponse__Output;
    expect(listed.batches.map((b) => b.batch_id)).toEqual([small.batch_id]);
    // The space came back: the same small upload fits again.
    expect((await importBytes(s.client, { tags: ['fits'] }, interactionsStream(ids(100, 'v'), ids(100, 'j')))).interaction_count).toBe('100');
  });

  it('a model that does not fit ends its job ERROR naming the data directory; the catalog keeps working', async () => {
    const filler = fill(dir, 200 * 1024);
    try {
      const job = await call(s.client.Train.bind(s.client), { model_id: 'm', tags: [], hyperparameters: { factors: 256, iterations: 1 } }) as TrainingStatus__Output;
      const end = await waitTerminal(s.client, job.job_id, 120_000);
      expect(end.status).toBe('ERROR');
      expect(end.error).toContain(s.dataDir);
      expect(end.error).toMatch(/is full/);
      expect(existsSync(new DataDir(s.dataDir).modelDir('m', job.job_id))).toBe(false);
      expect((await getStatus(s.client, { job_id: job.job_id })).status).toBe('ERROR');
    } finally {
      rmSync(filler, { force: true });
    }
  });

  it('a catalog write that does not fit is RESOURCE_EXHAUSTED naming the data directory', async () => {
    const filler = fill(dir, 0);
    try {
      // SQLite's WAL may still hold free pages: the catalog fills after a few rows.
      let err: { code: number; details: string } | undefined;
      for (let i = 0; i < 500 && !err; i++) {
        err = await call(s.client.Train.bind(s.client), { model_id: `full-${i}`, request_id: `r-${i}-${'p'.repeat(100)}` })
          .then(() => undefined, (e: { code: number; details: string }) => e);
      }
      expect(err).toBeDefined();
      expect(status[err!.code]).toBe('RESOURCE_EXHAUSTED');
      expect(err!.details).toContain(s.dataDir);
    } finally {
      rmSync(filler, { force: true });
    }
    const h = healthClient(s.address);
    expect(await checkHealth(h)).toBe('SERVING');
    h.close();
  });
});

describe.skipIf(!probe)('disk full while staging for Spark', () => {
  let dir: string;
  let s: TestServer;
  beforeAll(async () => {
    dir = mountTinyFs('16m')!;
    // The export fails before any driver starts: no Spark needed here.
    s = await startTestServer({ dataDir: join(dir, 'data') });
  }, 60_000);
  afterAll(async () => {
    await s?.stop();
    execFileSync('umount', [dir]);
    rmSync(dir, { recursive: true, force: true });
  });

  it("a spark job whose Parquet does not fit ends ERROR naming the Spark staging directory (RESOURCE_EXHAUSTED's message); the run's files are removed", async () => {
    // ~100k distinct pairs: a Parquet export of ~1 MB, with only 256 KiB left.
    await importBatch(s, 'INTERACTIONS', randomRows(5000, 20_000, 20), ['big']);
    const staging = new DataDir(s.dataDir).sparkStagingDir;
    const filler = fill(dir, 256 * 1024);
    try {
      const job = await call(s.client.Train.bind(s.client), { model_id: 'sp', data_tags: ['big'], hyperparameters: { backend: 'spark', factors: 8, iterations: 2 } }) as TrainingStatus__Output;
      const end = await waitTerminal(s.client, job.job_id, 120_000);
      expect(end.status).toBe('ERROR');
      expect(end.error).toMatch(/^the Spark staging directory \S+ is full \(no space left on its device, ENOSPC\)/);
      expect(end.error).toContain(staging);
      expect(existsSync(staging) ? readdirSync(staging) : []).toEqual([]);
    } finally {
      rmSync(filler, { force: true });
    }
    const h = healthClient(s.address);
    expect(await checkHealth(h)).toBe('SERVING');
    h.close();
  }, 300_000);
});

/**
 * The CLI as a newcomer meets it: --help without loading the service, a server address in the forms
 * people type, an unreachable server named with what to do, the hints of import / evaluate / recommend,
 * and train --watch before its first iteration. Real server, real child processes.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TrainingStatus__Output } from '../src/gen/recommender/v1/TrainingStatus.js';
import { serverAddress } from '../src/cli/args.js';
import { REPO_ROOT, runCli } from './helpers/cli.js';
import { call, startTestServer, type TestServer } from './helpers/server.js';
import { getStatus, importBatch, randomRows, waitFor } from './helpers/jobs.js';

let srv: TestServer;
const dir = mkdtempSync(join(tmpdir(), 'rec-cli-new-'));
beforeAll(async () => {
  srv = await startTestServer();
  await importBatch(srv, 'INTERACTIONS', randomRows(100, 60, 5), ['small']);
});
afterAll(async () => { await srv?.dispose(); rmSync(dir, { recursive: true, force: true }); });

/** A port nothing listens on (bound, then released). */
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

describe('recommender CLI for a newcomer', () => {
  it('--help loads none of grpc, apache-arrow or tfjs', async () => {
    for (const args of [['--help'], ['import', '--help'], ['serve', '--help'], ['train', '--help']]) {
      const trace = join(dir, `trace-${args[0]}.txt`);
      writeFileSync(trace, '');
      const r = await runCli(args, { nodeArgs: ['--import', join(REPO_ROOT, 'test', 'fixtures', 'trace-imports.mjs')], env: { TRACE_IMPORTS_FILE: trace } });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/usage: recommender/);
      const loaded = readFileSync(trace, 'utf8').split('\n').filter(Boolean);
      expect(loaded.some((u) => /\/cli\/main\.(js|ts)$/.test(u)), loaded.join('\n')).toBe(true);
      expect(loaded.filter((u) => /@grpc\/|apache-arrow|@tensorflow|better-sqlite3|parquet-wasm/.test(u)), args.join(' ')).toEqual([]);
    }
  });

  it('reads --server as people write it', () => {
    expect(serverAddress('127.0.0.1:50051')).toEqual({ address: '127.0.0.1:50051', tls: false });
    expect(serverAddress('localhost')).toEqual({ address: 'localhost:50051', tls: false });
    expect(serverAddress('http://rec.example.com:8080/')).toEqual({ address: 'rec.example.com:8080', tls: false });
    expect(serverAddress('https://rec.example.com')).toEqual({ address: 'rec.example.com:50051', tls: true });
    expect(serverAddress('[::1]')).toEqual({ address: '[::1]:50051', tls: false });
    expect(serverAddress('::1')).toEqual({ address: '[::1]:50051', tls: false });
    expect(serverAddress('[::1]:9000')).toEqual({ address: '[::1]:9000', tls: false });
    expect(serverAddress('dns:///rec.internal:50051')).toEqual({ address: 'dns:///rec.internal:50051', tls: false });
    expect(() => serverAddress('ftp://x')).toThrow(/ftp:\/\/ scheme is not understood/);
    expect(() => serverAddress('http://x:1/api')).toThrow(/without a path/);
    expect(() => serverAddress('x:http')).toThrow(/port must be 1-65535, got "http"/);
    expect(() => serverAddress('x:70000')).toThrow(/port must be 1-65535/);
  });

  it('an http:// address with a host and port reaches the server; an unreachable one is named with what to do', async () => {
    const port = srv.address.split(':')[1];
    const ok = await runCli(['batches', '--server', `http://127.0.0.1:${port}`]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/1 batch$/m);

    const nowhere = await freePort();
    const down = await runCli(['status', 'm', '--server', `127.0.0.1:${nowhere}`]);
    expect(down.code).toBe(1);
    expect(down.stderr).toContain(`cannot reach a recommender server at 127.0.0.1:${nowhere}`);
    expect(down.stderr).toMatch(/"npm start".*--server \(or RECOMMENDER_SERVER\)/);

    const bad = await runCli(['status', 'm', '--server', 'ftp://127.0.0.1']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/recommender status: --server "ftp:\/\/127.0.0.1": the ftp:\/\/ scheme is not understood/);
  });

  it('import warns about timestamps in 1970 and suggests --map for a foreign header', async () => {
    const seconds = join(dir, 'seconds.csv');
    writeFileSync(seconds, 'source_id,target_id,timestamp\nu1,i1,964982703\nu2,i2,964982800\n');
    const r = await runCli(['import', seconds, '--tags', 'ts1970', '--server', srv.address]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/warning: every timestamp of batch \S+ falls in 1970 \(1970-01-12T.*--timestamp-unit s/);
    const fine = await runCli(['import', seconds, '--tags', 'ts-s', '--timestamp-unit', 's', '--server', srv.address]);
    expect(fine.code, fine.stderr).toBe(0);
    expect(fine.stderr).not.toMatch(/1970/);

    const movielens = join(dir, 'ratings.csv');
    writeFileSync(movielens, 'userId,movieId,rating,timestamp\n1,1,4.0,964982703\n');
    const foreign = await runCli(['import', movielens, '--server', srv.address]);
    expect(foreign.code).toBe(1);
    expect(foreign.stderr).toMatch(/header lacks source_id, target_id .*--map userId=source_id,movieId=target_id/);
  });

  it('train --watch shows the phase before iteration 1 and an ETA only after one; evaluate and recommend --strict name their flags', async () => {
    // A long job holds the only training slot, so the watched job is seen queued, selecting and starting.
    await importBatch(srv, 'INTERACTIONS', randomRows(2000, 1000, 10, 7), ['busy']);
    const busy = await call<object, TrainingStatus__Output>(srv.client.Train.bind(srv.client), { model_id: 'busy', data_tags: ['busy'], hyperparameters: { factors: 128, iterations: 1000 } });
    await waitFor(async () => (await getStatus(srv.client, { job_id: busy.job_id })).iteration >= 1, 60_000, 'the busy job to iterate');
    let cancelled: Promise<unknown> | undefined;
    const t = await runCli(['train', '--model-id', 'fresh', '--tags', 'small', '--factors', '8', '--iterations', '3', '--watch', '--server', srv.address], {
      onStderr: (text) => {
        if (!cancelled && /waiting for a training slot/.test(text)) cancelled = call(srv.client.CancelTraining.bind(srv.client), { job_id: busy.job_id });
      },
    });
    await cancelled;
    expect(t.code, t.stderr).toBe(0);
    const lines = t.stderr.split('\n');
    expect(lines.some((l) => /0% queued it 0\/3 waiting for a training slot$/.test(l)), t.stderr).toBe(true);
    expect(lines.some((l) => /running it 0\/3 selecting the data$/.test(l)), t.stderr).toBe(true);
    expect(lines.some((l) => /running it 0\/3 selected 500 interactions \(100 sources x \d+ targets\); starting the training backend$/.test(l)), t.stderr).toBe(true);
    expect(lines.filter((l) => / eta /.test(l) && !/ loss /.test(l))).toEqual([]);

    const ev = await runCli(['evaluate', '--model-id', 'fresh', '--server', srv.address]);
    expect(ev.code).toBe(1);
    expect(ev.stdout).toMatch(/no evaluation: train it with a holdout, e\.g\. recommender train --model-id fresh --holdout 0\.2/);

    const strict = await runCli(['recommend', '--model-id', 'fresh', '--source-id', 'u1', '--source-id', 'ghost', '--strict', '--server', srv.address]);
    expect(strict.code).toBe(1);
    expect(strict.stderr).toMatch(/source "ghost" is not in model "fresh" \(field source_ids\[1\], --source-id ghost \(with --strict an unknown source is an error/);
  }, 180_000);
});

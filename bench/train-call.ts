/**
 * A Train call as a user makes it, against implicit's fit on the same matrix, in ONE run: a real server
 * (the compiled CLI, `recommender serve`, on a fresh data directory), MovieLens latest-small imported over
 * gRPC (100,836 ratings as weights), then Train calls with the default hyperparameters (factors 64,
 * regularization 30, alpha 1, 15 iterations, 3 CG steps, 2 workers), each timed from the Train call to
 * the COMPLETED status on WatchStatus. The same matrix (confidence 1 + alpha * rating) goes to
 * benfred/implicit 0.7.3 (bench/implicit_peer.py, 2 threads, same settings), whose fit() is timed alone.
 *
 *   npm run bench:train-call -- [--runs 3] [--backend auto]
 *
 * The first Train of the server is reported apart (it may start the training worker); the ratio is the
 * median of the later ones over the median of implicit's fits.
 */
import { execFile } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { makeVector, Table, tableToIPC, Utf8, vectorFromArray } from 'apache-arrow';
import { python } from '../scripts/python.mjs';
import { CooBuilder } from '../src/engine/csr.js';
import type { RecommenderClient } from '../src/gen/recommender/v1/Recommender.js';
import type { TrainingStatus__Output } from '../src/gen/recommender/v1/TrainingStatus.js';
import { createClient } from '../src/transport/client.js';
import { spawnServe } from '../test/helpers/cli.js';
import { tempDataDir } from '../test/helpers/server.js';
import { importBytes } from '../test/helpers/import.js';
import { flag, writeCsr } from './synthetic.js';

const run = promisify(execFile);
const args = process.argv.slice(2);
const runs = Number(flag(args, 'runs', '3'));
const backend = flag(args, 'backend', 'auto');
const RATINGS = new URL('../../shared/data/ml-latest-small/ratings.csv', import.meta.url);
const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;

function ratings(): { users: string[]; items: string[]; weights: Float32Array } {
  const lines = readFileSync(RATINGS, 'utf8').trim().split('\n').slice(1);
  const users: string[] = [], items: string[] = [];
  const weights = new Float32Array(lines.length);
  lines.forEach((l, i) => { const [u, m, r] = l.split(','); users.push(u!); items.push(m!); weights[i] = Number(r); });
  return { users, items, weights };
}

/** The matrix the server trains on: ids in first-seen order, one entry per (user, movie). */
function csrOf(r: ReturnType<typeof ratings>) {
  const ui = new Map<string, number>(), ii = new Map<string, number>();
  const b = new CooBuilder();
  r.users.forEach((u, j) => {
    const row = ui.get(u) ?? ui.set(u, ui.size).get(u)!;
    const col = ii.get(r.items[j]!) ?? ii.set(r.items[j]!, ii.size).get(r.items[j]!)!;
    b.push(row, col, r.weights[j]!);
  });
  return b.toCsr(ui.size, ii.size);
}

function untilDone(client: RecommenderClient, jobId: string): Promise<TrainingStatus__Output> {
  return new Promise((resolve, reject) => {
    const stream = client.WatchStatus({ job_id: jobId, heartbeat_ms: 1000 });
    stream.on('data', (s: TrainingStatus__Output) => {
      if (s.status === 'COMPLETED') { stream.cancel(); resolve(s); }
      else if (s.status === 'ERROR' || s.status === 'CANCELLED') { stream.cancel(); reject(new Error(`${s.status}: ${s.error}`)); }
    });
    stream.on('error', (e: Error & { code?: number }) => { if (e.code !== 1) reject(e); });
  });
}

async function main(): Promise<void> {
  const r = ratings();
  const dataDir = tempDataDir('bench-train-call-');
  const csrDir = join(tmpdir(), `bench-train-call-csr-${process.pid}`);
  const server = spawnServe(dataDir, ['--backend', backend, '--workers', '2']);
  try {
    const client = createClient({ address: `127.0.0.1:${await server.ready}` });
    const table = new Table({ source_id: vectorFromArray(r.users, new Utf8()), target_id: vectorFromArray(r.items, new Utf8()), weight: makeVector(r.weights) });
    await importBytes(client, { kind: 'INTERACTIONS', tags: ['movielens'] }, tableToIPC(table, 'stream'), 1 << 20);
    const calls: number[] = [];
    let device = '';
    for (let i = 0; i <= runs; i++) {
      const t0 = performance.now();
      const started = await new Promise<TrainingStatus__Output>((res, rej) => client.Train({ model_id: `m${i}`, data_tags: ['movielens'] }, (e, s) => (e ? rej(e) : res(s!))));
      const done = await untilDone(client, started.job_id);
      calls.push((performance.now() - t0) / 1000);
      device = `${done.backend}: ${done.device}`;
    }
    client.close();
    writeCsr(csrDir, csrOf(r), 1);
    const fits: number[] = [];
    const env: NodeJS.ProcessEnv = { ...process.env, OPENBLAS_NUM_THREADS: '1' };
    delete env.OPENBLAS_CORETYPE;
    delete env.OPENBLAS_L2_SIZE;
    for (let i = 0; i < runs; i++) {
      const { stdout } = await run(python, [new URL('./implicit_peer.py', import.meta.url).pathname, '--data', csrDir, '--factors', '64', '--iterations', '15',
        '--cg-steps', '3', '--threads', '2', '--regularization', '30', '--alpha', '1', '--seed', '42'], { env, maxBuffer: 1 << 24 });
      fits.push(JSON.parse(stdout.trim().split('\n').at(-1)!).fit_s);
    }
    const later = calls.slice(1);
    console.log(`# ${new Date().toISOString()} node ${process.version}, ${cpus().length} x ${cpus()[0]?.model}, load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    console.log(`# MovieLens latest-small (${r.weights.length} ratings), factors 64, reg 30, alpha 1, 15 iterations, 3 CG steps; ours: ${device}`);
    console.log('| | first Train call -> COMPLETED | later Train calls -> COMPLETED (median) | implicit 0.7.3 fit (median) | ratio |');
    console.log('|---|---|---|---|---|');
    console.log(`| s | ${calls[0]!.toFixed(2)} | ${median(later).toFixed(2)} (${later.map((c) => c.toFixed(2)).join(', ')}) | ${median(fits).toFixed(2)} (${fits.map((c) => c.toFixed(2)).join(', ')}) | ${(median(later) / median(fits)).toFixed(2)} |`);
  } finally {
    server.child.kill('SIGTERM');
    await server.exited;
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(csrDir, { recursive: true, force: true });
  }
}

await main();

/**
 * The compiled build (`npm run build`) runs on its own: it is built into a folder of its own, then its
 * CLI starts the server, imports a CSV and trains and serves through it, on a dataset large enough that
 * every kind of worker thread starts (distinct-id counting at import, selection, training, native-cpu's
 * pool, tensor shards on wasm, scoring). Every module the processes load is traced: none may come from
 * src/ or be TypeScript.
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DISTINCT_OFFLOAD_AFTER_ROWS } from '../src/data/ingest-stats.js';
import { ENGINE_SETTINGS_DEFAULTS } from '../src/engine/settings.js';
import { REPO_ROOT, runCli, spawnServe, type ServeProcess } from './helpers/cli.js';
import { tempDataDir } from './helpers/server.js';

const OUT = join(REPO_ROOT, `.dist-test-${process.pid}`);
const MAIN = join(OUT, 'cli', 'main.js');
const TRACE = join(OUT, '..', `.dist-test-${process.pid}.trace`);
const traced = { nodeArgs: ['--import', join(REPO_ROOT, 'test', 'fixtures', 'trace-imports.mjs')], env: { TRACE_IMPORTS_FILE: TRACE } };
const dataDir = tempDataDir('rec-dist-');
let serve: ServeProcess | undefined;

const walk = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));

beforeAll(async () => {
  writeFileSync(TRACE, '');
  await promisify(execFile)(process.execPath, [join(REPO_ROOT, 'scripts', 'build.mjs'), '--out', relative(REPO_ROOT, OUT)], { cwd: REPO_ROOT });
}, 180_000);
afterAll(async () => {
  if (serve && serve.child.exitCode === null) { serve.child.kill('SIGTERM'); await serve.exited; }
  rmSync(OUT, { recursive: true, force: true });
  rmSync(TRACE, { force: true });
  rmSync(dataDir, { recursive: true, force: true });
});

describe('the compiled build', () => {
  it('holds JavaScript only, with the run-time assets beside their modules, and is current', async () => {
    const files = walk(OUT).map((f) => relative(OUT, f));
    expect(files.filter((f) => f.endsWith('.ts'))).toEqual([]);
    const assets = walk(join(REPO_ROOT, 'src')).map((f) => relative(join(REPO_ROOT, 'src'), f)).filter((f) => /\.(wasm|mjs)$/.test(f));
    expect(assets).toContain(join('util', 'worker-boot.mjs'));
    for (const a of assets) expect(readFileSync(join(OUT, a)).equals(readFileSync(join(REPO_ROOT, 'src', a))), a).toBe(true);
    const again = await promisify(execFile)(process.execPath, [join(REPO_ROOT, 'scripts', 'build.mjs'), '--if-stale', '--out', relative(REPO_ROOT, OUT)], { cwd: REPO_ROOT });
    expect(again.stderr).toBe(''); // current: nothing rebuilt
  });

  it('serves, imports, trains (every worker kind) and recommends from the build alone', async () => {
    serve = spawnServe(dataDir, ['--backend', 'native-cpu', '--workers', '2', '--serving-threads', '1'], { entry: MAIN, ...traced });
    const server = `127.0.0.1:${await serve.ready}`;
    const cli = (args: string[]) => runCli([...args, '--server', server], { entry: MAIN, ...traced });

    // Distinct (user, item) pairs, more than the thresholds for counting ids and sharding on a worker.
    const users = 3000;
    const perUser = 100;
    expect(users * perUser).toBeGreaterThan(Math.max(DISTINCT_OFFLOAD_AFTER_ROWS, ENGINE_SETTINGS_DEFAULTS.tensorShardMinNonzeros));
    const lines = ['source_id,target_id,weight'];
    for (let u = 0; u < users; u++) for (let j = 0; j < perUser; j++) lines.push(`u${u},i${(u + j * 37) % 5000},1`);
    const csv = join(dataDir, 'big.csv');
    writeFileSync(csv, `${lines.join('\n')}\n`);
    const imported = await cli(['import', csv, '--tags', 'big', '--json', '--quiet']);
    expect(imported.code, imported.stderr).toBe(0);
    expect(JSON.parse(imported.stdout)).toMatchObject({ interaction_count: String(users * perUser), distinct_source_count: String(users), distinct_target_count: '5000' });

    const native = await cli(['train', '--model-id', 'native', '--tags', 'big', '--factors', '8', '--iterations', '2', '--holdout', '0.2', '--watch', '--json']);
    expect(native.code, native.stderr).toBe(0);
    const n = JSON.parse(native.stdout);
    expect(n).toMatchObject({ status: 'COMPLETED', backend: 'native-cpu' });
    expect(n.device).toMatch(/2 worker threads/);
    expect(n.evaluation.model.precision_at_k).toBeGreaterThanOrEqual(0);

    const sharded = await cli(['train', '--model-id', 'sharded', '--tags', 'big', '--backend', 'wasm', '--factors', '8', '--iterations', '1', '--watch', '--json']);
    expect(sharded.code, sharded.stderr).toBe(0);
    const s = JSON.parse(sharded.stdout);
    expect(s).toMatchObject({ status: 'COMPLETED', backend: 'wasm' });
    expect(s.device).toMatch(/x 2 worker threads/);

    for (const model of ['native', 'sharded']) {
      const rec = await cli(['recommend', '--model-id', model, '--source-id', 'u1', '--k', '5']);
      expect(rec.code, rec.stderr).toBe(0);
      expect(rec.stdout).toMatch(/source u1 \[model\]/);
      expect(rec.stdout.match(/^\s+[1-5]\s+i\d+/gm)).toHaveLength(5);
    }

    serve.child.kill('SIGTERM');
    expect(await serve.exited).toBe(0);
    const loaded = [...new Set(readFileSync(TRACE, 'utf8').split('\n').filter((u) => u.startsWith('file:')))];
    expect(loaded.some((u) => u.endsWith('/util/worker-boot.mjs'))).toBe(true);
    const ours = loaded.filter((u) => !u.includes('/node_modules/') && !u.includes('/test/fixtures/'));
    expect(ours.filter((u) => !u.startsWith(`file://${OUT}/`) && !u.startsWith(`file://${join(REPO_ROOT, 'bin')}/`))).toEqual([]);
    expect(loaded.filter((u) => /\.ts$|\/tsx\//.test(u))).toEqual([]);
  }, 240_000);
});

/**
 * CLI start-up, the dead time of every `recommender` call: whole-process wall time (spawn to exit) of
 * three commands, the median of --runs runs after one warm-up, for
 *   dist     node dist/cli/main.js (the compiled build; built first if stale)
 *   bin      node bin/recommender.mjs (what `npx recommender` runs: the staleness check, then dist/)
 *   tsx      node --import tsx src/cli/main.ts (the sources, tsx's transpile cache warm)
 *   tsx-cold the same with TSX_DISABLE_CACHE=1 (every module transpiled again: a fresh clone's first calls)
 *   before   node DIR/bin/recommender.mjs of another checkout (--before DIR, e.g. `git archive <commit> | tar -x
 *            -C DIR` with a node_modules symlink), to compare with the code before a change; before-cold
 *            the same with TSX_DISABLE_CACHE=1 (for a checkout whose bin runs the sources through tsx).
 * Commands: `--help`; `status nope` (one GetStatus round trip, answered NOT_FOUND); `import` of a 1,000-row
 * CSV (apache-arrow and the upload), against a compiled server started here.
 *
 *   npm run bench:cli -- [--runs 10] [--before DIR] [--variants dist,bin,tsx,tsx-cold,before,before-cold]
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const ROOT = join(import.meta.dirname, '..');
const { values } = parseArgs({
  options: { runs: { type: 'string', default: '10' }, before: { type: 'string' }, variants: { type: 'string', default: 'dist,bin,tsx,tsx-cold,before,before-cold' } },
});
const runs = Number(values.runs);

function time(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, argv, { cwd: ROOT, stdio: 'ignore', env: { ...process.env, ...env } });
    child.on('error', reject);
    child.on('exit', () => resolve(performance.now() - t0));
  });
}

const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s[s.length >> 1]!; };

execFileSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs'), '--if-stale'], { stdio: 'inherit' });
const dir = mkdtempSync(join(tmpdir(), 'rec-cli-bench-'));
const csv = join(dir, 'small.csv');
writeFileSync(csv, `source_id,target_id\n${Array.from({ length: 1000 }, (_, i) => `u${i % 50},i${i % 70}`).join('\n')}\n`);
const server = spawn(process.execPath, [join(ROOT, 'dist', 'cli', 'main.js'), 'serve', '--data-dir', join(dir, 'data'), '--port', '0', '--backend', 'wasm'], {
  cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, LOG_LEVEL: 'info' },
});
const port = await new Promise<number>((resolve, reject) => {
  let log = '';
  server.stderr!.on('data', (b: Buffer) => {
    log += b;
    const m = /"port":(\d+)[^\n]*"msg":"ready"/.exec(log);
    if (m) resolve(Number(m[1]));
  });
  server.on('exit', (code) => reject(new Error(`server exited ${code}: ${log}`)));
});
const address = `127.0.0.1:${port}`;

const ENTRIES: Record<string, { argv: string[]; env?: NodeJS.ProcessEnv }> = {
  dist: { argv: [join(ROOT, 'dist', 'cli', 'main.js')] },
  bin: { argv: [join(ROOT, 'bin', 'recommender.mjs')] },
  tsx: { argv: ['--import', 'tsx', join(ROOT, 'src', 'cli', 'main.ts')] },
  'tsx-cold': { argv: ['--import', 'tsx', join(ROOT, 'src', 'cli', 'main.ts')], env: { TSX_DISABLE_CACHE: '1' } },
  ...(values.before ? {
    before: { argv: [join(values.before, 'bin', 'recommender.mjs')] },
    'before-cold': { argv: [join(values.before, 'bin', 'recommender.mjs')], env: { TSX_DISABLE_CACHE: '1' } },
  } : {}),
};
const COMMANDS: Record<string, string[]> = {
  '--help': ['--help'],
  status: ['status', 'nope', '--server', address],
  import: ['import', csv, '--tags', 'bench', '--quiet', '--server', address],
};

try {
  const variants = values.variants.split(',').filter((v) => ENTRIES[v]);
  console.log(`median wall ms of ${runs} runs (after 1 warm-up); node ${process.version}`);
  console.log(['command', ...variants].map((c) => c.padStart(12)).join(''));
  for (const [name, args] of Object.entries(COMMANDS)) {
    const cells: string[] = [];
    for (const v of variants) {
      const e = ENTRIES[v]!;
      await time([...e.argv, ...args], e.env);
      const ms: number[] = [];
      for (let i = 0; i < runs; i++) ms.push(await time([...e.argv, ...args], e.env));
      cells.push(median(ms).toFixed(0));
    }
    console.log([name, ...cells].map((c) => c.padStart(12)).join(''));
  }
} finally {
  server.kill('SIGTERM');
  await new Promise((r) => server.once('exit', r));
  rmSync(dir, { recursive: true, force: true });
}

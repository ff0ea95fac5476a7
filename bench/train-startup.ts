/**
 * Where the time before iteration 1 goes, engine side: trainings through `trainInWorker` (as a server runs
 * them) on MovieLens latest-small's 80 % training split (~80k interactions; a synthetic matrix of the same
 * shape when ../shared/data is absent), one after another in ONE process: the first pays what is set up
 * once (worker thread, modules, backend probing, kernel workers), the next ones show what every training
 * pays. Times are taken on this thread when the worker's log lines and progress arrive:
 *
 *   backend   call -> "engine backend X on Y" (worker start, module loading, backend probing/start)
 *   setup     -> "ALS solver ready" (CSR checks, confidences, transpose, plan/layout, solver threads)
 *   fit       -> "done" (the iterations)
 *   before iteration 1 (est.)  the end of iteration 1 less the median iteration: the same estimate for any
 *             engine version (the first two need the engine's log lines)
 *
 *   npm run bench:train-startup -- [--backend auto|native-cpu|wasm] [--runs 3] [--iterations 15]
 *
 * Prints one JSON line per training, then a summary table. A training worker's thread and modules are
 * started lazily by the first training; `--warm` starts it ahead (warmTrainingWorker, as a server may at
 * start) and waits for it; `--fresh` starts a new process per training instead (every run cold).
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { CooBuilder } from '../src/engine/csr.js';
import { compileAlsOptions } from '../src/engine/options.js';
import type { CsrMatrix } from '../src/engine/types.js';
import { trainInWorker, warmTrainingWorker } from '../src/engine/worker-trainer.js';
import { mulberry32 } from '../src/util/random.js';

const args = process.argv.slice(2);
const flag = (name: string, dflt: string) => { const i = args.indexOf(`--${name}`); return i >= 0 ? args[i + 1]! : dflt; };
const backend = flag('backend', 'auto');
const runs = Number(flag('runs', '3'));
const iterations = Number(flag('iterations', '15'));
const RATINGS = new URL('../../shared/data/ml-latest-small/ratings.csv', import.meta.url);

/** The 80 % split (seeded per interaction) of MovieLens latest-small, ratings as weights. */
function matrix(): { m: CsrMatrix; data: string } {
  const rand = mulberry32(42);
  const b = new CooBuilder();
  if (existsSync(RATINGS)) {
    const users = new Map<string, number>(), items = new Map<string, number>();
    const id = (map: Map<string, number>, k: string) => { let v = map.get(k); if (v === undefined) map.set(k, v = map.size); return v; };
    for (const line of readFileSync(RATINGS, 'utf8').split('\n').slice(1)) {
      const [u, i, r] = line.split(',');
      if (!r || rand() >= 0.8) continue;
      b.push(id(users, u!), id(items, i!), Number(r));
    }
    return { m: b.toCsr(users.size, items.size), data: 'ml-latest-small 80%' };
  }
  for (let j = 0; j < 80_000; j++) b.push(Math.floor(610 * rand() ** 2), Math.floor(9724 * rand() ** 2), 1 + Math.floor(5 * rand()));
  return { m: b.toCsr(610, 9724), data: 'synthetic 610 x 9724' };
}

interface Run { run: number; backend: string; device: string; nnz: number; backendMs: number; setupMs: number; beforeIteration1Ms: number; estBeforeIteration1Ms: number; fitMs: number; totalMs: number }

async function once(run: number, m: CsrMatrix): Promise<Run> {
  const o = compileAlsOptions({ backend, iterations, progressIntervalMs: 0 });
  const t0 = performance.now();
  let backendAt = 0, readyAt = 0;
  const ends: number[] = [];
  const r = await trainInWorker(m, o, {
    onProgress: (p) => { if (p.phase === 'loss' || p.phase === 'done') ends.push(performance.now()); },
    log: (msg) => {
      if (msg.startsWith('engine backend ') && msg.includes(' on ')) backendAt = performance.now();
      if (msg === 'ALS solver ready') readyAt = performance.now();
    },
  });
  const end = performance.now();
  const ms = (x: number) => Math.round(x);
  const iters = ends.slice(1).map((t, i) => t - ends[i]!).sort((a, b) => a - b);
  const iteration = iters[Math.floor(iters.length / 2)] ?? 0;
  return {
    run, backend: r.backend, device: r.device, nnz: m.indices.length,
    backendMs: ms(backendAt - t0), setupMs: ms(readyAt - backendAt), beforeIteration1Ms: ms(readyAt - t0),
    estBeforeIteration1Ms: ms(ends[0]! - t0 - iteration), fitMs: ms(end - readyAt), totalMs: ms(end - t0),
  };
}

if (args.includes('--child')) {
  const { m } = matrix();
  console.log(JSON.stringify(await once(Number(flag('run', '1')), m)));
} else {
  const { m, data } = matrix();
  const out: Run[] = [];
  if (args.includes('--warm')) {
    const t = performance.now();
    const w = await warmTrainingWorker(compileAlsOptions({ backend }));
    console.log(JSON.stringify({ warm: w, ms: Math.round(performance.now() - t) }));
  }
  for (let run = 1; run <= runs; run++) {
    if (args.includes('--fresh')) {
      const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', new URL(import.meta.url).pathname, '--child', '--run', String(run), '--backend', backend, '--iterations', String(iterations)]);
      out.push(JSON.parse(stdout.trim().split('\n').at(-1)!) as Run);
    } else {
      out.push(await once(run, m));
    }
    console.log(JSON.stringify(out.at(-1)));
  }
  console.log(`\n${data}, ${m.indices.length} interactions, ${iterations} iterations, backend ${backend}${args.includes('--fresh') ? ', a fresh process per run' : ''}${args.includes('--warm') ? ', worker warmed first' : ''}`);
  console.log('| run | backend ms | setup ms | before iteration 1 ms | (est.) | fit ms | total ms |\n|---|---|---|---|---|---|---|');
  for (const r of out) console.log(`| ${r.run} | ${r.backendMs} | ${r.setupMs} | ${r.beforeIteration1Ms} | ${r.estBeforeIteration1Ms} | ${r.fitMs} | ${r.totalMs} |`);
}

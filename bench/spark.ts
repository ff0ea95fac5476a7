/**
 * The spark trainer (src/service/spark) against our own engine and benfred/implicit, side by side in ONE run.
 *
 * Speed (default): seconds per iteration and total wall time of Spark MLlib ALS on local[N] (through the
 * service's own trainer and driver), native-cpu and implicit on the same synthetic power-law data
 * (bench/synthetic.ts's csr-v1 files, as bench/speed.ts), same k, iterations, regularization and
 * confidence. Each runs as its own process; total wall = that process's whole run (start-up, data load,
 * for Spark also the JVM, the Parquet export and the factors' import). s/iter = median over iterations 2..n
 * (Spark: between the driver's iteration reports; ours and implicit's as bench/speed.ts measures them).
 * Spark solves each row exactly (Cholesky, O(k^3)); ours and implicit run 3 CG steps.
 *
 *   npx tsx bench/spark.ts --sizes 100k,1m --factors 64 --iterations 5 [--master 'local[2]'] [--backends spark,native-cpu,implicit]
 *
 * Growth: `--sizes 1m,3m,10m --backends spark`.
 *
 * Quality (`--quality`): MovieLens latest-small, the seeded 80/20 split and P@10 / NDCG@10 of
 * bench/quality.ts, for Spark at each `--reg` (factors 64, alpha 1, 15 iterations: the mapped
 * settings), the exact float64 ALS-WR reference (reference.ts with lambda * n_u: Spark's objective, our
 * solver) and native-cpu on Spark's objective (SPARK_OBJECTIVE) at the same regularizations, and
 * native-cpu with the engine defaults.
 *
 *   npx tsx bench/spark.ts --quality --reg 0.01,0.03,0.05,0.1
 *
 * Spark properties: --conf k=v,... (default: UI off, driver memory 4g); the interpreter: $PYTHON or .venv.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { python } from '../scripts/python.mjs';
import { confidences } from '../src/engine/confidence.js';
import { rowCounts, transposeCsr } from '../src/engine/csr.js';
import { initFactors } from '../src/engine/init.js';
import { compileAlsOptions, resolveSolver, type AlsOptions } from '../src/engine/options.js';
import { referenceHalfSweep } from '../src/engine/reference.js';
import { rowLambdas } from '../src/engine/regularization.js';
import { trainAls } from '../src/engine/trainer.js';
import type { CsrMatrix } from '../src/engine/types.js';
import { createLogger } from '../src/log.js';
import { evaluateHoldout } from '../src/service/evaluation/evaluate.js';
import { compileSparkSettings, parseSparkConf } from '../src/service/spark/settings.js';
import { SPARK_OBJECTIVE } from '../src/service/spark/hyperparameters.js';
import { sparkTrainer } from '../src/service/spark/spark-trainer.js';
import { readRatings } from './quality.js';
import { flag, readCsr, syntheticDir } from './synthetic.js';

const run = promisify(execFile);
const args = process.argv.slice(2);
const REG = 0.01, SEED = 1;
const SIZES: Record<string, { users: number; items: number; nnz: number }> = {
  '100k': { users: 5_000, items: 2_000, nnz: 100_000 },
  '1m': { users: 50_000, items: 20_000, nnz: 1_000_000 },
  '3m': { users: 150_000, items: 60_000, nnz: 3_000_000 },
  '10m': { users: 500_000, items: 200_000, nnz: 10_000_000 },
};

const median = (a: number[]) => {
  const s = [...a].sort((x, y) => x - y);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

function sparkOf(scratch: string) {
  const conf = parseSparkConf(flag(args, 'conf', 'spark.ui.enabled=false,spark.ui.showConsoleProgress=false,spark.driver.memory=4g').split(','))!;
  const settings = compileSparkSettings({ master: flag(args, 'master', 'local[2]'), python, conf, blocks: Number(flag(args, 'blocks', '0')) }, scratch);
  return { settings, trainer: sparkTrainer({ settings, localRoot: scratch, log: createLogger(process.env.LOG_LEVEL ?? 'warn') }) };
}

/** Child: the spark trainer on csr-v1 data; prints one JSON line (per-iteration times, phases). */
async function sparkChild(): Promise<void> {
  const m = readCsr(flag(args, 'data', ''));
  const scratch = mkdtempSync(join(tmpdir(), 'bench-spark-'));
  const { settings, trainer } = sparkOf(scratch);
  const o = compileAlsOptions({ backend: 'spark', factors: Number(flag(args, 'factors', '64')), iterations: Number(flag(args, 'iterations', '5')), regularization: REG, alpha: 1, seed: SEED });
  const t0 = performance.now();
  const phases: Record<string, number> = {};
  const ends: number[] = [];
  try {
    const r = await trainer(m, o, {
      onPhase: (p) => { phases[p] = (performance.now() - t0) / 1000; },
      onProgress: (p) => { if ((p.phase === 'loss' || p.phase === 'done') && ends.length < o.iterations) ends.push(performance.now()); },
    });
    const perIter = ends.slice(1).map((t, i) => (t - ends[i]!) / 1000);
    console.log(JSON.stringify({ sPerIter: median(perIter), perIter, phases, seconds: r.seconds, device: r.device, master: settings.master }));
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

interface Row { sPerIter: number; wall: number; note: string; error?: string }

async function timed(file: string, argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ out: Record<string, unknown>; wall: number }> {
  const t0 = performance.now();
  const { stdout } = await run(file, argv, { env, maxBuffer: 1 << 24 });
  return { out: JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, unknown>, wall: (performance.now() - t0) / 1000 };
}

async function measure(backend: string, dir: string, k: number, iters: number): Promise<Row> {
  const tsx = ['--import', 'tsx'];
  try {
    if (backend === 'spark') {
      const passOn = ['master', 'conf', 'blocks'].flatMap((f) => (args.includes(`--${f}`) ? [`--${f}`, flag(args, f, '')] : []));
      const { out, wall } = await timed(process.execPath, [...tsx, new URL(import.meta.url).pathname, '--spark-child', '--data', dir, '--factors', String(k), '--iterations', String(iters), ...passOn]);
      const ph = out.phases as Record<string, number>;
      return { sPerIter: out.sPerIter as number, wall, note: `${out.device}; phases at s: submit ${ph.submitting?.toFixed(1)}, train ${ph.training?.toFixed(1)}, fetch ${ph.fetching?.toFixed(1)}, end ${(out.seconds as number).toFixed(1)}` };
    }
    if (backend === 'native-cpu') {
      const { out, wall } = await timed(process.execPath, [...tsx, new URL('./speed.ts', import.meta.url).pathname, '--child', '--backend', 'native-cpu', '--workers', '2', '--data', dir, '--factors', String(k), '--iterations', String(iters), '--cg-steps', '3']);
      return { sPerIter: median((out.perIter as number[]).slice(1)), wall, note: `${out.device}; 3 CG steps` };
    }
    const env: NodeJS.ProcessEnv = { ...process.env, OPENBLAS_NUM_THREADS: '1' };
    delete env.OPENBLAS_CORETYPE;
    delete env.OPENBLAS_L2_SIZE;
    const { out, wall } = await timed(python, [new URL('./implicit_peer.py', import.meta.url).pathname, '--data', dir, '--factors', String(k), '--iterations', String(iters), '--cg-steps', '3', '--threads', '2', '--regularization', String(REG), '--alpha', '1', '--seed', String(SEED)], env);
    return { sPerIter: median((out.s_per_iter_all as number[]).slice(1)), wall, note: `${out.peer}, 2 threads, 3 CG steps` };
  } catch (err) {
    return { sPerIter: NaN, wall: NaN, note: '', error: String((err as Error).message).split('\n').slice(0, 3).join(' ').slice(0, 300) };
  }
}

async function speed(): Promise<void> {
  const sizes = flag(args, 'sizes', '1m').split(',');
  const k = Number(flag(args, 'factors', '64'));
  const iters = Number(flag(args, 'iterations', '5'));
  const backends = flag(args, 'backends', 'spark,native-cpu,implicit').split(',');
  const dataRoot = flag(args, 'data-root', '/tmp/recsys-bench-data');
  console.log(`# ${new Date().toISOString()} node ${process.version}, ${cpus().length} x ${cpus()[0]?.model}; load ${loadavg().map((l) => l.toFixed(2)).join(' ')}; k ${k}, ${iters} iterations, reg ${REG}`);
  console.log('| data (users x items, nnz) | backend | s/iter | total wall s | s/iter ratio to native-cpu | notes |');
  console.log('|---|---|---|---|---|---|');
  for (const size of sizes) {
    const spec = SIZES[size];
    if (!spec) throw new Error(`unknown size ${size} (one of ${Object.keys(SIZES).join(', ')})`);
    const dir = syntheticDir(dataRoot, size, spec, SEED);
    const rows: [string, Row][] = [];
    for (const b of backends) rows.push([b, await measure(b, dir, k, iters)]);
    const native = rows.find(([b]) => b === 'native-cpu')?.[1];
    for (const [b, r] of rows) {
      const ratio = native && !native.error ? (r.sPerIter / native.sPerIter).toFixed(1) : '';
      console.log(`| ${spec.users / 1000}k x ${spec.items / 1000}k, ${size} | ${b} | ${r.error ? `failed: ${r.error}` : r.sPerIter.toFixed(3)} | ${r.wall.toFixed(1)} | ${ratio} | ${r.note} |`);
    }
  }
  console.log(`# load after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
}

/** Exact float64 ALS with Spark's objective (lambda * n_u, SPARK_OBJECTIVE), from our seeded initial factors. */
function alsWrReference(m: CsrMatrix, o: { factors: number; regularization: number; alpha: number; iterations: number; seed: number }) {
  const k = o.factors, t = transposeCsr(m);
  const cr = confidences(m.data, o.alpha, false, 1), ct = confidences(t.data, o.alpha, false, 1);
  let x: Float64Array = Float64Array.from(initFactors(rowCounts(m.indptr), k, o.seed, 0));
  let y: Float64Array = Float64Array.from(initFactors(rowCounts(t.indptr), k, o.seed, 1));
  const reg = { ...SPARK_OBJECTIVE, regularization: o.regularization };
  const lu = rowLambdas(reg, m.indptr, m.cols), li = rowLambdas(reg, t.indptr, t.cols);
  for (let it = 0; it < o.iterations; it++) {
    y = referenceHalfSweep(t, ct, x, k, li); // Spark's order: items, then users
    x = referenceHalfSweep(m, cr, y, k, lu);
  }
  return { sourceFactors: Float32Array.from(x), targetFactors: Float32Array.from(y), factors: k };
}

async function quality(): Promise<void> {
  const path = flag(args, 'data', new URL('../../shared/data/ml-latest-small/ratings.csv', import.meta.url).pathname);
  const regs = flag(args, 'reg', '0.01,0.03,0.05,0.1').split(',').map(Number);
  const m = readRatings(path);
  const fmt = (x: number) => x.toFixed(4);
  console.log(`# ${new Date().toISOString()} ml-latest-small ${m.rows} x ${m.cols}, ${m.indices.length} ratings; split seed 42, holdout 0.2, k 10; load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log('| model | settings | P@10 | NDCG@10 | train s |');
  console.log('|---|---|---|---|---|');
  const row = async (name: string, settings: string, fit: (train: CsrMatrix) => Promise<{ sourceFactors: Float32Array; targetFactors: Float32Array; factors: number }>) => {
    const t0 = performance.now();
    const ev = await evaluateHoldout(m, { holdoutFraction: 0.2, seed: 42 }, fit);
    console.log(`| ${name} | ${settings} | ${fmt(ev.model.precision_at_k)} | ${fmt(ev.model.ndcg_at_k)} | ${((performance.now() - t0) / 1000).toFixed(1)} |`);
  };
  await row('native-cpu, engine defaults', 'factors 64, reg 30 (constant), alpha 1, 15 it, 3 CG', (train) => trainAls(train, compileAlsOptions({ backend: 'native-cpu' })));
  const scratch = mkdtempSync(join(tmpdir(), 'bench-spark-'));
  try {
    const { settings, trainer } = sparkOf(scratch);
    for (const reg of regs) {
      const o: AlsOptions = { backend: 'spark', factors: 64, regularization: reg, alpha: 1, iterations: 15, seed: 42, ...SPARK_OBJECTIVE };
      await row(`spark ${settings.master}`, `factors 64, reg ${reg} x n_u (ALS-WR), alpha 1, 15 it, exact`, (train) => trainer(train, compileAlsOptions(o), {}));
      if (!args.includes('--no-reference')) {
        await row('float64 reference, Spark objective', `factors 64, reg ${reg} x n_u, alpha 1, 15 it, exact`, async (train) => alsWrReference(train, { factors: 64, regularization: reg, alpha: 1, iterations: 15, seed: 42 }));
      }
      // our engine on Spark's objective: regularization_exponent 1, regularization_frequency_weight 0, unobserved_weight 1
      const same = compileAlsOptions({ ...o, backend: 'native-cpu' });
      await row('native-cpu, Spark objective', `factors 64, reg ${reg} x n_u, alpha 1, 15 it, ${resolveSolver(same, 'native-cpu') === 'subspace' ? `subspace b=${same.blockSize}` : `${same.cgSteps} CG`}`, (train) => trainAls(train, same));
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

if (args.includes('--spark-child')) await sparkChild();
else if (args.includes('--quality')) await quality();
else await speed();

/**
 * Training speed and the model it gives, side by side in ONE run: our backends and row solvers and
 * benfred/implicit (CPU, CG) on the same synthetic power-law data (bench/datasets/synthetic-csr.ts, shared
 * through bench/synthetic.ts's csr-v1 files), same factors, iterations, CG steps, regularization and
 * confidence (c = 1 + alpha w; implicit gets c itself).
 *
 *   npx tsx bench/speed.ts --sizes 1m,10m --factors 64,128,256 --iterations 15 --cg-steps 3 \
 *       --runs native-cpu:2/cg,native-cpu:2/subspace,implicit:2[,wasm:2/cg,native-cpu:2/subspace:8,wasm-stock:1/cg]
 * A run is `backend[:workers][/solver[:block_size]]` (solver default: the engine's; wasm-stock: the wasm backend
 * with tfjs's stock BatchMatMul, RECOMMENDER_WASM_BATCH_MATMUL=0), or `implicit[:threads]`; either may end in
 * `@S`, that run's CG steps (default --cg-steps), e.g. `native-cpu:2/pcg@2` against `implicit:2` at 3 steps.
 *
 * Data: `--sizes` names the TRAINING interactions: 1m = 50k users x 20k items, 10m = 500k x 200k (100k:
 * 5k x 2k); 1.25x that many distinct pairs are drawn and a seeded 80/20 per-interaction split (the service's
 * splitHoldout) keeps 80% for training and 20% for P@10.
 * Each run trains in its own child process (peak RSS = that process's VmHWM / ru_maxrss) and writes its
 * factors; this process scores every run's factors with the same code:
 *  - s/iter: median of per-iteration wall times (setup excluded; ours from the engine's end-of-iteration
 *    progress reports, implicit's from its fit callback); CPU s/iter: process CPU time (all threads) per
 *    iteration, less disturbed by other load on a shared machine; ratio: s/iter over implicit's, same run;
 *  - loss: the exact objective of the final factors over all pairs (src/engine/objective.ts with nu 0,
 *    alpha0 1, the objective implicit minimises too), divided by the total weight sum_S c + (m n - |S|);
 *  - P@10: precision at 10 (src/service/evaluation, implicit's definition, training items excluded) on the
 *    held-out pairs of `--eval-users` seeded users with test items (default 1000), all items ranked.
 * FLOPs per CG iteration (both half-sweeps, s CG steps): (s + 1) [2 (m + n) k^2 + 8 N k].
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { promisify } from 'node:util';
import { generate } from './datasets/synthetic-csr.js';
import { flag, readCsr, writeCsr } from './synthetic.js';
import { python } from '../scripts/python.mjs';
import { sampleTest } from './datasets/sample-test.js';
import { objective } from '../src/engine/objective.js';
import type { CsrMatrix } from '../src/engine/types.js';
import { evaluateRanking, splitHoldout } from '../src/service/evaluation/evaluate.js';

const exec = promisify(execFile);
const args = process.argv.slice(2);
// --regularization R (default 0.01) for every run, ours and implicit's
const REG = Number(flag(args, 'regularization', '0.01')), ALPHA = 1, SEED = 1, HOLDOUT = 0.2;

const SIZES: Record<string, { users: number; items: number; nnz: number }> = {
  '100k': { users: 5_000, items: 2_000, nnz: 100_000 },
  '1m': { users: 50_000, items: 20_000, nnz: 1_000_000 },
  '10m': { users: 500_000, items: 200_000, nnz: 10_000_000 },
};

interface Measure {
  sPerIter: number;
  cpuPerIter: number;
  peakRssMiB: number;
  perIter: number[];
  device?: string;
  error?: string;
}

function vmHwmMiB(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

function median(a: number[]): number {
  const s = [...a].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

const f32 = (file: string) => {
  const b = readFileSync(file);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
};

/** Child: train one of our backends on the data, write its factors, print one JSON line. */
async function child(): Promise<void> {
  const backend = flag(args, 'backend', 'native-cpu');
  const solver = flag(args, 'solver', '');
  const block = flag(args, 'block-size', '');
  const out = flag(args, 'out', '');
  const m = readCsr(flag(args, 'data', ''));
  const o = {
    factors: Number(flag(args, 'factors', '64')),
    regularization: REG,
    alpha: ALPHA,
    iterations: Number(flag(args, 'iterations', '4')),
    cgSteps: Number(flag(args, 'cg-steps', '3')),
    ...(solver ? { solver } : {}),
    ...(block ? { blockSize: Number(block) } : {}),
    seed: SEED,
    logScaling: false,
    logEpsilon: 1,
    workers: Number(flag(args, 'workers', '2')),
    progressIntervalMs: 1000,
    // env BENCH_CHUNK_NONZEROS: the engine's chunkNonzeros (default 262144) for our backends
    ...(process.env.BENCH_CHUNK_NONZEROS ? { chunkNonzeros: Number(process.env.BENCH_CHUNK_NONZEROS) } : {}),
  };
  const ends: number[] = [];
  const cpu: number[] = [];
  let start = 0, cpu0 = 0;
  const cpuNow = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };
  const markNow = () => { start = performance.now(); cpu0 = cpuNow(); };
  const { compileAlsOptions } = await import('../src/engine/options.js');
  const { trainAls } = await import('../src/engine/trainer.js');
  const { engineSettingsFromEnv } = await import('../src/config.js');
  const { writeFileSync } = await import('node:fs');
  const r = await trainAls(m, compileAlsOptions({ ...o, backend }), {
    onProgress: (p) => {
      // the tensor path: iteration 1 starts with its first source chunk
      if (backend !== 'native-cpu' && start === 0 && p.phase === 'sources' && p.iteration === 1) markNow();
      if ((p.phase === 'loss' || p.phase === 'done') && ends.length < p.iteration) {
        ends.push(performance.now());
        cpu.push(cpuNow());
      }
    },
    // native-cpu: iteration 1 starts right after its setup (reported in coarser steps)
    log: (msg) => { if (msg === 'native-cpu backend') markNow(); },
  }, engineSettingsFromEnv());
  mkdirSync(out, { recursive: true });
  writeFileSync(`${out}/user.f32`, r.sourceFactors);
  writeFileSync(`${out}/item.f32`, r.targetFactors);
  const perIter = ends.map((t, i) => (t - (i === 0 ? start : ends[i - 1]!)) / 1000);
  const cpuIter = cpu.map((t, i) => t - (i === 0 ? cpu0 : cpu[i - 1]!));
  const device = backend === 'native-cpu' ? r.device : `${r.backend} ${r.device}`;
  console.log(JSON.stringify({ sPerIter: median(perIter), cpuPerIter: median(cpuIter), peakRssMiB: vmHwmMiB(), perIter, device } satisfies Measure));
}

const failed = (err: unknown): Measure => ({ sPerIter: NaN, cpuPerIter: NaN, peakRssMiB: NaN, perIter: [], error: String((err as Error).message).split('\n')[0]!.slice(0, 160) });
const lastJson = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1)!);

interface Run { name: string; kind: 'ours' | 'implicit'; backend: string; workers: number; solver?: string; block?: string; steps?: number }

/** `backend[:workers][/solver[:block]][@steps]` or `implicit[:threads][@steps]` (@steps: this run's CG steps instead of --cg-steps). */
function parseRun(spec: string): Run {
  const [body, at] = spec.split('@');
  const steps = at ? Number(at) : undefined;
  if (steps !== undefined && !(Number.isInteger(steps) && steps >= 1)) throw new Error(`bad @steps in run "${spec}"`);
  const withSteps = steps ? `, ${steps} steps` : '';
  const [head, tail] = body!.split('/');
  const [backend, w] = head!.split(':');
  if (backend === 'implicit') return { name: `implicit ${w ?? 2} threads${withSteps}`, kind: 'implicit', backend, workers: Number(w ?? 2), steps };
  const [solver, block] = (tail ?? '').split(':');
  const workers = Number(w ?? 2);
  return {
    name: `${backend} ${workers} worker${workers === 1 ? '' : 's'}${solver ? `, ${solver}${block ? ` b=${block}` : ''}` : ''}${withSteps}`,
    kind: 'ours', backend, workers, solver: solver || undefined, block: block || undefined, steps,
  };
}

async function train(run: Run, dir: string, out: string, k: number, iters: number, defaultSteps: number): Promise<Measure> {
  const steps = run.steps ?? defaultSteps;
  try {
    if (run.kind === 'implicit') {
      const env: NodeJS.ProcessEnv = { ...process.env, OPENBLAS_NUM_THREADS: '1' };
      delete env.OPENBLAS_CORETYPE; // these two slow current numpy down here (see .library env notes)
      delete env.OPENBLAS_L2_SIZE;
      const { stdout } = await exec(python, [
        new URL('./implicit_peer.py', import.meta.url).pathname, '--data', dir, '--factors', String(k), '--iterations', String(iters), '--cg-steps', String(steps),
        '--threads', String(run.workers), '--regularization', String(REG), '--alpha', String(ALPHA), '--seed', String(SEED), '--save-factors', out,
      ], { env, maxBuffer: 1 << 24 });
      const j = lastJson(stdout);
      return { sPerIter: j.s_per_iter_median, cpuPerIter: j.cpu_s_per_iter_median, peakRssMiB: j.peak_rss_mib, perIter: j.s_per_iter_all, device: j.peer };
    }
    const { stdout } = await exec(process.execPath, [
      '--import', 'tsx', new URL(import.meta.url).pathname, '--child', '--backend', run.backend.replace(/-stock$/, ''), '--workers', String(run.workers),
      '--data', dir, '--factors', String(k), '--iterations', String(iters), '--cg-steps', String(steps), '--regularization', String(REG), '--out', out,
      ...(run.solver ? ['--solver', run.solver] : []), ...(run.block ? ['--block-size', run.block] : []),
    ], { maxBuffer: 1 << 24, env: { ...process.env, NODE_OPTIONS: '--max-old-space-size=8192', ...(run.backend.endsWith('-stock') ? { RECOMMENDER_WASM_BATCH_MATMUL: '0' } : {}) } });
    return lastJson(stdout) as Measure;
  } catch (err) {
    return failed(err);
  }
}

/** The test matrix restricted to `count` seeded sources that have test items (the others' rows emptied). */
/** The training split on disk (for every run) and the held-out split in memory, both from one seeded draw. */
function prepareData(root: string, size: string): { dir: string; train: CsrMatrix; test: CsrMatrix } {
  const spec = SIZES[size];
  if (!spec) throw new Error(`unknown size ${size} (one of ${Object.keys(SIZES).join(', ')})`);
  const full = generate({ users: spec.users, items: spec.items, nnz: Math.round(spec.nnz / (1 - HOLDOUT)), seed: SEED });
  const { train, test } = splitHoldout(full, HOLDOUT, SEED);
  const dir = `${root}/${size}-train-seed${SEED}`;
  if (!existsSync(`${dir}/header.json`)) writeCsr(dir, train, SEED);
  return { dir, train: readCsr(dir), test };
}

async function main(): Promise<void> {
  if (args.includes('--child')) return child();
  const sizes = flag(args, 'sizes', '1m').split(',');
  const ks = flag(args, 'factors', '64,128,256').split(',').map(Number);
  const iters = Number(flag(args, 'iterations', '15'));
  const steps = Number(flag(args, 'cg-steps', '3'));
  const runs = flag(args, 'runs', 'native-cpu:2/cg,native-cpu:2/subspace,implicit:2').split(',').map(parseRun);
  const evalUsers = Number(flag(args, 'eval-users', '1000'));
  const root = flag(args, 'data-root', '/tmp/recsys-bench-data');
  const outRoot = `${root}/factors-${process.pid}`;
  console.log(`# ${new Date().toISOString()} node ${process.version}, ${cpus().length} x ${cpus()[0]?.model}, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}; ` +
    `${iters} iterations, cg steps ${steps}, reg ${REG}, alpha ${ALPHA}; P@10 on ${evalUsers} held-out users`);
  console.log('| data (train nnz) | k | run | s/iter | ratio to implicit | CPU s/iter | CPU ratio | loss | P@10 | GFLOP/s (CG count) | peak RSS MiB |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|');
  try {
    for (const size of sizes) {
      const { dir, train: m, test } = prepareData(root, size);
      const sample = sampleTest(test, evalUsers, SEED);
      const nnz = m.indices.length;
      for (const k of ks) {
        const results: Array<[Run, Measure, number, number]> = [];
        for (const run of runs) {
          const out = `${outRoot}/${results.length}`;
          const r = await train(run, dir, out, k, iters, steps);
          let loss = NaN, p10 = NaN;
          if (!r.error) {
            const x = f32(`${out}/user.f32`), y = f32(`${out}/item.f32`);
            loss = objective(m, x, y, { factors: k, alpha: ALPHA, regularization: REG, regularizationExponent: 0, unobservedWeight: 1, logScaling: false, logEpsilon: 1 });
            p10 = evaluateRanking({ sourceFactors: x, targetFactors: y, factors: k, train: m, test: sample, k: 10 }).precision_at_k;
          }
          rmSync(out, { recursive: true, force: true });
          results.push([run, r, loss, p10]);
        }
        const peer = results.find(([run]) => run.kind === 'implicit')?.[1];
        const cgFlops = (s: number) => (s + 1) * (2 * (m.rows + m.cols) * k * k + 8 * nnz * k);
        for (const [run, r, loss, p10] of results) {
          const flops = cgFlops(run.steps ?? steps);
          const cells = r.error
            ? [`failed: ${r.error}`, '', '', '', '', '', '', '']
            : [
                r.sPerIter.toFixed(3),
                peer && !peer.error ? (r.sPerIter / peer.sPerIter).toFixed(2) : '',
                Number.isFinite(r.cpuPerIter) ? r.cpuPerIter.toFixed(3) : '',
                peer && !peer.error && Number.isFinite(r.cpuPerIter) ? (r.cpuPerIter / peer.cpuPerIter).toFixed(2) : '',
                loss.toPrecision(6),
                p10.toFixed(4),
                (flops / r.sPerIter / 1e9).toFixed(2),
                r.peakRssMiB.toFixed(0),
              ];
          console.log(`| ${m.rows / 1000}k x ${m.cols / 1000}k, ${size} (${nnz}) | ${k} | ${run.name} | ${cells.join(' | ')} |`);
        }
      }
    }
  } finally {
    rmSync(outRoot, { recursive: true, force: true });
  }
}

await main();

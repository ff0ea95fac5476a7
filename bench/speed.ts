/**
 * Training speed, side by side in ONE run: our backends and benfred/implicit (CPU, CG) on the same
 * synthetic power-law data (bench/synthetic.ts, shared through its csr-v1 files), same factors,
 * iterations, CG steps, regularization and confidence (c = 1 + alpha w; implicit gets c itself).
 *
 *   npx tsx bench/speed.ts --sizes 100k,1m --factors 64,128 --iterations 4 --cg-steps 3 \
 *       --backends native-cpu:1,native-cpu:2,implicit[,wasm,cpu,wasm-stock]
 * (wasm-stock: the wasm backend with tfjs's stock BatchMatMul, i.e. RECOMMENDER_WASM_BATCH_MATMUL=0)
 *
 * Each backend runs in its own child process (peak RSS = that process's VmHWM / ru_maxrss).
 * s/iter: median of per-iteration wall times (setup excluded; ours from the engine's end-of-iteration
 * progress reports, implicit's from its fit callback). CPU s/iter: process CPU time (all threads) per
 * iteration, which is less disturbed by other load on a shared machine.
 * FLOPs per iteration (both half-sweeps, s CG steps): (s + 1) [2 (m + n) k^2 + 8 N k]; implicit and we do
 * the same arithmetic (we also compute the exact loss each iteration, ~+6%, not counted).
 * Sizes: 100k = 5k x 2k, 1m = 50k x 20k, 10m = 500k x 200k (users x items; about 20 per user).
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { promisify } from 'node:util';
import { generate } from '../test/helpers/synthetic-csr.js';
import { flag, readCsr, writeCsr } from './synthetic.js';
import { python } from '../scripts/python.mjs';

const run = promisify(execFile);
const args = process.argv.slice(2);
const REG = 0.01, ALPHA = 1, SEED = 1;

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
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** Child: train one of our backends on the data and print one JSON line. */
async function child(): Promise<void> {
  const backend = flag(args, 'backend', 'native-cpu');
  const workers = Number(flag(args, 'workers', '2'));
  const m = readCsr(flag(args, 'data', ''));
  const o = {
    factors: Number(flag(args, 'factors', '64')),
    regularization: REG,
    alpha: ALPHA,
    iterations: Number(flag(args, 'iterations', '4')),
    cgSteps: Number(flag(args, 'cg-steps', '3')),
    seed: SEED,
    logScaling: false,
    logEpsilon: 1,
    workers,
    progressIntervalMs: 1000,
    // env BENCH_CHUNK_NONZEROS: the engine's chunkNonzeros (default 262144) for our backends
    ...(process.env.BENCH_CHUNK_NONZEROS ? { chunkNonzeros: Number(process.env.BENCH_CHUNK_NONZEROS) } : {}),
  };
  const ends: number[] = [];
  const cpu: number[] = [];
  const onProgress = (p: { iteration: number; fraction: number; loss?: number; phase: string }) => {
    if (p.loss !== undefined && Math.abs(p.fraction - p.iteration / o.iterations) < 1e-9 && ends.length < p.iteration) {
      ends.push(performance.now());
      const u = process.cpuUsage();
      cpu.push((u.user + u.system) / 1e6);
    }
  };
  let start = 0, cpu0 = 0;
  const markNow = () => {
    start = performance.now();
    const u = process.cpuUsage();
    cpu0 = (u.user + u.system) / 1e6;
  };
  const { compileAlsOptions } = await import('../src/engine/options.js');
  const { trainAls } = await import('../src/engine/trainer.js');
  const { engineSettingsFromEnv } = await import('../src/config.js');
  const r = await trainAls(m, compileAlsOptions({ ...o, backend }), {
    onProgress: (p) => {
      // the tensor path: iteration 1 starts with its first source chunk
      if (backend !== 'native-cpu' && start === 0 && p.phase === 'sources' && p.iteration === 1) markNow();
      onProgress(p);
    },
    // native-cpu: iteration 1 starts right after its setup (reported in coarser steps)
    log: (msg) => { if (msg === 'native-cpu backend') markNow(); },
  }, engineSettingsFromEnv());
  const device = backend === 'native-cpu' ? r.device : `${r.backend} ${r.device}`;
  const perIter = ends.map((t, i) => (t - (i === 0 ? start : ends[i - 1])) / 1000);
  const cpuIter = cpu.map((t, i) => t - (i === 0 ? cpu0 : cpu[i - 1]));
  const out: Measure = { sPerIter: median(perIter), cpuPerIter: median(cpuIter), peakRssMiB: vmHwmMiB(), perIter, device };
  console.log(JSON.stringify(out));
}

async function ours(backend: string, workers: number, dir: string, k: number, iters: number, steps: number): Promise<Measure> {
  try {
    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', new URL(import.meta.url).pathname, '--child', '--backend', backend.replace(/-stock$/, ''), '--workers', String(workers), '--data', dir, '--factors', String(k), '--iterations', String(iters), '--cg-steps', String(steps)],
      // "wasm-stock": the wasm backend with tfjs's own BatchMatMul (src/engine/backends/wasm-batch-matmul.ts off)
      { maxBuffer: 1 << 24, env: { ...process.env, NODE_OPTIONS: '--max-old-space-size=8192', ...(backend.endsWith('-stock') ? { RECOMMENDER_WASM_BATCH_MATMUL: '0' } : {}) } },
    );
    return JSON.parse(stdout.trim().split('\n').at(-1)!) as Measure;
  } catch (err) {
    return { sPerIter: NaN, cpuPerIter: NaN, peakRssMiB: NaN, perIter: [], error: String((err as Error).message).split('\n')[0].slice(0, 160) };
  }
}

async function implicitPeer(dir: string, k: number, iters: number, steps: number, threads: number): Promise<Measure> {
  const env: NodeJS.ProcessEnv = { ...process.env, OPENBLAS_NUM_THREADS: '1' };
  delete env.OPENBLAS_CORETYPE; // these two slow current numpy down here (see .library env notes)
  delete env.OPENBLAS_L2_SIZE;
  try {
    const { stdout } = await run(
      python,
      [new URL('./implicit_peer.py', import.meta.url).pathname, '--data', dir, '--factors', String(k), '--iterations', String(iters), '--cg-steps', String(steps), '--threads', String(threads), '--regularization', String(REG), '--alpha', String(ALPHA), '--seed', String(SEED)],
      { env, maxBuffer: 1 << 24 },
    );
    const j = JSON.parse(stdout.trim().split('\n').at(-1)!);
    return { sPerIter: j.s_per_iter_median, cpuPerIter: j.cpu_s_per_iter_median, peakRssMiB: j.peak_rss_mib, perIter: j.s_per_iter_all, device: j.peer };
  } catch (err) {
    return { sPerIter: NaN, cpuPerIter: NaN, peakRssMiB: NaN, perIter: [], error: String((err as Error).message).split('\n')[0].slice(0, 160) };
  }
}

async function main(): Promise<void> {
  if (args.includes('--child')) return child();
  const sizes = flag(args, 'sizes', '1m').split(',');
  const ks = flag(args, 'factors', '64').split(',').map(Number);
  const iters = Number(flag(args, 'iterations', '4'));
  const steps = Number(flag(args, 'cg-steps', '3'));
  const backends = flag(args, 'backends', 'native-cpu:1,native-cpu:2,implicit').split(',');
  const dataRoot = flag(args, 'data-root', '/tmp/recsys-bench-data');
  console.log(`# ${new Date().toISOString()} node ${process.version}, ${cpus().length} x ${cpus()[0]?.model}; iterations ${iters}, cg steps ${steps}, reg ${REG}, alpha ${ALPHA}`);
  console.log('| data (users x items, nnz) | k | backend | s/iter | ratio to implicit | CPU s/iter | interactions/s | GFLOP/s | peak RSS MiB |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const size of sizes) {
    const spec = SIZES[size];
    if (!spec) throw new Error(`unknown size ${size} (one of ${Object.keys(SIZES).join(', ')})`);
    const dir = `${dataRoot}/${size}-seed${SEED}`;
    if (!existsSync(`${dir}/header.json`)) writeCsr(dir, generate({ ...spec, seed: SEED }), SEED);
    for (const k of ks) {
      const results: [string, Measure][] = [];
      for (const b of backends) {
        const [name, w] = b.split(':');
        if (name === 'implicit') results.push([`implicit (${w ?? 2} threads)`, await implicitPeer(dir, k, iters, steps, Number(w ?? 2))]);
        else results.push([`${name}${w ? ` (${w} worker${w === '1' ? '' : 's'})` : ''}`, await ours(name, Number(w ?? 2), dir, k, iters, steps)]);
      }
      const peer = results.find(([n]) => n.startsWith('implicit'))?.[1];
      const flops = (steps + 1) * (2 * (spec.users + spec.items) * k * k + 8 * spec.nnz * k);
      for (const [name, r] of results) {
        const cells = r.error
          ? [`failed: ${r.error}`, '', '', '', '', '']
          : [
              r.sPerIter.toFixed(3),
              peer && !peer.error ? (r.sPerIter / peer.sPerIter).toFixed(2) : '',
              Number.isFinite(r.cpuPerIter) ? r.cpuPerIter.toFixed(3) : '',
              (spec.nnz / r.sPerIter / 1e6).toFixed(2) + 'M',
              (flops / r.sPerIter / 1e9).toFixed(2),
              r.peakRssMiB.toFixed(0),
            ];
        console.log(`| ${spec.users / 1000}k x ${spec.items / 1000}k, ${size} | ${k} | ${name} | ${cells.join(' | ')} |`);
      }
    }
  }
}

await main();

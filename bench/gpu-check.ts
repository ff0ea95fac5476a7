/**
 * The GPU check (run through bench/gpu-check.sh, which prepares the machine and puts a hard timeout on it).
 *
 *  1. Reports what is there: tfjs-node-gpu (and whether it reaches CUDA), every WebGPU adapter Dawn offers.
 *  2. Picks the GPU backend: `tensorflow` when tfjs-node-gpu is present and uses the GPU, else `webgpu` on a
 *     hardware adapter (`--backend` overrides; `--small` also accepts a software adapter).
 *  3. Correctness: the same small matrix trained on that backend and on wasm (the CPU path), with each row
 *     solver of `--solvers` (cg, pcg, subspace); loss curves and factors must agree within tolerance (float32 on
 *     different hardware), and each run must record the solver asked for (pcg must not have become cg).
 *  4. Speed: a lastfm-360k-shaped synthetic set (358,868 x 292,385, 17.5M interactions, power-law),
 *     k = 128, 15 iterations, with each solver in turn (`--solvers`, default cg, pcg, subspace: 3 CG steps;
 *     blocks of the engine's default block size); prints seconds per iteration per solver. Each solver's
 *     training stops at its share of the time budget (`--budget-s`) and reports the iterations it completed,
 *     so the script always ends in time.
 *
 * Flags: --small (tiny sizes: proves the script end to end on a CPU / software adapter), --backend B,
 *        --budget-s S (seconds for everything, default 330), --chunk N (chunkNonzeros for the GPU run),
 *        --solvers cg,pcg,subspace (which row solvers to check and time, in order), --block-size B (subspace).
 * Last line: `GPU-CHECK {json}` with every figure, for logs.
 */
import { createRequire } from 'node:module';
import { cpus, totalmem } from 'node:os';
import { compileAlsOptions } from '../src/engine/options.js';
import { trainAls } from '../src/engine/trainer.js';
import { initBackend } from '../src/engine/backend.js';
import { describeAdapter, initWebGpuBackend, probeWebGpuAdapters } from '../src/engine/backends/webgpu.js';
import type { AlsResult, CsrMatrix, TrainProgress } from '../src/engine/types.js';
import { LASTFM_360K, scaled, syntheticPowerLaw } from './datasets/synthetic-csr.js';

const t0 = performance.now();
const args = process.argv.slice(2);
const flag = (name: string, dflt?: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : dflt;
};
const small = args.includes('--small');
const solvers = (flag('solvers', 'cg,pcg,subspace') ?? 'cg,pcg,subspace').split(',');
const blockSize = flag('block-size') ? Number(flag('block-size')) : undefined;
const budgetS = Number(flag('budget-s', '330'));
const elapsed = () => (performance.now() - t0) / 1000;
const left = () => budgetS - elapsed();
const summary: Record<string, unknown> = { mode: small ? 'small' : 'full', node: process.version, cpus: cpus().length, cpuModel: cpus()[0]?.model, memGiB: Math.round(totalmem() / 2 ** 30) };
const say = (msg: string) => console.log(`[${elapsed().toFixed(1).padStart(6)} s] ${msg}`);
const log = (msg: string, fields?: Record<string, unknown>) => say(`  engine: ${msg}${fields ? ' ' + JSON.stringify(fields) : ''}`);

function finish(code: number, verdict: string): never {
  summary.verdict = verdict;
  summary.totalSeconds = Number(elapsed().toFixed(1));
  console.log(`GPU-CHECK ${JSON.stringify(summary)}`);
  process.exit(code);
}

// ---- 1. what is there -------------------------------------------------------------------------------
const require = createRequire(import.meta.url);
let tfjsNodeGpu: string | undefined;
try {
  tfjsNodeGpu = require.resolve('@tensorflow/tfjs-node-gpu');
} catch {
  tfjsNodeGpu = undefined;
}
say(`tfjs-node-gpu: ${tfjsNodeGpu ? `present (${tfjsNodeGpu})` : 'absent'}`);
const adapters = await probeWebGpuAdapters();
say(`WebGPU adapters: ${adapters.length ? adapters.map(describeAdapter).join('; ') : 'none'}`);
for (const a of adapters) say(`  ${JSON.stringify(a)}`);
summary.webgpuAdapters = adapters;
summary.tfjsNodeGpu = Boolean(tfjsNodeGpu);

// ---- 2. which backend --------------------------------------------------------------------------------
let backend = flag('backend');
let device = '';
if (!backend && tfjsNodeGpu) {
  try {
    const c = await initBackend('tensorflow', { log });
    if (c.device.startsWith('GPU')) [backend, device] = [c.backend, c.device];
    else say(`tensorflow runs on ${c.device}: not a GPU, trying webgpu`);
  } catch (err) {
    say(`tensorflow backend failed: ${(err as Error).message}`);
  }
}
if (!backend) {
  const hw = adapters.find((a) => !a.software);
  if (hw || (small && adapters.length)) backend = 'webgpu';
}
if (!backend) {
  say('no GPU backend: neither tfjs-node-gpu on CUDA nor a hardware WebGPU adapter (see the notes printed by gpu-check.sh)');
  finish(3, 'no-gpu-backend');
}
{
  const c = await initBackend(compileAlsOptions({ backend }).backend, { log });
  device = c.device;
  summary.backend = c.backend;
  summary.device = c.device;
  say(`GPU backend: ${c.backend} on ${c.device}`);
  if (!small && c.device.startsWith('software')) finish(3, 'software-adapter-only');
}

// ---- 3. correctness against wasm -------------------------------------------------------------------
function relDiff(a: Float32Array, b: Float32Array): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += a[i] ** 2;
  }
  return Math.sqrt(num / (den || 1));
}
{
  const shape = small ? { rows: 120, cols: 80, nnz: 1500, seed: 11 } : { rows: 3000, cols: 2000, nnz: 60_000, seed: 11 };
  const k = small ? 8 : 32;
  const m = syntheticPowerLaw(shape);
  const checks: Record<string, unknown> = {};
  let allOk = true;
  for (const solver of solvers) {
    const opts = (b: string) => compileAlsOptions({ backend: b, factors: k, iterations: 4, regularization: 1, seed: 5, solver, ...(blockSize ? { blockSize } : {}) });
    const gpu = await trainAls(m, opts(backend), {});
    const cpu = await trainAls(m, opts('wasm'), {});
    const lossRel = Math.max(...gpu.lossCurve.map((l, i) => Math.abs(l - cpu.lossCurve[i]) / cpu.lossCurve[i]));
    const srcRel = relDiff(cpu.sourceFactors, gpu.sourceFactors);
    const tgtRel = relDiff(cpu.targetFactors, gpu.targetFactors);
    // both ran the solver asked for (e.g. pcg did not fall back to cg)
    const ran = { gpu: gpu.solver, wasm: cpu.solver };
    const ok = lossRel < 1e-3 && srcRel < 2e-2 && tgtRel < 2e-2 && gpu.solver === solver && cpu.solver === solver;
    allOk &&= ok;
    checks[solver] = { lossRel, srcRel, tgtRel, ran, gpuSeconds: gpu.seconds, wasmSeconds: cpu.seconds, ok };
    say(
      `correctness ${solver} ${ok ? 'PASS' : 'FAIL'} (${shape.rows}x${shape.cols}, ${shape.nnz} nnz, k=${k}; ran ${ran.gpu} / ${ran.wasm}): loss max rel diff ${lossRel.toExponential(2)} (< 1e-3), ` +
        `factors rel diff ${srcRel.toExponential(2)} / ${tgtRel.toExponential(2)} (< 2e-2); ${backend} ${gpu.seconds.toFixed(2)} s, wasm ${cpu.seconds.toFixed(2)} s`,
    );
  }
  summary.correctness = { shape, k, iterations: 4, ...checks, ok: allOk };
  if (!allOk) finish(4, 'correctness-failed');
}

// ---- 4. speed on the lastfm-360k-shaped set --------------------------------------------------------
{
  const shape = small ? scaled(LASTFM_360K, 1 / 400) : LASTFM_360K;
  const k = small ? 16 : 128;
  const iterations = small ? 3 : 15;
  say(`generating ${shape.rows} x ${shape.cols}, ${shape.nnz} interactions (power-law, seeded) ...`);
  const m: CsrMatrix = syntheticPowerLaw(shape);
  const nnz = m.indices.length;
  say(`generated ${nnz} interactions`);
  let chunk = Number(flag('chunk', small ? '262144' : '1048576'));
  if (backend === 'webgpu') {
    // A chunk's gathered [B, L, k] float32 block must fit in one storage-buffer binding of the device.
    const { limits } = await initWebGpuBackend();
    const cap = 2 ** Math.floor(Math.log2(Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize) / (k * 4)));
    if (chunk > cap) say(`chunk ${chunk} -> ${cap}: the device binds at most ${limits.maxStorageBufferBindingSize} bytes per buffer`);
    chunk = Math.min(chunk, cap);
    summary.webgpuLimits = limits;
  }
  const speeds: Record<string, unknown> = {};
  let anyIteration = false, allCompleted = true;
  for (const [index, solver] of solvers.entries()) {
    const options = compileAlsOptions({
      backend, factors: k, iterations, cgSteps: 3, regularization: 1, chunkNonzeros: chunk, progressIntervalMs: 5000, solver, ...(blockSize ? { blockSize } : {}),
    });
    const ends: number[] = [];
    let lastProgress: TrainProgress | undefined;
    const startT = performance.now();
    const stop = new AbortController();
    // each solver left gets an equal share of what remains
    const trainBudget = Math.max(5, (left() - 10) / (solvers.length - index));
    const timer = setTimeout(() => stop.abort(new Error('time budget')), trainBudget * 1000);
    const label = `${solver}${solver === 'subspace' ? ` (block ${options.blockSize})` : ' (3 steps)'}`;
    say(`training ${label}: k=${k}, ${iterations} iterations, chunk=${chunk} nnz, budget ${trainBudget.toFixed(0)} s on ${backend} (${device})`);
    let result: AlsResult | undefined;
    try {
      result = await trainAls(m, options, {
        signal: stop.signal,
        onProgress: (p) => {
          lastProgress = p;
          if (p.phase === 'loss' || p.phase === 'done') {
            ends.push((performance.now() - startT) / 1000);
            const prev = ends.length > 1 ? ends[ends.length - 2] : 0;
            say(`  ${solver} iteration ${p.iteration}/${iterations}: ${(ends[ends.length - 1] - prev).toFixed(3)} s, loss ${p.loss?.toFixed(6)}`);
          }
        },
      });
    } catch (err) {
      say(`training ${solver} stopped: ${(err as Error).message} (after ${ends.length} iterations; last progress ${JSON.stringify(lastProgress)})`);
    } finally {
      clearTimeout(timer);
    }
    const per = ends.map((e, i) => e - (i ? ends[i - 1] : 0));
    const steady = per.length > 1 ? per.slice(1) : per;
    const mean = steady.length ? steady.reduce((a, b) => a + b, 0) / steady.length : NaN;
    const sorted = [...steady].sort((a, b) => a - b);
    const median = sorted.length ? sorted[sorted.length >> 1] : NaN;
    // FLOPs per CG iteration with s steps ~ (s+1)[2(m+n)k^2 + 8Nk] (NOTES.md); the same count for subspace, for comparison.
    const flops = 4 * (2 * (m.rows + m.cols) * k * k + 8 * nnz * k);
    speeds[solver] = {
      iterationsDone: per.length,
      firstIterationSeconds: per[0],
      secondsPerIteration: mean,
      medianSecondsPerIteration: median,
      lastLoss: lastProgress?.loss,
      gflopsCgCount: mean ? flops / mean / 1e9 : undefined,
      interactionsPerSecond: mean ? nnz / mean : undefined,
      completed: Boolean(result),
      blockSize: solver === 'subspace' ? options.blockSize : undefined,
    };
    anyIteration ||= per.length > 0;
    allCompleted &&= Boolean(result);
    say(
      `SPEED ${backend} ${label} on ${device}: ${per.length}/${iterations} iterations; first ${per[0]?.toFixed(3)} s (includes upload/shader compile); ` +
        `steady ${mean.toFixed(3)} s/iteration (median ${median.toFixed(3)}), ${(flops / mean / 1e9).toFixed(1)} GFLOP/s (CG count), ${(nnz / mean / 1e6).toFixed(2)}M interactions/s`,
    );
  }
  summary.speed = { shape: { rows: m.rows, cols: m.cols, nnz }, k, iterationsPlanned: iterations, chunk, solvers: speeds };
  if (!small) say('anchors (benfred/implicit, lastfm-360k k=128): 0.389 s/iteration on an A6000, 0.943 s on a 1080 Ti; goal <= 0.1 s');
  finish(anyIteration ? 0 : 5, allCompleted ? 'ok' : anyIteration ? 'partial (time budget)' : 'no-iteration-finished');
}

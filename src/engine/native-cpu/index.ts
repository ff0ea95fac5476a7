/**
 * The native-cpu backend: implicit ALS with conjugate-gradient row solves (formula in kernel-js.ts),
 * rows sharded over worker threads that share the factors zero-copy through one shared memory region
 * (layout.ts). The calling thread only coordinates (atomics + messages) and stays responsive.
 *
 * Kernel: WebAssembly SIMD (kernel-wasm.ts, built from kernel.c; the relaxed-SIMD build with fused
 * multiply-adds where the runtime compiles it) when it loads and the problem fits in wasm32 memory (4 GiB),
 * else the pure-JS kernel (kernel-js.ts); all compute the same formulas.
 */
import { availableParallelism } from 'node:os';
import { CancelledError, TrainingDivergedError } from '../../errors.js';
import type { CompiledAlsOptions } from '../options.js';
import { progressReporter } from '../progress.js';
import type { AlsResult, CsrMatrix, TrainHooks } from '../types.js';
import { CTL_ABORT, CTL_NEXT, CTL_ROWS_DONE, GRAM_BLOCKS, planLayout, views, type Layout } from './layout.js';
import { confidences } from '../confidence.js';
import { initFactors, rowCounts } from '../init.js';
import { checkMatrix, chunkBounds, claimOrder, transpose } from './prepare.js';
import { WorkerPool } from './pool.js';
import type { KernelKind, WorkerInit } from './protocol.js';
import { createSharedMemory, loadWasmModule, WASM_BASE, WASM_MAX_BYTES, type WasmMemory, type WasmModule } from './kernel-wasm.js';

export interface NativeCpuTuning {
  /** 'auto' (default): wasm when available, else js. Env NATIVE_CPU_KERNEL overrides 'auto'. */
  kernel?: 'auto' | KernelKind;
  /** false: the plain wasm kernel even where relaxed SIMD (fused multiply-add) is available (tests). */
  relaxedSimd?: boolean;
  /** Initial factors (tests): copied instead of the seeded draw. */
  initial?: { sourceFactors: Float32Array; targetFactors: Float32Array };
}

type Opts = Pick<
  CompiledAlsOptions,
  'factors' | 'regularization' | 'alpha' | 'iterations' | 'cgSteps' | 'seed' | 'logScaling' | 'logEpsilon'
> &
  Partial<Pick<CompiledAlsOptions, 'workers' | 'chunkNonzeros' | 'progressIntervalMs'>>;

export async function trainNativeCpu(
  matrix: CsrMatrix,
  options: Opts,
  hooks: TrainHooks = {},
  tuning: NativeCpuTuning = {},
): Promise<AlsResult> {
  const t0 = performance.now();
  const signal = hooks.signal;
  const cancelled = () => new CancelledError('training cancelled', { cause: signal?.reason });
  if (signal?.aborted) throw cancelled();
  checkMatrix(matrix);

  // Rows are padded to a multiple of 4 floats (the SIMD width); padded coordinates stay exactly 0.
  const k0 = options.factors;
  const k = Math.ceil(k0 / 4) * 4;
  const m = matrix.rows, n = matrix.cols, nnz = matrix.indptr[m];
  const lambda = options.regularization;
  const workers = Math.max(1, Math.min(options.workers ?? availableParallelism(), 256));
  const chunkNonzeros = options.chunkNonzeros ?? 262_144;
  const progressMs = options.progressIntervalMs ?? 1000;
  const emit = progressReporter(hooks.onProgress, options.iterations, t0);
  emit({ fraction: 0, iteration: 0, phase: 'setup' });

  // Chunks depend on the data only (not on the worker count): results are the same for any count.
  const uChunks = chunkBounds(matrix.indptr, m, k, chunkNonzeros);
  // Same confidence rule (and float32-overflow error) and same initial factors as the tensor path.
  const uConfTmp = confidences(matrix.data.subarray(0, nnz), options.alpha, options.logScaling, options.logEpsilon);
  let sumC = 0;
  for (let j = 0; j < nnz; j++) sumC += uConfTmp[j];
  const iIndptrTmp = new Int32Array(n + 1);
  const iIndices = new Int32Array(nnz);
  const iConf = new Float32Array(nnz);
  transpose(m, n, matrix.indptr, matrix.indices, uConfTmp, iIndptrTmp, iIndices, iConf);
  const iChunks = chunkBounds(iIndptrTmp, n, k, chunkNonzeros);

  let kernel: KernelKind = tuning.kernel && tuning.kernel !== 'auto' ? tuning.kernel : ((process.env.NATIVE_CPU_KERNEL as KernelKind) || 'wasm');
  const plan = (base: number) =>
    planLayout({ rows: m, cols: n, nnz, k, maxWorkers: workers, uChunkCount: uChunks.length - 1, iChunkCount: iChunks.length - 1 }, base);
  let layout: Layout = plan(kernel === 'wasm' ? WASM_BASE : 0);
  let module: WasmModule | undefined;
  let relaxed = false;
  let memory: WasmMemory | undefined;
  let buffer: SharedArrayBuffer;
  if (kernel === 'wasm') {
    try {
      if (layout.end > WASM_MAX_BYTES) throw new Error(`needs ${layout.end} bytes, more than wasm32 allows`);
      ({ module, relaxed } = await loadWasmModule(tuning.relaxedSimd ?? true));
      memory = createSharedMemory(layout.end);
      buffer = memory.buffer as unknown as SharedArrayBuffer;
    } catch (err) {
      hooks.log?.('native-cpu: wasm kernel unavailable, using the JS kernel', { reason: String((err as Error)?.message ?? err) });
      kernel = 'js';
      layout = plan(0);
      buffer = new SharedArrayBuffer(layout.end);
    }
  } else {
    buffer = new SharedArrayBuffer(layout.end);
  }
  const v = views(buffer!, layout);
  v.uIndptr.set(matrix.indptr);
  v.uIndices.set(matrix.indices.subarray(0, nnz));
  v.uConf.set(uConfTmp);
  v.iIndptr.set(iIndptrTmp);
  v.iIndices.set(iIndices);
  v.iConf.set(iConf);
  v.uChunks.set(uChunks);
  v.iChunks.set(iChunks);
  v.uOrder.set(claimOrder(matrix.indptr, uChunks, k));
  v.iOrder.set(claimOrder(iIndptrTmp, iChunks, k));
  if (tuning.initial) {
    pad(tuning.initial.sourceFactors, k0, v.X, k);
    pad(tuning.initial.targetFactors, k0, v.Y, k);
  } else {
    pad(initFactors(rowCounts(matrix.indptr), k0, options.seed, 0), k0, v.X, k);
    pad(initFactors(rowCounts(iIndptrTmp), k0, options.seed, 1), k0, v.Y, k);
  }
  hooks.log?.('native-cpu backend', { kernel, relaxedSimd: relaxed, workers, rows: m, cols: n, nnz, factors: k0, sharedBytes: layout.end });

  const ctl = v.control;
  let pool: WorkerPool | undefined;
  let timer: NodeJS.Timeout | undefined;
  const onAbort = () => {
    Atomics.store(ctl, CTL_ABORT, 1);
    pool?.fail(cancelled());
    void pool?.terminate();
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  const lossCurve: number[] = [];
  try {
    pool = await WorkerPool.start(workers, (w): WorkerInit => ({ kind: 'init', layout, kernel, workerIndex: w, buffer: memory ? undefined : buffer, memory, module }));
    if (signal?.aborted) throw cancelled();
    const denom = sumC + m * n - nnz;
    let traceX = 0;
    for (let it = 1; it <= options.iterations; it++) {
      for (const side of ['u', 'i'] as const) {
        // A0 = G + lambda I of the fixed side, summed over fixed blocks in block order (deterministic).
        Atomics.store(ctl, CTL_NEXT, 0);
        await pool.run({ kind: 'gram', side });
        const trace = reduceGram(v.gramPartials, k, lambda, v.gram);
        if (side === 'i') traceX = trace;

        const rowsOfSide = side === 'u' ? m : n;
        Atomics.store(ctl, CTL_NEXT, 0);
        Atomics.store(ctl, CTL_ROWS_DONE, 0);
        const frac = () => (it - 1 + (side === 'i' ? 0.5 : 0) + (0.5 * Atomics.load(ctl, CTL_ROWS_DONE)) / Math.max(1, rowsOfSide)) / options.iterations;
        const phase = side === 'u' ? 'sources' : 'targets';
        timer = setInterval(
          () => emit({ fraction: frac(), iteration: it, loss: lossCurve.at(-1), lossKind: 'exact', phase }),
          Math.max(20, progressMs),
        );
        await pool.run({ kind: 'solve', side, steps: options.cgSteps, withLoss: side === 'i' });
        clearInterval(timer);
        timer = undefined;
      }
      let l = 0;
      for (let c = 0; c < layout.iChunkCount; c++) l += v.lossPartials[c];
      const loss = (l + lambda * traceX) / denom;
      if (!Number.isFinite(loss)) {
        throw new TrainingDivergedError(
          `training diverged at iteration ${it}: factors became NaN/Inf (regularization ${lambda} is likely too small for ` +
            `alpha ${options.alpha} and these weights; raise regularization, lower alpha or enable log scaling)`,
          { field: 'hyperparameters.regularization' },
        );
      }
      lossCurve.push(loss);
      emit({ fraction: it / options.iterations, iteration: it, loss, lossKind: 'exact', phase: it === options.iterations ? 'done' : 'targets' });
    }
    return {
      factors: k0,
      sourceFactors: unpad(v.X, k, k0),
      targetFactors: unpad(v.Y, k, k0),
      lossCurve,
      lossKind: 'exact',
      iterations: options.iterations,
      backend: 'native-cpu',
      device: `CPU: ${workers} worker thread${workers > 1 ? 's' : ''}, ${kernel === 'wasm' ? `WebAssembly SIMD${relaxed ? ' (relaxed, fused multiply-add)' : ''}` : 'JS'} kernel`,
      seconds: (performance.now() - t0) / 1000,
    };
  } catch (err) {
    if (signal?.aborted) throw cancelled();
    throw err;
  } finally {
    if (timer) clearInterval(timer);
    signal?.removeEventListener('abort', onAbort);
    await pool?.terminate();
  }
}

/**
 * gram = sum of the GRAM_BLOCKS partials (float64, in block order) + lambda I, stored as float32; returns
 * the trace of the sum. A plain function, not inline in the async trainer: V8 cannot optimize a hot loop
 * inside an async function on its first runs (no on-stack replacement there), and this loop over
 * GRAM_BLOCKS * k^2 entries then cost 25-40 ms per half-sweep in the first iterations (k = 128).
 */
function reduceGram(partials: Float64Array, k: number, lambda: number, gram: Float32Array): number {
  const kk = k * k;
  const g = new Float64Array(kk);
  for (let b = 0; b < GRAM_BLOCKS; b++) {
    const o = b * kk;
    for (let q = 0; q < kk; q++) g[q] += partials[o + q];
  }
  let trace = 0;
  for (let a = 0; a < k; a++) trace += g[a * k + a];
  for (let q = 0; q < kk; q++) gram[q] = g[q];
  for (let a = 0; a < k; a++) gram[a * k + a] += lambda;
  return trace;
}

/** Copies rows of width k0 into rows of width k >= k0 (the rest stays 0). */
function pad(src: Float32Array, k0: number, dst: Float32Array, k: number): void {
  if (k0 === k) return dst.set(src);
  const rows = src.length / k0;
  for (let r = 0; r < rows; r++) dst.set(src.subarray(r * k0, (r + 1) * k0), r * k);
}

function unpad(src: Float32Array, k: number, k0: number): Float32Array {
  if (k0 === k) return src.slice();
  const rows = src.length / k;
  const out = new Float32Array(rows * k0);
  for (let r = 0; r < rows; r++) out.set(src.subarray(r * k, r * k + k0), r * k0);
  return out;
}

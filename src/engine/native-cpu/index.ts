/**
 * The native-cpu solver: the half-sweep (als-driver.ts) on our own kernel, rows sharded over worker
 * threads that share the factors zero-copy through one shared memory region (layout.ts). The calling
 * thread only coordinates (atomics + messages) and stays responsive; the workers are pooled (pool.ts).
 *
 * Kernel: WebAssembly SIMD (kernel-wasm.ts, built from kernel.c; the relaxed-SIMD build with fused
 * multiply-adds where the runtime compiles it) when it loads and the problem fits in wasm32 memory (4 GiB),
 * else the pure-JS kernel (kernel-js.ts); all compute the same formulas.
 *
 * Each update solves with A0 = alpha0 G + base I of the other side (written once into the region; the
 * per-row lambda_r - base, if any, is in the region too), then computes the new side's Gram (gram task,
 * float64 partials summed in block order: deterministic). The kernels' loss part of a target half-sweep is,
 * for CG, the row objective sum_i [y_i^T (A0 + e_i I) y_i + sum_u (c (1 - s)^2 - alpha0 s^2)], so the sparse
 * term the loop wants is that minus alpha0 <X^T X, Y^T Y> + base tr Y^T Y + sum_i e_i |y_i|^2 (the penalty
 * the kernels return too); the subspace pass returns the sparse term itself. Solvers pcg and hybrid write L,
 * L^-1 and L^-T of A0 = L L^T instead and put the fixed side in pcg's coordinates first (whiten task, W = Y
 * L^-T); their row objective is CG's (z^T z = x^T A0 x).
 */
import { createSharedMemory, WASM_MAX_BYTES, type WasmMemory, type WasmModule } from '../../util/wasm.js';
import type { Gram, HalfSweepSolver, Side, SolverFactory } from '../als-driver.js';
import type { EngineSettings } from '../settings.js';
import { chunkBounds, claimOrder } from './chunks.js';
import { pcgFactors } from '../cholesky.js';
import { exactMaxFor } from './exact-rows.js';
import type { KernelKind } from './kernel-protocol.js';
import { loadKernelModule, WASM_BASE } from './kernel-wasm.js';
import { CTL_NEXT, CTL_ROWS_DONE, GRAM_BLOCKS, planLayout, views, type Layout, type Views } from './layout.js';
import { KernelPool } from './pool.js';

/** The native-cpu solver with the kernel the settings choose. */
export function nativeCpuSolver(settings: Pick<EngineSettings, 'nativeCpuKernel' | 'relaxedSimd'>): SolverFactory {
  return async (p, initial, hooks) => {
    const o = p.options;
    const U = p.csr.sources, I = p.csr.targets;
    // Rows are padded to a multiple of 4 floats (the SIMD width); padded coordinates stay exactly 0.
    const k0 = o.factors;
    const k = Math.ceil(k0 / 4) * 4;
    const m = U.rows, n = I.rows, nnz = U.indices.length;
    const { base, extra } = p.reg;
    const alpha0 = o.unobservedWeight;
    const subspace = o.solver === 'subspace';
    // solver pcg: CG preconditioned by A0, in the coordinates where A0 = I (kernel-js.ts pcgRow); hybrid: pcg,
    // with the rows short enough for it solved exactly there instead (exact-rows.ts)
    const pcg = o.solver === 'pcg' || o.solver === 'hybrid';
    const exactMax = o.solver === 'hybrid' ? exactMaxFor(k, o.cgSteps) : 0;
    const block = subspace ? Math.min(o.blockSize, k) : 0;
    const maxRow = subspace ? Math.max(longestRow(U.indptr), longestRow(I.indptr)) : 0;
    const workers = Math.max(1, Math.min(o.workers, 256));

    // Chunks depend on the data only (not on the worker count): results are the same for any count.
    const uChunks = chunkBounds(U.indptr, m, k, o.chunkNonzeros);
    const iChunks = chunkBounds(I.indptr, n, k, o.chunkNonzeros);
    const plan = (at: number) =>
      planLayout({
        rows: m, cols: n, nnz, k, maxWorkers: workers, uChunkCount: uChunks.length - 1, iChunkCount: iChunks.length - 1, block, maxRow, perRowReg: Boolean(extra),
        exactMax, pcg,
      }, at);
    let kernel: KernelKind = settings.nativeCpuKernel;
    let layout: Layout = plan(kernel === 'wasm' ? WASM_BASE : 0);
    let module: WasmModule | undefined;
    let relaxed = false;
    let memory: WasmMemory | undefined;
    let buffer: SharedArrayBuffer | undefined;
    if (kernel === 'wasm') {
      try {
        if (layout.end > WASM_MAX_BYTES) throw new Error(`needs ${layout.end} bytes, more than wasm32 allows`);
        ({ module, relaxed } = loadKernelModule(settings.relaxedSimd));
        memory = createSharedMemory(layout.end);
      } catch (err) {
        hooks.log?.('native-cpu: wasm kernel unavailable, using the JS kernel', { reason: String((err as Error)?.message ?? err) });
        kernel = 'js';
        layout = plan(0);
        module = undefined;
      }
    }
    if (!memory) buffer = new SharedArrayBuffer(layout.end);
    const v = views(memory ? memory.buffer : buffer!, layout);
    v.uIndptr.set(U.indptr);
    v.uIndices.set(U.indices);
    v.uConf.set(p.conf.sources);
    v.iIndptr.set(I.indptr);
    v.iIndices.set(I.indices);
    v.iConf.set(p.conf.targets);
    if (extra) {
      v.uExtra.set(extra.sources);
      v.iExtra.set(extra.targets);
    }
    v.uChunks.set(uChunks);
    v.iChunks.set(iChunks);
    v.uOrder.set(claimOrder(U.indptr, uChunks, k));
    v.iOrder.set(claimOrder(I.indptr, iChunks, k));
    pad(initial.sourceFactors, k0, v.X, k);
    pad(initial.targetFactors, k0, v.Y, k);
    hooks.log?.('native-cpu backend', {
      kernel, relaxedSimd: relaxed, workers, rows: m, cols: n, nnz, factors: k0, sharedBytes: layout.end,
      ...(o.solver === 'hybrid' ? { exactRowsUpTo: exactMax } : {}),
    });

    const pool = KernelPool.acquire(workers);
    try {
      await pool.init((workerIndex) => ({ layout, kernel, workerIndex, buffer, memory, module }));
    } catch (err) {
      await pool.terminate();
      throw err;
    }
    const ctl = v.control;
    const gramOf = async (side: Side, signal?: AbortSignal): Promise<Float64Array> => {
      Atomics.store(ctl, CTL_NEXT, 0);
      await pool.run({ kind: 'gram', side: side === 'sources' ? 'u' : 'i' }, signal);
      return reduceGram(v.gramPartials, k, k0);
    };
    const solver: HalfSweepSolver = {
      device: `CPU: ${workers} worker thread${workers > 1 ? 's' : ''}, ${kernel === 'wasm' ? `WebAssembly SIMD${relaxed ? ' (relaxed, fused multiply-add)' : ''}` : 'JS'} kernel`,
      work: { sources: 1, targets: 1 },
      gram: (side) => gramOf(side, hooks.signal),
      async update(side, otherGram, ctx) {
        const u = side === 'sources';
        // pcg / hybrid: L, L^-1, L^-T of A0 = L L^T and the fixed side in A0 = I coordinates; plain CG (with A0)
        // where A0 is too near singular for that in float32
        const pcgNow = pcg && writeCholesky(otherGram, k0, alpha0, base, v, k);
        if (pcgNow) {
          Atomics.store(ctl, CTL_NEXT, 0);
          await pool.run({ kind: 'whiten', side: u ? 'i' : 'u' }, ctx.signal);
        } else {
          writeA0(otherGram, k0, alpha0, base, v.gram, k);
        }
        Atomics.store(ctl, CTL_NEXT, 0);
        Atomics.store(ctl, CTL_ROWS_DONE, 0);
        const rows = Math.max(1, u ? m : n);
        ctx.watch(() => Atomics.load(ctl, CTL_ROWS_DONE) / rows);
        const solve = {
          solver: subspace ? 'subspace' as const : pcgNow ? 'pcg' as const : 'cg' as const,
          steps: o.cgSteps, block, alpha0, withLoss: ctx.withLoss, exactMax: pcgNow ? exactMax : 0,
        };
        await pool.run({ kind: 'solve', side: u ? 'u' : 'i', solve }, ctx.signal);
        let lossPart = 0, penalty = 0;
        for (let c = 0, count = u ? layout.uChunkCount : layout.iChunkCount; c < count; c++) {
          if (ctx.withLoss) lossPart += v.lossPartials[2 * c]!;
          if (extra) penalty += v.lossPartials[2 * c + 1]!;
        }
        const gram = await gramOf(side, ctx.signal);
        let sparseLoss: number | undefined;
        if (ctx.withLoss) sparseLoss = subspace ? lossPart : lossPart - rowObjectiveDense(otherGram, gram, k0, alpha0, base) - penalty;
        return { gram, sparseLoss, penalty: extra ? penalty : undefined };
      },
      factors: async () => ({ sourceFactors: unpad(v.X, k, k0), targetFactors: unpad(v.Y, k, k0) }),
      // A cancelled training's threads go with it; otherwise the pool waits for the next training.
      dispose: () => (hooks.signal?.aborted ? pool.terminate() : pool.release()),
    };
    return solver;
  };
}

/**
 * The Gram of a side (k0 x k0, without the padding): the GRAM_BLOCKS partials (k x k) summed in float64 in
 * block order. A plain function, not inline in the async solver: V8 cannot optimize a hot loop inside an
 * async function on its first runs (no on-stack replacement there), and this loop over GRAM_BLOCKS * k^2
 * entries then cost 25-40 ms per half-sweep in the first iterations (k = 128).
 */
function reduceGram(partials: Float64Array, k: number, k0: number): Float64Array {
  const kk = k * k;
  const g = new Float64Array(kk);
  for (let b = 0; b < GRAM_BLOCKS; b++) {
    const o = b * kk;
    for (let q = 0; q < kk; q++) g[q] += partials[o + q]!;
  }
  if (k0 === k) return g;
  const out = new Float64Array(k0 * k0);
  for (let a = 0; a < k0; a++) out.set(g.subarray(a * k, a * k + k0), a * k0);
  return out;
}

/**
 * A0 = alpha0 G + base I (k x k, from the k0 x k0 Gram; the padding's entries are 0 but for base on the
 * diagonal) into the region's float32 `gram`, which every row solve reads.
 */
function writeA0(g: Gram, k0: number, alpha0: number, base: number, a0: Float32Array, k: number): void {
  if (k0 === k && alpha0 === 1) a0.set(g);
  else {
    a0.fill(0);
    for (let a = 0; a < k0; a++) for (let b = 0; b < k0; b++) a0[a * k + b] = alpha0 * g[a * k0 + b]!;
  }
  for (let a = 0; a < k; a++) a0[a * k + a] += base;
}

/**
 * Solver pcg's matrices of A0 = alpha0 G + base I = L L^T (float64 Cholesky, cholesky.ts pcgFactors) into the
 * region, float32, k x k with the padding's diagonal 1 (padded coordinates stay 0): gram = L, cholInv = L^-1,
 * gramInv = L^-T (which the 'whiten' task applies). false (nothing written) when pcgFactors refuses A0 (not
 * positive definite, or a pivot^2 below PCG_MIN_PIVOT of its largest diagonal entry).
 */
function writeCholesky(g: Gram, k0: number, alpha0: number, base: number, v: Pick<Views, 'gram' | 'cholInv' | 'gramInv'>, k: number): boolean {
  const f = pcgFactors(g, k0, alpha0, base);
  if (!f) return false;
  for (const [src, dst] of [[f.l, v.gram], [f.lInv, v.cholInv], [f.lInvT, v.gramInv]] as const) {
    dst.fill(0);
    for (let r = 0; r < k0; r++) dst.set(src.subarray(r * k0, r * k0 + k0), r * k);
    for (let d = k0; d < k; d++) dst[d * k + d] = 1;
  }
  return true;
}

/** sum over the solved rows f of f^T A0 f = alpha0 <G, F^T F> + base tr F^T F (float64). */
function rowObjectiveDense(other: Gram, mine: Gram, k: number, alpha0: number, base: number): number {
  let d = 0;
  for (let q = 0; q < k * k; q++) d += other[q]! * mine[q]!;
  d *= alpha0;
  for (let a = 0; a < k; a++) d += base * mine[a * k + a]!;
  return d;
}

function longestRow(indptr: Int32Array): number {
  let most = 0;
  for (let r = 0; r + 1 < indptr.length; r++) most = Math.max(most, indptr[r + 1]! - indptr[r]!);
  return most;
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

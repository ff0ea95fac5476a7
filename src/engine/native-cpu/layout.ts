/**
 * One shared memory region holds everything the row solvers touch, so that worker threads (and a
 * WebAssembly kernel, whose linear memory it can be) share it zero-copy. All offsets are in bytes,
 * 16-byte aligned, and fit in 32 bits (wasm32 addressing); `planLayout` refuses larger problems.
 *
 *   user side (solve X given Y): uIndptr (m+1 i32), uIndices (N i32), uConf (N f32), uExtra (m f32 or none)
 *   item side (solve Y given X): iIndptr (n+1 i32), iIndices (N i32), iConf (N f32), iExtra (n f32 or none)
 *   (uExtra / iExtra: lambda_r - base of each row, with per-row regularization only)
 *   X (m*k f32), Y (n*k f32)
 *   gram (k*k f32): A0 = alpha0 G + base I of the fixed side, read by every row solve
 *   gramPartials (GRAM_BLOCKS * k*k f64): per fixed block of rows, summed in block order (deterministic)
 *   lossPartials (2 * maxChunks f64): per chunk its loss part and its penalty, summed in chunk order (deterministic)
 *   uChunks / iChunks (chunk row boundaries, i32), uOrder / iOrder (the order chunks are claimed in:
 *   most work first, so one heavy chunk does not keep a worker busy after the others are done)
 *   control (CONTROL_INTS i32): work counters, rows done, abort flag
 *   stacks (maxWorkers * STACK_BYTES): the wasm kernel's C stack of each worker
 *   scratch (maxWorkers * scratchFloats(k, block) f32): per-worker CG vectors or subspace block system (wasm kernel)
 *   pred (maxWorkers * predFloats f32): per-worker room of the wasm subspace kernel (predictions of one row's
 *   entries and its transposed blocks, kernel.c subspace_rows; none for CG)
 *   with solvers pcg and hybrid only (none otherwise): gram then holds L (A0 = L L^T), gramInv (k*k f32) L^-T,
 *   cholInv (k*k f32) L^-1, W (max(m, n) * k f32) W[r] = L^-1 y_r of the fixed side (pcg's coordinates);
 *   with hybrid's exact short-row solves also exactScratch (maxWorkers * exactScratchDoubles f64: one row's
 *   small system)
 */

export const GRAM_BLOCKS = 32;
export const CONTROL_INTS = 16;
/** bytes of C stack per worker for the wasm kernel (it uses a few hundred) */
export const STACK_BYTES = 16384;
export const SCRATCH_VECTORS = 24;
/**
 * floats of per-worker scratch: the CG vectors of four rows in lockstep and dummies, or the subspace
 * solver's block system (H, r, d, the right-hand side's data part, then a float64 factor and two vectors:
 * 3 block^2 + 8 block), kernel.c
 */
export function scratchFloats(k: number, block = 0): number {
  return Math.ceil(Math.max(SCRATCH_VECTORS * k, 3 * block * block + 8 * block + 4) / 16) * 16;
}

/**
 * doubles of one row's exact-solve system (kernel.c exact_row: G, its Cholesky factor, three vectors, then
 * two arrays of 32-bit row pointers padded to a multiple of 4)
 */
export function exactScratchDoubles(exactMax: number): number {
  return exactMax === 0 ? 0 : Math.ceil((2 * exactMax * exactMax + 3 * exactMax + (exactMax + 3 & ~3)) / 8) * 8;
}

/** the wasm subspace kernel's transposed path takes at most this many entries of a row at a time */
export const TRANSPOSED_MAX_ENTRIES = 65536;

/**
 * The wasm subspace kernel's per-worker room (kernel.c subspace_rows): `srows` floats of predictions (the
 * longest row, rounded up to 4), `cap` (5 + 2 block) floats for the transposed path, then k zeros.
 */
export function predRoom(maxRow: number, block: number, k: number): { srows: number; cap: number; floats: number } {
  if (maxRow === 0) return { srows: 0, cap: 0, floats: 0 };
  const srows = Math.ceil(maxRow / 4) * 4;
  const cap = Math.min(srows, TRANSPOSED_MAX_ENTRIES);
  return { srows, cap, floats: Math.ceil((srows + cap * (5 + 2 * block) + k) / 16) * 16 };
}
/** control[] slots */
export const CTL_NEXT = 0; // next chunk / block to claim
export const CTL_ROWS_DONE = 1; // rows finished in the current half-sweep
export const CTL_ABORT = 2; // 1 = stop at the next chunk boundary

export interface Region {
  offset: number;
  length: number; // elements
}

export interface Layout {
  rows: number; // m
  cols: number; // n
  nnz: number; // N
  k: number;
  maxWorkers: number;
  uChunkCount: number;
  iChunkCount: number;
  /** the subspace solver's block size (0: CG) */
  block: number;
  /** entries of the longest row of either side (subspace only, else 0) */
  maxRow: number;
  /** whether uExtra / iExtra hold per-row regularization */
  perRowReg: boolean;
  /** rows with at most this many entries may be solved exactly (solver hybrid, in pcg's coordinates); 0: none */
  exactMax: number;
  /** solvers pcg and hybrid (exactMax > 0 only with it): room for L^-1, L^-T and the fixed side in A0 = I coordinates */
  pcg: boolean;
  uIndptr: Region;
  uIndices: Region;
  uConf: Region;
  uExtra: Region;
  iIndptr: Region;
  iIndices: Region;
  iConf: Region;
  iExtra: Region;
  X: Region;
  Y: Region;
  gram: Region;
  gramPartials: Region;
  lossPartials: Region;
  uChunks: Region;
  iChunks: Region;
  uOrder: Region;
  iOrder: Region;
  control: Region;
  scratch: Region;
  pred: Region;
  gramInv: Region;
  cholInv: Region;
  W: Region;
  exactScratch: Region;
  /** per-worker C stacks of the wasm kernel (bytes) */
  stacks: Region;
  /** first byte after the layout (the size of the region, or where a wasm kernel's own data ends) */
  end: number;
}

export interface LayoutParams {
  rows: number; cols: number; nnz: number; k: number; maxWorkers: number; uChunkCount: number; iChunkCount: number;
  block: number; maxRow: number; perRowReg: boolean; exactMax: number; pcg: boolean;
}

export function planLayout(p: LayoutParams, base = 0): Layout {
  let at = align(base);
  const take = (length: number, bytesPer: number): Region => {
    const r = { offset: at, length };
    at = align(at + length * bytesPer);
    return r;
  };
  const { rows: m, cols: n, nnz: N, k } = p;
  const l: Omit<Layout, 'end'> = {
    ...p,
    uIndptr: take(m + 1, 4),
    uIndices: take(N, 4),
    uConf: take(N, 4),
    uExtra: take(p.perRowReg ? m : 0, 4),
    iIndptr: take(n + 1, 4),
    iIndices: take(N, 4),
    iConf: take(N, 4),
    iExtra: take(p.perRowReg ? n : 0, 4),
    X: take(m * k, 4),
    Y: take(n * k, 4),
    gram: take(k * k, 4),
    gramPartials: take(GRAM_BLOCKS * k * k, 8),
    lossPartials: take(2 * Math.max(p.uChunkCount, p.iChunkCount), 8),
    uChunks: take(p.uChunkCount + 1, 4),
    iChunks: take(p.iChunkCount + 1, 4),
    uOrder: take(p.uChunkCount, 4),
    iOrder: take(p.iChunkCount, 4),
    control: take(CONTROL_INTS, 4),
    scratch: take(p.maxWorkers * scratchFloats(k, p.block), 4),
    pred: take(p.maxWorkers * predRoom(p.maxRow, p.block, k).floats, 4),
    gramInv: take(p.pcg ? k * k : 0, 4),
    cholInv: take(p.pcg ? k * k : 0, 4),
    W: take(p.pcg ? Math.max(m, n) * k : 0, 4),
    exactScratch: take(p.maxWorkers * exactScratchDoubles(p.exactMax), 8),
    stacks: take(p.maxWorkers * STACK_BYTES, 1),
  };
  return { ...l, end: at };
}

function align(x: number): number {
  return Math.ceil(x / 64) * 64;
}

/** Typed-array views of a layout over one buffer (SharedArrayBuffer or a shared wasm memory's buffer). */
export interface Views {
  uIndptr: Int32Array;
  uIndices: Int32Array;
  uConf: Float32Array;
  uExtra: Float32Array;
  iIndptr: Int32Array;
  iIndices: Int32Array;
  iConf: Float32Array;
  iExtra: Float32Array;
  X: Float32Array;
  Y: Float32Array;
  gram: Float32Array;
  gramPartials: Float64Array;
  lossPartials: Float64Array;
  uChunks: Int32Array;
  iChunks: Int32Array;
  uOrder: Int32Array;
  iOrder: Int32Array;
  control: Int32Array;
  scratch: Float32Array;
  pred: Float32Array;
  gramInv: Float32Array;
  cholInv: Float32Array;
  W: Float32Array;
  exactScratch: Float64Array;
}

export function views(buf: ArrayBufferLike, l: Layout): Views {
  const i32 = (r: Region) => new Int32Array(buf, r.offset, r.length);
  const f32 = (r: Region) => new Float32Array(buf, r.offset, r.length);
  const f64 = (r: Region) => new Float64Array(buf, r.offset, r.length);
  return {
    uIndptr: i32(l.uIndptr),
    uIndices: i32(l.uIndices),
    uConf: f32(l.uConf),
    uExtra: f32(l.uExtra),
    iIndptr: i32(l.iIndptr),
    iIndices: i32(l.iIndices),
    iConf: f32(l.iConf),
    iExtra: f32(l.iExtra),
    X: f32(l.X),
    Y: f32(l.Y),
    gram: f32(l.gram),
    gramPartials: f64(l.gramPartials),
    lossPartials: f64(l.lossPartials),
    uChunks: i32(l.uChunks),
    iChunks: i32(l.iChunks),
    uOrder: i32(l.uOrder),
    iOrder: i32(l.iOrder),
    control: i32(l.control),
    scratch: f32(l.scratch),
    pred: f32(l.pred),
    gramInv: f32(l.gramInv),
    cholInv: f32(l.cholInv),
    W: f32(l.W),
    exactScratch: f64(l.exactScratch),
  };
}

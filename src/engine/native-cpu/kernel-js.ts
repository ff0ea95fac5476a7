/**
 * Pure-JS row solvers of native-cpu: the reference and fallback of the WebAssembly SIMD kernel
 * (kernel-wasm.ts, kernel.c computes the same thing faster). The model, the row update, the CG steps and
 * the subspace passes are those of als-driver.ts; here, per row u of the side being solved (Y the fixed
 * side, A0 = alpha0 Y^T Y + base I formed once per half-sweep, e_u = lambda_u - base, 0 without per-row
 * regularization):
 *
 *   r = b - A x = -A0 x - e_u x + sum_{i in u} (c_ui - (c_ui - alpha0) y_i^T x) y_i
 *   A p = A0 p + e_u p + sum_{i in u} (c_ui - alpha0)(y_i^T p) y_i
 *
 * CG (`cgRow`) stops early once r^T r < 1e-20; so does pcg (`pcgRow`, CG in the coordinates where A0 = I,
 * hybrid's short rows solved exactly there by `exactRow`); the subspace pass (`subspaceRow`) solves each block
 * of coordinates exactly (float64 Cholesky); a row with no interactions gets x_u = 0 (its exact solution)
 * without a solve; the solvers' vectors are float64. A chunk writes two numbers: its loss part when
 * `withLoss` — for CG the rows' objective sum_u [x_u^T (A0 + e_u I) x_u + sum_{i in u} (c_ui (1 - s_ui)^2 -
 * alpha0 s_ui^2)], for the subspace pass only the sparse term sum_u sum_{i in u} (...), s_ui = x_u^T y_i
 * with the new x_u (the native-cpu solver turns either into the loop's sparse term, index.ts) — and the
 * per-row penalty sum_u e_u |x_u|^2.
 */

import { choleskySolve } from '../cholesky.js';

export interface SideArrays {
  /** CSR of the side being solved: rows of the solved factor, columns index the fixed factor. */
  indptr: Int32Array;
  indices: Int32Array;
  conf: Float32Array;
  /** factors being solved (rows x k) and the fixed ones (cols x k), row-major, k contiguous */
  solve: Float32Array;
  fixed: Float32Array;
  /** A0 = alpha0 fixed^T fixed + base I (k x k, row-major, symmetric) */
  gram: Float32Array;
  /** lambda_u - base of each solved row, absent without per-row regularization */
  extra?: Float32Array;
  /**
   * solver pcg: L^-1 (k x k, lower triangular) with A0 = L L^T; then `gram` holds L and `fixed` the fixed side
   * in A0 = I coordinates, fixed[r] = L^-1 y_r (pcgRow)
   */
  cholInv?: Float32Array;
}

/** The row solver's parameters for one half-sweep. */
export interface SolveParams {
  solver: 'cg' | 'subspace' | 'pcg';
  steps: number;
  /**
   * pcg only (solver hybrid): rows with at most this many entries, all with c - alpha0 > 0, are solved exactly
   * instead (exactRow, in pcg's coordinates); 0: none.
   */
  exactMax: number;
  block: number;
  alpha0: number;
  withLoss: boolean;
}

export class JsKernel {
  private readonly r: Float64Array;
  private readonly p: Float64Array;
  private readonly ap: Float64Array;
  private readonly z: Float64Array;
  private pred = new Float64Array(0);
  /** the subspace pass's block system (H, r), sized for the last block size */
  private h = new Float64Array(0);
  private hr = new Float64Array(0);
  /** an exact row solve's G, D^-1 + G, z and x (exactRow), sized for the longest row so far */
  private exact = new Float64Array(0);
  constructor(private readonly k: number) {
    this.r = new Float64Array(k);
    this.p = new Float64Array(k);
    this.ap = new Float64Array(k);
    this.z = new Float64Array(k);
  }

  /**
   * Solves rows [start, end) in place with `p.solver`; writes the chunk's loss part and penalty to out[at],
   * out[at + 1] (see above). A row without data gets x = 0, its exact solution, without a solve.
   */
  solve(s: SideArrays, start: number, end: number, p: SolveParams, out: Float64Array, at: number): void {
    const k = this.k;
    let loss = 0, penalty = 0;
    for (let u = start; u < end; u++) {
      const xo = u * k;
      const e0 = s.indptr[u], e1 = s.indptr[u + 1];
      if (e0 === e1) {
        s.solve.fill(0, xo, xo + k);
        continue;
      }
      const eu = s.extra ? s.extra[u] : 0;
      if (p.solver === 'pcg' && exactEligible(s.conf, e0, e1, p.exactMax, p.alpha0)) {
        // solver hybrid: z exactly (A0 = I in pcg's coordinates, so W = the fixed side itself), then x = L^-T z
        const l = exactRow(s, s.fixed, xo, e0, e1, k, p.alpha0, this.exactScratch(e1 - e0));
        if (l !== undefined) {
          this.fromPcgCoordinates(s, xo);
          loss += p.withLoss ? l : 0;
          continue;
        }
      }
      if (p.solver === 'pcg') {
        loss += this.pcgRow(s, xo, e0, e1, p);
        continue;
      }
      loss += p.solver === 'subspace' ? this.subspaceRow(s, xo, e0, e1, eu, p) : this.cgRow(s, xo, e0, e1, eu, p);
      if (eu !== 0) penalty += eu * sumSquares(s.solve, xo, k);
    }
    out[at] = loss;
    out[at + 1] = penalty;
  }

  private exactScratch(n: number): Float64Array {
    const need = 2 * n * n + n + this.k;
    if (this.exact.length < need) this.exact = new Float64Array(need);
    return this.exact;
  }

  /**
   * out[r] = L^-1 fixed[r] for rows [start, end), from lt = L^-T (k x k, upper triangular: out[r][i] =
   * sum_{a <= i} lt[a][i] fixed[r][a]); float64 sums. The fixed side in pcg's coordinates (pcgRow).
   */
  whiten(fixed: Float32Array, lt: Float32Array, start: number, end: number, out: Float32Array): void {
    const k = this.k;
    for (let r = start; r < end; r++) {
      const yo = r * k;
      for (let i = 0; i < k; i++) {
        let t = 0;
        for (let a = 0; a <= i; a++) t += lt[a * k + i] * fixed[yo + a];
        out[yo + i] = t;
      }
    }
  }

  /**
   * Accumulates sum_{row in [start,end)} y_row y_row^T of `fixed` into out[outOff .. outOff + k*k)
   * (float64, full symmetric matrix; the block is zeroed first).
   */
  gramBlock(fixed: Float32Array, start: number, end: number, out: Float64Array, outOff: number): void {
    const k = this.k;
    out.fill(0, outOff, outOff + k * k);
    for (let row = start; row < end; row++) {
      const yo = row * k;
      for (let a = 0; a < k; a++) {
        const ya = fixed[yo + a];
        if (ya === 0) continue;
        const o = outOff + a * k;
        let b = a;
        for (; b + 3 < k; b += 4) {
          out[o + b] += ya * fixed[yo + b];
          out[o + b + 1] += ya * fixed[yo + b + 1];
          out[o + b + 2] += ya * fixed[yo + b + 2];
          out[o + b + 3] += ya * fixed[yo + b + 3];
        }
        for (; b < k; b++) out[o + b] += ya * fixed[yo + b];
      }
    }
    for (let a = 0; a < k; a++) for (let b = 0; b < a; b++) out[outOff + a * k + b] = out[outOff + b * k + a];
  }

  /** CG-solves the row at xo (entries e0..e1) in place; returns its loss part (see above). */
  private cgRow(s: SideArrays, xo: number, e0: number, e1: number, eu: number, o: SolveParams): number {
    const k = this.k;
    const { solve: X, gram: A } = s;
    const { withLoss, alpha0 } = o;
    this.cgSteps(s, e0, e1, o, X, xo, A, eu);
    if (withLoss) {
      // x^T (A0 + e I) x + sum_j c (1 - d)^2 - alpha0 d^2  (x is the freshly solved row; Y the fixed side)
      let q = 0;
      for (let a = 0; a < k; a++) {
        const ao = a * k;
        let t = 0;
        for (let b = 0; b < k; b++) t += A[ao + b] * X[xo + b];
        q += X[xo + a] * t;
      }
      if (eu !== 0) q += eu * sumSquares(X, xo, k);
      return this.sparseTerm(s, e0, e1, xo, alpha0, q);
    }
    return 0;
  }

  /**
   * The pcg row update: CG preconditioned by A0 (preconditioner M = A0), run as plain CG in the coordinates
   * z = L^T x (A0 = L L^T, float64 Cholesky, index.ts), where the row's system is
   *   (I + Y'_u^T D Y'_u) z = Y'_u^T c,   Y' = Y L^-T (s.fixed; D = diag(c - alpha0)),
   * so A0's product is z itself: each step costs the row's entries only, not k^2, and the two changes of
   * coordinates z = L^T x, x = L^-T z cost k^2 / 2 each per row (the fixed side's, once per half-sweep).
   * Departure from the paper's plain CG (Takacs et al. 2011): the same steps converge faster (exactly in
   * n + 1 steps for a row with n entries, since the system is I plus a rank-n term), so the row is nearer the
   * exact solution than CG's; the loss part is CG's row objective, z^T z = x^T A0 x.
   */
  private pcgRow(s: SideArrays, xo: number, e0: number, e1: number, o: SolveParams): number {
    const k = this.k;
    const { indices, conf, solve: X, fixed: Y, gram: L } = s;
    const Li = s.cholInv!;
    const { withLoss, alpha0 } = o;
    const z = this.z;
    this.lowerT(L, X, xo, z, 0); // z = L^T x
    this.cgSteps(s, e0, e1, o, z, 0, undefined, 0);
    this.lowerT(Li, z, 0, X, xo); // x = L^-T z
    if (!withLoss) return 0;
    // z^T z + sum_j c (1 - d)^2 - alpha0 d^2, d = y'.z (= y.x)
    let t = 0;
    for (let a = 0; a < k; a++) t += z[a] * z[a];
    for (let j = e0; j < e1; j++) {
      const d = dotFD(Y, indices[j] * k, z, k);
      t += conf[j] * (1 - d) * (1 - d) - alpha0 * d * d;
    }
    return t;
  }

  /**
   * Warm-started CG (`o.steps` steps, stopping once r^T r < 1e-20) on one row's system
   *   (dense + sum_j (c_j - alpha0) y_j y_j^T) v = sum_j c_j y_j     (y_j: the fixed rows of its entries)
   * with v[vo .. vo + k) updated in place: cgRow's x (float32, in the solved factors) with dense = A0 + e I (a0
   * given), or pcgRow's z (float64) in the coordinates where A0 = I (a0 undefined: dense = I).
   */
  private cgSteps(s: SideArrays, e0: number, e1: number, o: SolveParams, v: Float32Array | Float64Array, vo: number, a0: Float32Array | undefined, eu: number): void {
    const k = this.k;
    const { indices, conf, fixed: Y } = s;
    const { steps, alpha0 } = o;
    const r = this.r, p = this.p, ap = this.ap;
    // r = -(dense v) + sum_j (c - (c - alpha0) y.v) y
    this.dense(a0, eu, v, vo, r);
    for (let a = 0; a < k; a++) r[a] = -r[a];
    for (let j = e0; j < e1; j++) {
      const c = conf[j];
      const yo = indices[j] * k;
      axpyF(c - (c - alpha0) * dotFA(Y, yo, v, vo, k), Y, yo, r, k);
    }
    let rs = 0;
    for (let a = 0; a < k; a++) {
      p[a] = r[a];
      rs += r[a] * r[a];
    }
    for (let it = 0; it < steps && rs >= 1e-20; it++) {
      // ap = dense p + sum (c - alpha0)(y.p) y
      this.dense(a0, eu, p, 0, ap);
      for (let j = e0; j < e1; j++) {
        const c1 = conf[j] - alpha0;
        if (c1 === 0) continue;
        const yo = indices[j] * k;
        axpyF(c1 * dotFD(Y, yo, p, k), Y, yo, ap, k);
      }
      let pap = 0;
      for (let a = 0; a < k; a++) pap += p[a] * ap[a];
      const alpha = rs / pap;
      let rsNew = 0;
      for (let a = 0; a < k; a++) {
        v[vo + a] += alpha * p[a];
        const ra = r[a] - alpha * ap[a];
        r[a] = ra;
        rsNew += ra * ra;
      }
      if (rsNew < 1e-20) break;
      const beta = rsNew / rs;
      for (let a = 0; a < k; a++) p[a] = r[a] + beta * p[a];
      rs = rsNew;
    }
  }

  /** out = A0 v + e v (a0 given) or v (a0 undefined), v = src[so .. so + k) */
  private dense(a0: Float32Array | undefined, eu: number, src: Float32Array | Float64Array, so: number, out: Float64Array): void {
    const k = this.k;
    if (!a0) {
      for (let a = 0; a < k; a++) out[a] = src[so + a];
      return;
    }
    for (let a = 0; a < k; a++) out[a] = dotFA(a0, a * k, src, so, k);
    if (eu !== 0) for (let a = 0; a < k; a++) out[a] += eu * src[so + a];
  }

  /** dst[d0 ..] = M^T src[so ..] for a lower triangular M (k x k): dst_i = sum_{a >= i} M[a][i] src_a */
  private lowerT(M: Float32Array, src: Float32Array | Float64Array, so: number, dst: Float32Array | Float64Array, d0: number): void {
    const k = this.k;
    for (let i = 0; i < k; i++) {
      let t = 0;
      for (let a = i; a < k; a++) t += M[a * k + i] * src[so + a];
      dst[d0 + i] = t;
    }
  }

  /** the row at xo, written in pcg's coordinates (z), back to x = L^-T z */
  private fromPcgCoordinates(s: SideArrays, xo: number): void {
    for (let a = 0; a < this.k; a++) this.z[a] = s.solve[xo + a];
    this.lowerT(s.cholInv!, this.z, 0, s.solve, xo);
  }

  /** `t` + sum_j c_j (1 - s_j)^2 - alpha0 s_j^2 over a row's entries, s_j = y_j . x with the row's current x. */
  private sparseTerm(s: SideArrays, e0: number, e1: number, xo: number, alpha0: number, t = 0): number {
    for (let j = e0; j < e1; j++) {
      const d = dotFA(s.fixed, s.indices[j] * this.k, s.solve, xo, this.k);
      t += alpha0 === 1 ? s.conf[j] * (1 - d) * (1 - d) - d * d : s.conf[j] * (1 - d) * (1 - d) - alpha0 * d * d;
    }
    return t;
  }

  /**
   * One subspace pass over rows [start, end) in place (als-driver.ts): for each block Q of coordinates,
   * H d = r with H = A0[Q,Q] + e I + sum_j (c_j - alpha0) y_j[Q] y_j[Q]^T and r = (b - A x)[Q], solved by
   * float64 Cholesky; x[Q] += d; the predictions s_j = y_j . x are kept up to date in float64. Returns the
   * sparse term (recomputed from the new x) when `withLoss`.
   */
  private subspaceRow(s: SideArrays, xo: number, e0: number, e1: number, eu: number, o: SolveParams): number {
    const k = this.k;
    const { indices, conf, solve: X, fixed: Y, gram: A } = s;
    const { alpha0, withLoss } = o;
    const block = Math.max(1, Math.min(o.block, k));
    if (this.h.length !== block * block) [this.h, this.hr] = [new Float64Array(block * block), new Float64Array(block)];
    const h = this.h, r = this.hr;
    if (this.pred.length < e1 - e0) this.pred = new Float64Array(e1 - e0);
    const pred = this.pred;
    for (let j = e0; j < e1; j++) pred[j - e0] = dotFA(Y, indices[j] * k, X, xo, k);
    for (let q0 = 0; q0 < k; q0 += block) {
      const q = Math.min(block, k - q0);
      for (let a = 0; a < q; a++) {
        const ao = (q0 + a) * k;
        r[a] = -dotFA(A, ao, X, xo, k) - eu * X[xo + q0 + a];
        for (let b = 0; b < q; b++) h[a * q + b] = A[ao + q0 + b];
        h[a * q + a] += eu;
      }
      for (let j = e0; j < e1; j++) {
        const yo = indices[j] * k + q0;
        const c = conf[j], w = c - alpha0;
        const t = c - w * pred[j - e0];
        for (let a = 0; a < q; a++) {
          const ya = Y[yo + a];
          r[a] += t * ya;
          const wy = w * ya;
          for (let b = 0; b <= a; b++) h[a * q + b] += wy * Y[yo + b];
        }
      }
      for (let a = 0; a < q; a++) for (let b = a + 1; b < q; b++) h[a * q + b] = h[b * q + a];
      choleskyBlockSolve(h, r, q);
      for (let a = 0; a < q; a++) X[xo + q0 + a] += r[a];
      for (let j = e0; j < e1; j++) {
        const yo = indices[j] * k + q0;
        let t = 0;
        for (let a = 0; a < q; a++) t += r[a] * Y[yo + a];
        pred[j - e0] += t;
      }
    }
    return withLoss ? this.sparseTerm(s, e0, e1, xo, alpha0) : 0;
  }
}

/**
 * Solves H d = r in place (d into r) for a q x q symmetric H (row-major, overwritten by its Cholesky
 * factor); a pivot <= 0 (a coordinate with no curvature: lambda 0 and no data) leaves that coordinate at 0.
 */
function choleskyBlockSolve(h: Float64Array, r: Float64Array, q: number): void {
  for (let j = 0; j < q; j++) {
    let d = h[j * q + j];
    for (let p = 0; p < j; p++) d -= h[j * q + p] * h[j * q + p];
    const l = d > 1e-30 ? Math.sqrt(d) : 0;
    h[j * q + j] = l;
    for (let i = j + 1; i < q; i++) {
      let t = h[i * q + j];
      for (let p = 0; p < j; p++) t -= h[i * q + p] * h[j * q + p];
      h[i * q + j] = l > 0 ? t / l : 0;
    }
  }
  for (let i = 0; i < q; i++) {
    let t = r[i];
    for (let p = 0; p < i; p++) t -= h[i * q + p] * r[p];
    r[i] = h[i * q + i] > 0 ? t / h[i * q + i] : 0;
  }
  for (let i = q - 1; i >= 0; i--) {
    let t = r[i];
    for (let p = i + 1; p < q; p++) t -= h[p * q + i] * r[p];
    r[i] = h[i * q + i] > 0 ? t / h[i * q + i] : 0;
  }
}

/** whether the row [e0, e1) takes the exact solve: at most exactMax entries, every c - alpha0 > 0 (kernel.c) */
function exactEligible(conf: Float32Array, e0: number, e1: number, exactMax: number, alpha0: number): boolean {
  if (e1 - e0 > exactMax) return false;
  for (let j = e0; j < e1; j++) if (!(conf[j] - alpha0 > 0)) return false;
  return true;
}

/**
 * The exact solve of a short row through the shared A0 (Sherman-Morrison-Woodbury; kernel.c exact_row has
 * the derivation): G = Y_u W_u^T, v = c - (D^-1 + G)^-1 G c, x = W_u^T v, in `scratch` (2 n^2 + n + k
 * doubles). Writes x into s.solve at xo and
 * returns the row objective sum c - 2 c.s + v.s + sum d s^2 (s = G v), or undefined when the float64
 * Cholesky factor of D^-1 + G has a pivot <= 0 (cholesky.ts; the caller pcg-solves the row).
 */
function exactRow(s: SideArrays, W: Float32Array, xo: number, e0: number, e1: number, k: number, alpha0: number, scratch: Float64Array): number | undefined {
  const n = e1 - e0;
  const { indices, conf, fixed: Y, solve: X } = s;
  const G = scratch.subarray(0, n * n), S = scratch.subarray(n * n, 2 * n * n), z = scratch.subarray(2 * n * n, 2 * n * n + n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) G[i * n + j] = G[j * n + i] = dotFA(W, indices[e0 + j] * k, Y, indices[e0 + i] * k, k);
  }
  // z = (D^-1 + G)^-1 G c
  for (let i = 0; i < n; i++) {
    let a = 0;
    for (let j = 0; j < n; j++) a += G[i * n + j] * conf[e0 + j];
    z[i] = a;
  }
  S.set(G);
  for (let i = 0; i < n; i++) S[i * n + i] += 1 / (conf[e0 + i] - alpha0);
  if (!choleskySolve(S, z, n)) return undefined;
  for (let i = 0; i < n; i++) z[i] = conf[e0 + i] - z[i];
  const x = scratch.subarray(2 * n * n + n, 2 * n * n + n + k).fill(0);
  for (let j = 0; j < n; j++) axpyF(z[j], W, indices[e0 + j] * k, x, k);
  for (let a = 0; a < k; a++) X[xo + a] = x[a];
  let l = 0;
  for (let i = 0; i < n; i++) {
    let si = 0;
    for (let q = 0; q < n; q++) si += G[i * n + q] * z[q];
    const c = conf[e0 + i];
    l += c - 2 * c * si + z[i] * si + (c - alpha0) * si * si;
  }
  return l;
}

function sumSquares(x: Float32Array, o: number, k: number): number {
  let t = 0;
  for (let a = 0; a < k; a++) t += x[o + a] * x[o + a];
  return t;
}

/** Y[yo ..] . v[vo ..] over k (v float32 or float64), four partial sums */
function dotFA(Y: Float32Array, yo: number, v: Float32Array | Float64Array, vo: number, k: number): number {
  let t0 = 0, t1 = 0, t2 = 0, t3 = 0, b = 0;
  for (; b + 3 < k; b += 4) {
    t0 += Y[yo + b] * v[vo + b];
    t1 += Y[yo + b + 1] * v[vo + b + 1];
    t2 += Y[yo + b + 2] * v[vo + b + 2];
    t3 += Y[yo + b + 3] * v[vo + b + 3];
  }
  for (; b < k; b++) t0 += Y[yo + b] * v[vo + b];
  return t0 + t1 + t2 + t3;
}

function dotFD(Y: Float32Array, yo: number, v: Float64Array, k: number): number {
  let t0 = 0, t1 = 0, t2 = 0, t3 = 0, b = 0;
  for (; b + 3 < k; b += 4) {
    t0 += Y[yo + b] * v[b];
    t1 += Y[yo + b + 1] * v[b + 1];
    t2 += Y[yo + b + 2] * v[b + 2];
    t3 += Y[yo + b + 3] * v[b + 3];
  }
  for (; b < k; b++) t0 += Y[yo + b] * v[b];
  return t0 + t1 + t2 + t3;
}

/** out += a * Y[yo .. yo+k) */
function axpyF(a: number, Y: Float32Array, yo: number, out: Float64Array, k: number): void {
  let b = 0;
  for (; b + 3 < k; b += 4) {
    out[b] += a * Y[yo + b];
    out[b + 1] += a * Y[yo + b + 1];
    out[b + 2] += a * Y[yo + b + 2];
    out[b + 3] += a * Y[yo + b + 3];
  }
  for (; b < k; b++) out[b] += a * Y[yo + b];
}

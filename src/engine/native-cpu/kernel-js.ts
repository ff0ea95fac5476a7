/**
 * Pure-JS row solvers of native-cpu: the reference and fallback of the WebAssembly SIMD kernel
 * (kernel-wasm.ts, kernel.c computes the same thing faster). The model, the row update and the CG steps
 * are those of als-driver.ts; here, per row u of the side being solved (Y the fixed side):
 *
 *   r = b - A x = -A0 x + sum_{i in u} (c_ui - (c_ui - 1) y_i^T x) y_i,   A0 = Y^T Y + lambda I (formed once per half-sweep)
 *   A p = A0 p + sum_{i in u} (c_ui - 1)(y_i^T p) y_i
 *
 * CG stops early once r^T r < 1e-20; a row with no interactions gets x_u = 0 (its exact solution)
 * without a solve; the CG vectors are float64. With `withLoss`, a chunk also returns its rows' objective
 * sum_u [x_u^T A0 x_u + sum_{i in u} (c_ui (1 - x_u^T y_i)^2 - (x_u^T y_i)^2)] with the new x_u (the
 * native-cpu solver turns it into the loop's sparse term, index.ts).
 */

export interface SideArrays {
  /** CSR of the side being solved: rows of the solved factor, columns index the fixed factor. */
  indptr: Int32Array;
  indices: Int32Array;
  conf: Float32Array;
  /** factors being solved (rows x k) and the fixed ones (cols x k), row-major, k contiguous */
  solve: Float32Array;
  fixed: Float32Array;
  /** A0 = fixed^T fixed + lambda I (k x k, row-major, symmetric) */
  gram: Float32Array;
}

export class JsKernel {
  private readonly r: Float64Array;
  private readonly p: Float64Array;
  private readonly ap: Float64Array;
  constructor(private readonly k: number) {
    this.r = new Float64Array(k);
    this.p = new Float64Array(k);
    this.ap = new Float64Array(k);
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

  /**
   * CG-solves rows [start, end) in place; returns this chunk's loss part when `withLoss` (see above).
   */
  solveRows(s: SideArrays, start: number, end: number, steps: number, withLoss: boolean): number {
    const k = this.k;
    const { indptr, indices, conf, solve: X, fixed: Y, gram: A } = s;
    const r = this.r, p = this.p, ap = this.ap;
    let loss = 0;
    for (let u = start; u < end; u++) {
      const xo = u * k;
      const e0 = indptr[u], e1 = indptr[u + 1];
      if (e0 === e1) {
        X.fill(0, xo, xo + k);
        continue;
      }
      // r = -A0 x
      for (let a = 0; a < k; a++) r[a] = -dotFX(A, a * k, X, xo, k);
      // r += (c - (c-1) y.x) y
      for (let j = e0; j < e1; j++) {
        const c = conf[j];
        const yo = indices[j] * k;
        const d = dotFX(Y, yo, X, xo, k);
        axpyF(c - (c - 1) * d, Y, yo, r, k);
      }
      let rs = 0;
      for (let a = 0; a < k; a++) {
        p[a] = r[a];
        rs += r[a] * r[a];
      }
      if (rs >= 1e-20) {
        for (let it = 0; it < steps; it++) {
          // ap = A0 p + sum (c-1)(y.p) y
          for (let a = 0; a < k; a++) ap[a] = dotFD(A, a * k, p, k);
          for (let j = e0; j < e1; j++) {
            const c1 = conf[j] - 1;
            if (c1 === 0) continue;
            const yo = indices[j] * k;
            axpyF(c1 * dotFD(Y, yo, p, k), Y, yo, ap, k);
          }
          let pap = 0;
          for (let a = 0; a < k; a++) pap += p[a] * ap[a];
          const alpha = rs / pap;
          let rsNew = 0;
          for (let a = 0; a < k; a++) {
            X[xo + a] += alpha * p[a];
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
      if (withLoss) {
        // x^T A0 x + sum_j c (1 - d)^2 - d^2  (x is the freshly solved row; Y the fixed side)
        let q = 0;
        for (let a = 0; a < k; a++) {
          const ao = a * k;
          let t = 0;
          for (let b = 0; b < k; b++) t += A[ao + b] * X[xo + b];
          q += X[xo + a] * t;
        }
        for (let j = e0; j < e1; j++) {
          const d = dotFX(Y, indices[j] * k, X, xo, k);
          q += conf[j] * (1 - d) * (1 - d) - d * d;
        }
        loss += q;
      }
    }
    return loss;
  }
}

function dotFX(Y: Float32Array, yo: number, X: Float32Array, xo: number, k: number): number {
  let t0 = 0, t1 = 0, t2 = 0, t3 = 0, b = 0;
  for (; b + 3 < k; b += 4) {
    t0 += Y[yo + b] * X[xo + b];
    t1 += Y[yo + b + 1] * X[xo + b + 1];
    t2 += Y[yo + b + 2] * X[xo + b + 2];
    t3 += Y[yo + b + 3] * X[xo + b + 3];
  }
  for (; b < k; b++) t0 += Y[yo + b] * X[xo + b];
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

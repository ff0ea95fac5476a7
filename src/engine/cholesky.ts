/**
 * Cholesky factorisation of symmetric positive definite systems in float64 (row-major, n x n), the one
 * implementation the float64 reference solver, fold-in, native-cpu's JS exact row solves and pcg share.
 */

/** A = L L^T in place (L in the lower triangle of a); false when a pivot is not positive (not SPD). */
export function choleskyFactor(a: Float64Array, n: number): boolean {
  for (let j = 0; j < n; j++) {
    let d = a[j * n + j]!;
    for (let p = 0; p < j; p++) d -= a[j * n + p]! * a[j * n + p]!;
    if (!(d > 0)) return false;
    const ljj = Math.sqrt(d);
    a[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let s = a[i * n + j]!;
      for (let p = 0; p < j; p++) s -= a[i * n + p]! * a[j * n + p]!;
      a[i * n + j] = s / ljj;
    }
  }
  return true;
}

/** Solves L L^T x = b in place (x into b), with L from choleskyFactor; b may sit at offset `at` of a longer array. */
export function choleskySubstitute(l: Float64Array, b: Float64Array, n: number, at = 0): void {
  for (let i = 0; i < n; i++) { // L z = b
    let s = b[at + i]!;
    for (let p = 0; p < i; p++) s -= l[i * n + p]! * b[at + p]!;
    b[at + i] = s / l[i * n + i]!;
  }
  for (let i = n - 1; i >= 0; i--) { // L^T x = z
    let s = b[at + i]!;
    for (let p = i + 1; p < n; p++) s -= l[p * n + i]! * b[at + p]!;
    b[at + i] = s / l[i * n + i]!;
  }
}

/** Solves A x = b in place for symmetric positive definite A (overwritten by its factor); false if not SPD. */
export function choleskySolve(a: Float64Array, b: Float64Array, n: number): boolean {
  if (!choleskyFactor(a, n)) return false;
  choleskySubstitute(a, b, n);
  return true;
}

/**
 * L^-1 of the lower triangular L in the lower triangle of `l` (n x n; its upper triangle is ignored): `inv`
 * (lower triangular) and its transpose `invT` = L^-T (upper triangular), which the computation forms first.
 */
export function lowerInverse(l: Float64Array, n: number): { inv: Float64Array; invT: Float64Array } {
  // column c of L^-1 by forward substitution of L x = e_c (x_i = 0 for i < c), kept as row c of t = (L^-1)^T so
  // that the inner sum runs along contiguous rows of both l and t
  const t = new Float64Array(n * n);
  for (let c = 0; c < n; c++) {
    const tc = c * n;
    t[tc + c] = 1 / l[c * n + c]!;
    for (let i = c + 1; i < n; i++) {
      const li = i * n;
      let s = 0;
      for (let p = c; p < i; p++) s -= l[li + p]! * t[tc + p]!;
      t[tc + i] = s / l[li + i]!;
    }
  }
  const inv = new Float64Array(n * n);
  for (let r = 0; r < n; r++) for (let c = 0; c <= r; c++) inv[r * n + c] = t[c * n + r]!;
  return { inv, invT: t };
}

/** The smallest pivot^2 of A0's Cholesky factor, relative to A0's largest diagonal entry, that solver pcg takes. */
export const PCG_MIN_PIVOT = 1e-8;

/**
 * Solver pcg's change of coordinates: A0 = alpha0 G + base I = L L^T (G: k x k row-major, e.g. a side's
 * Gram; float64), returning L (lower triangular, upper triangle 0), L^-1 (lower triangular) and L^-T; undefined
 * when A0 is not positive definite or a pivot^2 is below PCG_MIN_PIVOT of A0's largest diagonal entry,
 * where the half-sweep runs plain CG instead (float32 factors in those coordinates would lose too much).
 * The one place of that test: native-cpu and the tensor path both take it.
 */
export function pcgFactors(g: ArrayLike<number>, k: number, alpha0: number, base: number): { l: Float64Array; lInv: Float64Array; lInvT: Float64Array } | undefined {
  const a = new Float64Array(k * k);
  for (let q = 0; q < k * k; q++) a[q] = alpha0 * g[q]!;
  let most = 0;
  for (let d = 0; d < k; d++) most = Math.max(most, (a[d * k + d] += base));
  if (!choleskyFactor(a, k)) return undefined;
  for (let d = 0; d < k; d++) if (!(a[d * k + d]! * a[d * k + d]! >= PCG_MIN_PIVOT * most)) return undefined;
  for (let r = 0; r < k; r++) for (let c = r + 1; c < k; c++) a[r * k + c] = 0;
  const { inv, invT } = lowerInverse(a, k);
  return { l: a, lInv: inv, lInvT: invT };
}

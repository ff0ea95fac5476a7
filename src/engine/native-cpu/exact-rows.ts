/**
 * Exact solves of short rows (solver `hybrid`, native-cpu): which rows take them, and A0^-1.
 *
 * A row u with n entries has A = A0 + Y_u^T D Y_u (D = diag(c - alpha0)), A0 shared by every row of the
 * half-sweep. With W = Y A0^-1 computed once per half-sweep for the whole fixed side, the
 * Sherman-Morrison-Woodbury identity solves the row exactly in ~n^2 k / 2 + n^3 / 6 multiply-adds
 * (kernel.c exact_row) where CG's (steps + 1) products with A0 alone cost (steps + 1) k^2: on the short rows of
 * sparse data the exact solve is both cheaper and better (no CG truncation). Longer rows, rows with per-row
 * regularization (their A0 is not the shared one) and rows with some c - alpha0 <= 0 keep CG. Departure from
 * the paper's CG update: these rows get the exact ALS solution, as the float64 reference solver computes it.
 */

/**
 * The longest row solved exactly at rank k: the largest n whose exact solve costs less than CG's, by the
 * instruction estimates below, capped at EXACT_MAX_ENTRIES.
 */
export function exactMaxFor(k: number, steps: number): number {
  let n = 0;
  while (n < EXACT_MAX_ENTRIES && exactCost(n + 1, k) < cgCost(n + 1, k, steps)) n++;
  return n;
}

/** the longest row any half-sweep solves exactly (its system's scratch is sized for it, layout.ts) */
export const EXACT_MAX_ENTRIES = 128;

/*
 * Instruction estimates of the wasm kernel (kernel.c), per row with n entries at rank k (4-lane SIMD):
 * exact: G in 2 x 4 tiles (~0.25 n^2 k), the scalar float64 Cholesky (~0.7 n^3), x = W_u^T v (~1.5 n k);
 * CG: per A0 product ~0.45 k^2 (matvec4, four rows per pass) and ~n k for the entries, (steps + 1) times.
 * Checked against CPU time on the 1M set at k = 128 (bench/README.md "Row solvers"), not exact.
 */
function exactCost(n: number, k: number): number {
  return 0.25 * n * n * k + 0.7 * n * n * n + 1.5 * n * k;
}

function cgCost(n: number, k: number, steps: number): number {
  return (steps + 1) * (0.45 * k * k + n * k);
}

/**
 * Whether the exact solves pay for their set-up on a side, with a margin of 2x for the estimates' error: the
 * work they save on its rows of at most `exactMax` entries, against computing W for the `fixedRows` rows of
 * the other side (one A0 product each) and A0^-1 (~k^3 in float64 JS, weighted 3x).
 */
export function exactSolvesPay(indptr: Int32Array, exactMax: number, fixedRows: number, k: number, steps: number): boolean {
  if (exactMax === 0) return false;
  let saved = 0;
  for (let r = 0; r + 1 < indptr.length; r++) {
    const n = indptr[r + 1]! - indptr[r]!;
    if (n > 0 && n <= exactMax) saved += cgCost(n, k, steps) - exactCost(n, k);
  }
  return saved > 2 * (fixedRows * 0.45 * k * k + 3 * k * k * k);
}

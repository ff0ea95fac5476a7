/**
 * Exact solves of short rows (solver `hybrid`, native-cpu): which rows take them.
 *
 * hybrid is pcg (kernel-js.ts pcgRow) with the short rows solved exactly. In pcg's coordinates A0 = I, so a
 * row u with n entries has A = I + Y'_u^T D Y'_u (D = diag(c - alpha0), Y' the fixed side there, which pcg
 * computes anyway), and the Sherman-Morrison-Woodbury identity solves it exactly in ~n^2 k / 2 + n^3 / 6
 * multiply-adds (kernel.c exact_row with W = Y'), without pcg's warm start z = L^T x (k^2 / 2) or its steps
 * over the entries ((steps + 1) n k). Longer rows and rows with some c - alpha0 <= 0 keep pcg. Departure from
 * the paper's CG update: these rows get the exact ALS solution, as the float64 reference solver computes it.
 */

/**
 * The longest row solved exactly at rank k: the largest n whose exact solve costs less than pcg's, by the
 * instruction estimates below, capped at EXACT_MAX_ENTRIES.
 */
export function exactMaxFor(k: number, steps: number): number {
  let n = 0;
  while (n < EXACT_MAX_ENTRIES && exactCost(n + 1, k) < pcgCost(n + 1, k, steps)) n++;
  return n;
}

/** the longest row any half-sweep solves exactly (its system's scratch is sized for it, layout.ts) */
export const EXACT_MAX_ENTRIES = 128;

/*
 * Instruction estimates of the wasm kernel (kernel.c), per row with n entries at rank k (4-lane SIMD):
 * exact: G in 2 x 4 tiles (~0.25 n^2 k), the scalar float64 Cholesky (~0.7 n^3), z = Y'_u^T v (~1.5 n k);
 * pcg: z = L^T x (a triangular matvec4 over four rows, ~0.225 k^2) and ~n k for the entries, (steps + 1) times.
 * Both then pay x = L^-T z. Not exact: a rule for which rows, checked against CPU time (bench/README.md "Training speed").
 */
function exactCost(n: number, k: number): number {
  return 0.25 * n * n * k + 0.7 * n * n * n + 1.5 * n * k;
}

function pcgCost(n: number, k: number, steps: number): number {
  return 0.225 * k * k + (steps + 1) * n * k;
}

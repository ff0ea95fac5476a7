/**
 * Dense scoring kernels on row-major float32 factor matrices.
 * score(u, i) = x_u . y_i  (ALS prediction of p_ui).
 */

/** out[i] = x . Y[i] for every row i of Y (n x k). x has length k (may be a subarray). */
export function dotAll(x: ArrayLike<number>, Y: Float32Array, k: number, out: Float64Array | Float32Array, n = Y.length / k): void {
  if (k === 64) return dotAll64(x, Y, out, n);
  for (let i = 0, base = 0; i < n; i++, base += k) {
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    let f = 0;
    for (; f + 3 < k; f += 4) {
      s0 += x[f]! * Y[base + f]!;
      s1 += x[f + 1]! * Y[base + f + 1]!;
      s2 += x[f + 2]! * Y[base + f + 2]!;
      s3 += x[f + 3]! * Y[base + f + 3]!;
    }
    for (; f < k; f++) s0 += x[f]! * Y[base + f]!;
    out[i] = s0 + s1 + s2 + s3;
  }
}

function dotAll64(x: ArrayLike<number>, Y: Float32Array, out: Float64Array | Float32Array, n: number): void {
  const xs = new Float64Array(64);
  for (let f = 0; f < 64; f++) xs[f] = x[f]!;
  for (let i = 0, base = 0; i < n; i++, base += 64) {
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (let f = 0; f < 64; f += 4) {
      s0 += xs[f]! * Y[base + f]!;
      s1 += xs[f + 1]! * Y[base + f + 1]!;
      s2 += xs[f + 2]! * Y[base + f + 2]!;
      s3 += xs[f + 3]! * Y[base + f + 3]!;
    }
    out[i] = s0 + s1 + s2 + s3;
  }
}

/** out[j] = x . Y[idx[j]] for j < m, with dotAll's arithmetic (so each score equals dotAll's for that row, bit for bit). */
export function dotRows(x: ArrayLike<number>, Y: Float32Array, k: number, idx: ArrayLike<number>, m: number, out: Float64Array): void {
  const one = new Float64Array(1);
  for (let j = 0; j < m; j++) {
    const o = idx[j]! * k;
    dotAll(x, Y.subarray(o, o + k), k, one, 1);
    out[j] = one[0]!;
  }
}

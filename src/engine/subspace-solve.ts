/**
 * The subspace (iALS++) row solves of als-driver.ts batched over a chunk as tensor ops, beside
 * cg-solve.ts's CG. For a chunk of B rows u with gathered other-side factors G_u ([L, k], padded),
 * confidences c_u ([L], 0 on padding), w_u = c_u - alpha0 on real entries, e_u = lambda_u - base and
 * s_u = G_u x_u (the row's predictions on its entries), each block Q = [o, o + q) of the k coordinates in
 * turn is solved exactly with the others fixed:
 *
 *   H d = r,   H = A0[Q,Q] + e_u I + G_u[:,Q]^T diag(w_u) G_u[:,Q],   r = G_u[:,Q]^T (c_u - w_u s_u) - (A0 x_u)[Q] - e_u x_u[Q]
 *   x_u[Q] += d,   s_u += G_u[:,Q] d
 *
 * (r is (b - A x)[Q], A0 = alpha0 Y^T Y + base I). tfjs has no Cholesky or triangular-solve kernel on any
 * backend, so `choleskySolveBatch` factorises the B q x q systems column by column (one rank-1 update per
 * column, as batched [B, q, 1] x [B, 1, q] products) and substitutes forward and back: about 16 q small ops
 * per block, 16 k per chunk whatever the block size; the flops are B (2 L q^2 + 2 q^3) per block.
 */
import * as tf from '@tensorflow/tfjs-core';

/** Smallest pivot taken: a coordinate whose block has no curvature at all (lambda 0 and no data) stays put. */
const MIN_PIVOT = 1e-30;

/**
 * Solves H d = r for B symmetric positive definite q x q systems H ([B, q, q]), r ([B, q]) by Cholesky
 * H = L L^T. Call inside tf.tidy.
 */
export function choleskySolveBatch(h: tf.Tensor3D, r: tf.Tensor2D): tf.Tensor2D {
  const [B, q] = [h.shape[0], h.shape[1]];
  const below = (j: number) => tf.tensor3d(Float32Array.from({ length: q }, (_, i) => (i >= j ? 1 : 0)), [1, q, 1]);
  const unit = (j: number) => tf.tensor2d(Float32Array.from({ length: q }, (_, i) => (i === j ? 1 : 0)), [1, q]);
  let m = h;
  const cols: tf.Tensor2D[] = [];
  const diag: tf.Tensor2D[] = [];
  for (let j = 0; j < q; j++) {
    const col = tf.slice(m, [0, 0, j], [B, q, 1]);
    const d = tf.maximum(tf.slice(col, [0, j, 0], [B, 1, 1]), MIN_PIVOT);
    const l = tf.mul(tf.mul(col, tf.rsqrt(d)), below(j)) as tf.Tensor3D; // column j of L: rows >= j
    if (j < q - 1) m = tf.sub(m, tf.matMul(l, l, false, true));
    cols.push(tf.reshape(l, [B, q]));
    diag.push(tf.reshape(tf.sqrt(d), [B, 1]));
  }
  // L z = r, column by column: z_j = r_j / L_jj, then r -= L[:, j] z_j
  let rest = r;
  const z: tf.Tensor2D[] = [];
  for (let j = 0; j < q; j++) {
    const zj = tf.div(tf.slice(rest, [0, j], [B, 1]), diag[j]!) as tf.Tensor2D;
    z.push(zj);
    if (j < q - 1) rest = tf.sub(rest, tf.mul(cols[j]!, zj));
  }
  // L^T d = z, from the last row up: d_j = (z_j - L[:, j] . d) / L_jj (d is 0 at j and before)
  let d = tf.zeros([B, q]) as tf.Tensor2D;
  for (let j = q - 1; j >= 0; j--) {
    const dj = j === q - 1 ? tf.div(z[j]!, diag[j]!) : tf.div(tf.sub(z[j]!, tf.sum(tf.mul(cols[j]!, d), 1, true)), diag[j]!);
    d = tf.add(d, tf.mul(dj, unit(j))) as tf.Tensor2D;
  }
  return d;
}

/** One pass over the coordinate blocks of size `block` on a chunk from x0 (see the module comment). */
export function subspaceSolveChunk(
  g: tf.Tensor3D, // [B, L, k]
  x0: tf.Tensor2D, // [B, k]
  conf: tf.Tensor3D, // [B, L, 1]
  w: tf.Tensor3D, // [B, L, 1] = c - alpha0 on real entries, 0 on padding
  areg: tf.Tensor2D, // [k, k] = A0
  block: number,
  extra?: tf.Tensor2D, // [B, 1] = lambda_u - base
): { x: tf.Tensor2D; gx: tf.Tensor3D } {
  const [B, L, k] = g.shape;
  let x = x0;
  let s = tf.matMul(g, tf.reshape(x, [B, k, 1])) as tf.Tensor3D; // [B, L, 1]
  for (let o = 0; o < k; o += block) {
    const q = Math.min(block, k - o);
    const gq = tf.slice(g, [0, 0, o], [B, L, q]);
    const xq = tf.slice(x, [0, o], [B, q]);
    // r = Gq^T (c - w s) - (x A0)[Q] - e x[Q]
    let r = tf.sub(tf.reshape(tf.matMul(tf.reshape(tf.sub(conf, tf.mul(w, s)), [B, 1, L]), gq), [B, q]), tf.matMul(x, tf.slice(areg, [0, o], [k, q])));
    // H = A0[Q,Q] + e I + Gq^T diag(w) Gq
    let h = tf.add(tf.matMul(tf.transpose(tf.mul(w, gq), [0, 2, 1]), gq), tf.slice(areg, [o, o], [q, q])) as tf.Tensor3D;
    if (extra) {
      r = tf.sub(r, tf.mul(extra, xq));
      h = tf.add(h, tf.mul(tf.reshape(extra, [B, 1, 1]), tf.eye(q))) as tf.Tensor3D;
    }
    const d = choleskySolveBatch(h, r as tf.Tensor2D);
    const parts = [tf.add(xq, d)];
    if (o > 0) parts.unshift(tf.slice(x, [0, 0], [B, o]));
    if (o + q < k) parts.push(tf.slice(x, [0, o + q], [B, k - o - q]));
    x = (parts.length > 1 ? tf.concat(parts, 1) : parts[0]) as tf.Tensor2D;
    s = tf.add(s, tf.matMul(gq, tf.reshape(d, [B, q, 1]))) as tf.Tensor3D;
  }
  return { x, gx: s };
}

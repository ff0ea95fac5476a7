/**
 * The CG row solves of als-driver.ts (Takacs, Pilaszy, Tikk 2011) batched over a chunk as tensor ops.
 * For a chunk of B rows u with gathered other-side factors G_u ([L, k], padded), confidences c_u ([L],
 * 0 on padding), w_u = c_u - alpha0 on real entries and e_u = lambda_u - base (absent when 0 for all rows):
 *
 *   A_u x = A0 x + e_u x + G_u^T (w_u * (G_u x))        b_u = G_u^T c_u,    A0 = alpha0 Y^T Y + base I
 *
 * A0 x is one [B, k] x [k, k] matmul; the sparse part is two batched mat-vecs over the
 * [B, L, k] block: G x as [B, L, k] x [B, k, 1], and G^T v as [B, 1, L] x [B, L, k] (no transpose flag).
 * Divisions use divNoNan, so a row that has converged exactly (p.Ap = 0) stops moving.
 * With `trackGx`, also returns G x for the final x (kept up to date with the same steps), used by the loss.
 *
 * Solver pcg runs the same steps with A0 = I (`areg` undefined, so A0 v = v): in the coordinates z = L^T x
 * where A0 = L L^T, with G taken from Y' = Y L^-T, the row's system is (I + G'^T D G') z = G'^T c
 * (als-tensor.ts maps x0 to z and the result back).
 */
import * as tf from '@tensorflow/tfjs-core';

/** s CG steps on a chunk from x0 (see the module comment). */
export function cgSolveChunk(
  g: tf.Tensor3D, // [B, L, k]
  x0: tf.Tensor2D, // [B, k]
  conf: tf.Tensor3D, // [B, L, 1]
  w: tf.Tensor3D, // [B, L, 1] = c - alpha0 on real entries, 0 on padding
  areg: tf.Tensor2D | undefined, // [k, k] = A0 = alpha0 Y^T Y + base I; undefined: the identity (solver pcg)
  steps: number,
  trackGx: boolean,
  extra?: tf.Tensor2D, // [B, 1] = lambda_u - base
): { x: tf.Tensor2D; gx?: tf.Tensor3D } {
  const [B, L, k] = g.shape;
  // G^T v as [B, 1, L] x [B, L, k] and G v as [B, L, k] x [B, k, 1]. (Broadcast multiply + sum was
  // faster in isolation on wasm for small L but slower over a whole training: not used.)
  const gt = (v: tf.Tensor3D) => tf.reshape(tf.matMul(tf.reshape(v, [B, 1, L]), g), [B, k]) as tf.Tensor2D;
  const gdot = (v: tf.Tensor2D) => tf.matMul(g, tf.reshape(v, [B, k, 1])) as tf.Tensor3D;
  // A0 v (+ e v per row)
  const a0 = (v: tf.Tensor2D) => (areg ? tf.matMul(v, areg) : v);
  const dense = (v: tf.Tensor2D) => (extra ? tf.add(a0(v), tf.mul(extra, v)) : a0(v)) as tf.Tensor2D;
  let x = x0;
  let gx = gdot(x);
  // r = G^T (c - w * Gx) - A0 x - e x
  let r = tf.sub(gt(tf.sub(conf, tf.mul(w, gx))), dense(x)) as tf.Tensor2D;
  let p = r;
  let rs = tf.sum(tf.mul(r, r), 1, true);
  for (let s = 0; s < steps; s++) {
    const gp = gdot(p);
    const ap = tf.add(gt(tf.mul(w, gp)), dense(p)) as tf.Tensor2D;
    const a = tf.divNoNan(rs, tf.sum(tf.mul(p, ap), 1, true));
    x = tf.add(x, tf.mul(a, p));
    if (trackGx) gx = tf.add(gx, tf.mul(tf.reshape(a, [B, 1, 1]), gp));
    if (s === steps - 1) break;
    r = tf.sub(r, tf.mul(a, ap));
    const rsNew = tf.sum(tf.mul(r, r), 1, true);
    p = tf.add(r, tf.mul(tf.divNoNan(rsNew, rs), p));
    rs = rsNew;
  }
  return { x, gx: trackGx ? gx : undefined };
}

/** Sum over the chunk's nonzeros of c (1 - s)^2 - alpha0 s^2 with s = x_u . y_i (padding masked out). */
export function sparseLossTerm(conf: tf.Tensor3D, gx: tf.Tensor3D, alpha0: number): tf.Scalar {
  const mask = alpha0 === 1 ? tf.minimum(conf, 1) : tf.mul(tf.minimum(conf, 1), alpha0); // alpha0 on real entries (c >= 1), 0 on padding
  const one = tf.sub(1, gx);
  return tf.sum(tf.sub(tf.mul(conf, tf.mul(one, one)), tf.mul(mask, tf.mul(gx, gx))));
}

/** sum_u e_u |x_u|^2 over a chunk's rows (the per-row part of the penalty). */
export function extraPenalty(x: tf.Tensor2D, extra: tf.Tensor2D): tf.Scalar {
  return tf.sum(tf.mul(extra, tf.sum(tf.mul(x, x), 1, true)));
}

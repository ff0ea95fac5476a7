/**
 * Exact top-k through an int8 prefilter. Target factors are also stored as int8 rows with one scale each
 * (y_i ~ s_i q_i, |q_if| <= 127) and the source vector as int16 (x ~ sx xq), so a pass over the targets
 * reads a quarter of the float32 bytes and its dot products are exact integers. The approximate score
 * a_i = s_i sx (q_i . xq) is within e of the float32 score E_i of the full pass, for every target:
 *
 *   |a_i - E_i| <= s_max/2 (|x|_1 + k sx/2) + |y|_1,max sx/2 + (float32 rounding of both, bounded below) = e
 *
 * With A_k the count-th largest approximate score among the allowed targets, every target of the exact
 * top-count has E_i >= E_(k) >= A_k - e, hence a_i >= A_k - 2e. So the targets with a_i >= A_k - 2e are
 * rescored in float32 with the full pass's own operations (same scores, bit for bit) and ranked: the
 * result is exactly the full pass's result, ties included. When too many targets pass (scores packed
 * tighter than e), the caller falls back to the full float32 pass.
 */
import { SCORE_BLOCK, TopKHeap, topKOfScores, type TopK } from './top-k.js';

/** Per-model quantization facts used by the bound. */
export interface QuantStats { sMax: number; l1Max: number }

/**
 * Reference quantization in plain TypeScript (the served copy is made by the wasm kernel `quantize_rows`,
 * which agrees up to rounding ties): Q[i] = round(y_i / s_i) with s_i = max_f |y_if| / 127 (0 for a zero row).
 */
export function quantizeRows(Y: Float32Array, n: number, k: number, Q: Int8Array, scales: Float32Array): QuantStats {
  let sMax = 0, l1Max = 0;
  for (let i = 0; i < n; i++) {
    const o = i * k;
    let m = 0, l1 = 0;
    for (let f = 0; f < k; f++) { const a = Math.abs(Y[o + f]!); if (a > m) m = a; l1 += a; }
    const s = Math.fround(m / 127);
    scales[i] = s;
    if (s > sMax) sMax = s;
    if (l1 > l1Max) l1Max = l1;
    for (let f = 0; f < k; f++) Q[o + f] = s > 0 ? Math.max(-127, Math.min(127, Math.round(Y[o + f]! / s))) : 0;
  }
  return { sMax, l1Max };
}

/** xq = round(x / sx), sx = max |x_f| / 32767; returns sx and the bound e for this source. */
export function quantizeSource(x: ArrayLike<number>, k: number, xq: Int16Array, q: QuantStats): { sx: number; e: number } {
  let m = 0, l1 = 0;
  for (let f = 0; f < k; f++) { const a = Math.abs(x[f]!); if (a > m) m = a; l1 += a; }
  const sx = Math.fround(m / 32767);
  for (let f = 0; f < k; f++) xq[f] = sx > 0 ? Math.max(-32767, Math.min(32767, Math.round(x[f]! / sx))) : 0;
  // Quantization error, then float32 rounding: |E_i - y_i.x| <= k 2^-24 |y_i|_1 max|x| (k sequential
  // roundings at most) and a_i's three float32 products; 1e-5 relative covers both with a wide margin.
  const e = (q.sMax / 2) * (l1 + (k * sx) / 2) + (q.l1Max * sx) / 2 + 1e-5 * (1 + k / 64) * (q.l1Max + q.sMax * k) * (m + sx);
  return { sx, e };
}

/**
 * The exact top `count` from approximate scores `approx` (scratch: seen targets are marked NaN) with
 * per-block maxima `maxima` (SCORE_BLOCK targets each), bound `e`, and `rescore(idx)` giving the float32
 * scores of the listed targets. Returns undefined when more than `limit` targets would need rescoring.
 */
export function topKPrefiltered(
  approx: Float32Array, maxima: Float32Array, e: number, count: number, mask: Uint8Array | null | undefined,
  seen: ArrayLike<number> | undefined, limit: number, rescore: (idx: Int32Array, m: number) => Float32Array, cand: Int32Array,
): TopK | undefined {
  if (count <= 0) return { indices: new Int32Array(0), scores: new Float64Array(0) };
  if (count > limit) return undefined;
  const first = topKOfScores(approx, maxima, count, mask, seen); // marks seen targets NaN
  let m = 0;
  if (first.indices.length < count) {
    // Fewer allowed targets than asked for: they are all in `first`.
    for (const i of first.indices) cand[m++] = i;
  } else {
    const thr = first.scores[count - 1]! - 2 * e;
    const n = approx.length;
    for (let b = 0; b < maxima.length; b++) {
      if (!(maxima[b]! >= thr)) continue;
      const end = Math.min(n, (b + 1) * SCORE_BLOCK);
      for (let i = b * SCORE_BLOCK; i < end; i++) {
        if (approx[i]! >= thr && (!mask || mask[i])) {
          if (m >= limit) return undefined;
          cand[m++] = i;
        }
      }
    }
  }
  const exact = rescore(cand, m);
  const heap = new TopKHeap(count);
  for (let j = 0; j < m; j++) heap.push(cand[j]!, exact[j]!);
  return heap.drain();
}

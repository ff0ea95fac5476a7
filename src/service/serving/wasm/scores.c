/*
 * Serving kernel: scores of every target for one source vector, out[i] = x . Y[i] (row-major Y, n x k),
 * in float32 with WebAssembly SIMD (4 lanes, two accumulators), and the same for four source vectors in one
 * pass over Y (scores4: the batch path of the scoring worker). Built by build.sh; scores.wasm is committed.
 * The module imports a shared memory, so the scoring worker threads can use the model's factors in place.
 */
#include <wasm_simd128.h>
#include <stdint.h>

__attribute__((export_name("scores")))
void scores(const float *Y, int n, int k, const float *x, float *out) {
  if ((k & 3) != 0) {
    for (int i = 0; i < n; i++) {
      const float *y = Y + (long)i * k;
      float s = 0.f;
      for (int f = 0; f < k; f++) s += x[f] * y[f];
      out[i] = s;
    }
    return;
  }
  int i = 0;
  if ((k & 7) == 0) {
    /* two rows at a time, four independent accumulators: each x chunk is loaded once for both rows */
    for (; i + 2 <= n; i += 2) {
      const float *y0 = Y + (long)i * k, *y1 = y0 + k;
      v128_t a0 = wasm_f32x4_splat(0.f), a1 = a0, b0 = a0, b1 = a0;
      for (int f = 0; f < k; f += 8) {
        v128_t x0 = wasm_v128_load(x + f), x1 = wasm_v128_load(x + f + 4);
        a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(x0, wasm_v128_load(y0 + f)));
        a1 = wasm_f32x4_add(a1, wasm_f32x4_mul(x1, wasm_v128_load(y0 + f + 4)));
        b0 = wasm_f32x4_add(b0, wasm_f32x4_mul(x0, wasm_v128_load(y1 + f)));
        b1 = wasm_f32x4_add(b1, wasm_f32x4_mul(x1, wasm_v128_load(y1 + f + 4)));
      }
      a0 = wasm_f32x4_add(a0, a1);
      b0 = wasm_f32x4_add(b0, b1);
      out[i] = wasm_f32x4_extract_lane(a0, 0) + wasm_f32x4_extract_lane(a0, 1) + wasm_f32x4_extract_lane(a0, 2) + wasm_f32x4_extract_lane(a0, 3);
      out[i + 1] = wasm_f32x4_extract_lane(b0, 0) + wasm_f32x4_extract_lane(b0, 1) + wasm_f32x4_extract_lane(b0, 2) + wasm_f32x4_extract_lane(b0, 3);
    }
  }
  for (; i < n; i++) {
    const float *y = Y + (long)i * k;
    v128_t a0 = wasm_f32x4_splat(0.f), a1 = a0;
    int f = 0;
    for (; f + 8 <= k; f += 8) {
      a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(wasm_v128_load(x + f), wasm_v128_load(y + f)));
      a1 = wasm_f32x4_add(a1, wasm_f32x4_mul(wasm_v128_load(x + f + 4), wasm_v128_load(y + f + 4)));
    }
    for (; f < k; f += 4) a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(wasm_v128_load(x + f), wasm_v128_load(y + f)));
    a0 = wasm_f32x4_add(a0, a1);
    out[i] = wasm_f32x4_extract_lane(a0, 0) + wasm_f32x4_extract_lane(a0, 1) + wasm_f32x4_extract_lane(a0, 2) + wasm_f32x4_extract_lane(a0, 3);
  }
}

static inline float hsum(v128_t a) {
  return wasm_f32x4_extract_lane(a, 0) + wasm_f32x4_extract_lane(a, 1) + wasm_f32x4_extract_lane(a, 2) + wasm_f32x4_extract_lane(a, 3);
}

/*
 * out[q * n + i] = X[q] . Y[i] for the four k-vectors X[0..3] (contiguous, k floats each): each row of Y
 * is read once for the four sources, so a batch of requests costs one sweep over Y (memory bound at a
 * large catalog) instead of four. Same float32 sums, in the same order, as `scores` for k % 8 == 0.
 */
__attribute__((export_name("scores4")))
void scores4(const float *Y, int n, int k, const float *X, float *out) {
  if ((k & 7) != 0) {
    for (int q = 0; q < 4; q++) scores(Y, n, k, X + q * k, out + (long)q * n);
    return;
  }
  const float *x0 = X, *x1 = X + k, *x2 = X + 2 * k, *x3 = X + 3 * k;
  for (int i = 0; i < n; i++) {
    const float *y = Y + (long)i * k;
    v128_t z = wasm_f32x4_splat(0.f);
    v128_t a0 = z, a1 = z, b0 = z, b1 = z, c0 = z, c1 = z, d0 = z, d1 = z;
    for (int f = 0; f < k; f += 8) {
      v128_t y0 = wasm_v128_load(y + f), y1 = wasm_v128_load(y + f + 4);
      a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(wasm_v128_load(x0 + f), y0));
      a1 = wasm_f32x4_add(a1, wasm_f32x4_mul(wasm_v128_load(x0 + f + 4), y1));
      b0 = wasm_f32x4_add(b0, wasm_f32x4_mul(wasm_v128_load(x1 + f), y0));
      b1 = wasm_f32x4_add(b1, wasm_f32x4_mul(wasm_v128_load(x1 + f + 4), y1));
      c0 = wasm_f32x4_add(c0, wasm_f32x4_mul(wasm_v128_load(x2 + f), y0));
      c1 = wasm_f32x4_add(c1, wasm_f32x4_mul(wasm_v128_load(x2 + f + 4), y1));
      d0 = wasm_f32x4_add(d0, wasm_f32x4_mul(wasm_v128_load(x3 + f), y0));
      d1 = wasm_f32x4_add(d1, wasm_f32x4_mul(wasm_v128_load(x3 + f + 4), y1));
    }
    out[i] = hsum(wasm_f32x4_add(a0, a1));
    out[n + i] = hsum(wasm_f32x4_add(b0, b1));
    out[2 * (long)n + i] = hsum(wasm_f32x4_add(c0, c1));
    out[3 * (long)n + i] = hsum(wasm_f32x4_add(d0, d1));
  }
}

/*
 * The int8 copy of the target factors (quantized.ts): per row s = max_f |y_f| / 127 (float32 division),
 * Q[f] = nearest(y_f / s) (0 for a zero row). stats[0] = max s, stats[1] = max |y|_1 over rows. k % 8 == 0.
 */
__attribute__((export_name("quantize_rows")))
void quantize_rows(const float *Y, int n, int k, int8_t *Q, float *scales, float *stats) {
  float smax = 0.f, l1max = 0.f;
  for (int i = 0; i < n; i++) {
    const float *y = Y + (long)i * k;
    v128_t m = wasm_f32x4_splat(0.f), l = m;
    for (int f = 0; f < k; f += 4) {
      v128_t a = wasm_f32x4_abs(wasm_v128_load(y + f));
      m = wasm_f32x4_max(m, a);
      l = wasm_f32x4_add(l, a);
    }
    float mx = wasm_f32x4_extract_lane(m, 0), l1 = hsum(l);
    float m1 = wasm_f32x4_extract_lane(m, 1), m2 = wasm_f32x4_extract_lane(m, 2), m3 = wasm_f32x4_extract_lane(m, 3);
    if (m1 > mx) mx = m1;
    if (m2 > mx) mx = m2;
    if (m3 > mx) mx = m3;
    float s = mx / 127.f;
    scales[i] = s;
    if (s > smax) smax = s;
    if (l1 > l1max) l1max = l1;
    int8_t *q = Q + (long)i * k;
    if (!(s > 0.f)) {
      for (int f = 0; f < k; f++) q[f] = 0;
      continue;
    }
    v128_t sv = wasm_f32x4_splat(s), lo = wasm_i32x4_splat(-127), hi = wasm_i32x4_splat(127);
    for (int f = 0; f < k; f += 8) {
      v128_t a = wasm_i32x4_trunc_sat_f32x4(wasm_f32x4_nearest(wasm_f32x4_div(wasm_v128_load(y + f), sv)));
      v128_t b = wasm_i32x4_trunc_sat_f32x4(wasm_f32x4_nearest(wasm_f32x4_div(wasm_v128_load(y + f + 4), sv)));
      a = wasm_i32x4_min(wasm_i32x4_max(a, lo), hi);
      b = wasm_i32x4_min(wasm_i32x4_max(b, lo), hi);
      v128_t h = wasm_i16x8_narrow_i32x4(a, b);
      wasm_v128_store64_lane(q + f, wasm_i8x16_narrow_i16x8(h, h), 0);
    }
  }
  stats[0] = smax;
  stats[1] = l1max;
}

/* The lane sums of a, b, c, d (int32x4 each) as one vector [sum a, sum b, sum c, sum d]: exact integer adds. */
static inline v128_t hsum4_i32(v128_t a, v128_t b, v128_t c, v128_t d) {
  v128_t ab = wasm_i32x4_add(wasm_i32x4_shuffle(a, b, 0, 4, 1, 5), wasm_i32x4_shuffle(a, b, 2, 6, 3, 7)); /* a02 b02 a13 b13 */
  v128_t cd = wasm_i32x4_add(wasm_i32x4_shuffle(c, d, 0, 4, 1, 5), wasm_i32x4_shuffle(c, d, 2, 6, 3, 7));
  return wasm_i32x4_add(wasm_i32x4_shuffle(ab, cd, 0, 1, 4, 5), wasm_i32x4_shuffle(ab, cd, 2, 3, 6, 7));
}

/*
 * Approximate scores from int8 target factors (see quantized.ts for the bounds that keep results exact):
 * out[i] = scale[i] * sx * sum_f Q[i][f] * xq[f], the sum in exact integer arithmetic (int8 x int16 pairs
 * with i32x4.dot_i16x8_s; no overflow for k <= 512). A quarter of the float32 factors' memory traffic.
 * k % 8 == 0. Rows go four at a time with one transposing reduction for the four (integer sums are exact in
 * any order, and the float operations per row are the same: the outputs equal a row-at-a-time loop's, bit for bit).
 */
__attribute__((export_name("scores_q8")))
void scores_q8(const int8_t *Q, const float *scale, int n, int k, const int16_t *xq, float sx, float *out) {
  int i = 0;
  /* four rows at a time: each xq chunk loaded once for the four, and one transposing reduction for all four */
  const v128_t vsx = wasm_f32x4_splat(sx);
  for (; i + 4 <= n; i += 4) {
    const int8_t *q0 = Q + (long)i * k, *q1 = q0 + k, *q2 = q1 + k, *q3 = q2 + k;
    v128_t a = wasm_i32x4_splat(0), b = a, c = a, d = a;
    for (int f = 0; f < k; f += 8) {
      v128_t xv = wasm_v128_load(xq + f);
      a = wasm_i32x4_add(a, wasm_i32x4_dot_i16x8(wasm_i16x8_load8x8(q0 + f), xv));
      b = wasm_i32x4_add(b, wasm_i32x4_dot_i16x8(wasm_i16x8_load8x8(q1 + f), xv));
      c = wasm_i32x4_add(c, wasm_i32x4_dot_i16x8(wasm_i16x8_load8x8(q2 + f), xv));
      d = wasm_i32x4_add(d, wasm_i32x4_dot_i16x8(wasm_i16x8_load8x8(q3 + f), xv));
    }
    v128_t sums = hsum4_i32(a, b, c, d);
    wasm_v128_store(out + i, wasm_f32x4_mul(wasm_f32x4_mul(wasm_v128_load(scale + i), vsx), wasm_f32x4_convert_i32x4(sums)));
  }
  for (; i < n; i++) {
    const int8_t *q = Q + (long)i * k;
    v128_t acc = wasm_i32x4_splat(0);
    for (int f = 0; f < k; f += 8) acc = wasm_i32x4_add(acc, wasm_i32x4_dot_i16x8(wasm_i16x8_load8x8(q + f), wasm_v128_load(xq + f)));
    int s = wasm_i32x4_extract_lane(acc, 0) + wasm_i32x4_extract_lane(acc, 1) + wasm_i32x4_extract_lane(acc, 2) + wasm_i32x4_extract_lane(acc, 3);
    out[i] = scale[i] * sx * (float)s;
  }
}

/* scores_q8 for four quantized source vectors XQ[0..3] (k int16 each, scales sx[0..3]) in one pass. */
__attribute__((export_name("scores4_q8")))
void scores4_q8(const int8_t *Q, const float *scale, int n, int k, const int16_t *XQ, const float *sx, float *out) {
  const int16_t *x0 = XQ, *x1 = XQ + k, *x2 = XQ + 2 * k, *x3 = XQ + 3 * k;
  const v128_t vsx = wasm_v128_load(sx);
  for (int i = 0; i < n; i++) {
    const int8_t *q = Q + (long)i * k;
    v128_t a = wasm_i32x4_splat(0), b = a, c = a, d = a;
    for (int f = 0; f < k; f += 8) {
      v128_t qv = wasm_i16x8_load8x8(q + f);
      a = wasm_i32x4_add(a, wasm_i32x4_dot_i16x8(qv, wasm_v128_load(x0 + f)));
      b = wasm_i32x4_add(b, wasm_i32x4_dot_i16x8(qv, wasm_v128_load(x1 + f)));
      c = wasm_i32x4_add(c, wasm_i32x4_dot_i16x8(qv, wasm_v128_load(x2 + f)));
      d = wasm_i32x4_add(d, wasm_i32x4_dot_i16x8(qv, wasm_v128_load(x3 + f)));
    }
    v128_t r = wasm_f32x4_mul(wasm_f32x4_mul(wasm_f32x4_splat(scale[i]), vsx), wasm_f32x4_convert_i32x4(hsum4_i32(a, b, c, d)));
    out[i] = wasm_f32x4_extract_lane(r, 0);
    out[n + i] = wasm_f32x4_extract_lane(r, 1);
    out[2 * (long)n + i] = wasm_f32x4_extract_lane(r, 2);
    out[3 * (long)n + i] = wasm_f32x4_extract_lane(r, 3);
  }
}

/*
 * out[j] = x . Y[idx[j]] for m listed rows: the same float32 operations, in the same order, as `scores`
 * (so a rescored candidate gets exactly the score the full pass would give it).
 */
__attribute__((export_name("dot_rows")))
void dot_rows(const float *Y, const int *idx, int m, int k, const float *x, float *out) {
  for (int j = 0; j < m; j++) scores(Y + (long)idx[j] * k, 1, k, x, out + j);
}

/*
 * out[b] = max of s[b*64 .. b*64+63] (the last block may be shorter), NaN entries ignored (-inf when a block
 * has only NaN). The top-k scan skips every block whose maximum cannot beat its current threshold.
 */
__attribute__((export_name("block_max")))
void block_max(const float *s, int n, float *out) {
  int nb = (n + 63) / 64;
  for (int b = 0; b < nb; b++) {
    int a = b * 64, e = a + 64 < n ? a + 64 : n;
    v128_t m = wasm_f32x4_splat(-__builtin_inff());
    int i = a;
    /* pmax(m, v) = m < v ? v : m: a NaN in v never replaces m */
    for (; i + 4 <= e; i += 4) m = wasm_f32x4_pmax(m, wasm_v128_load(s + i));
    float r = wasm_f32x4_extract_lane(m, 0);
    float l1 = wasm_f32x4_extract_lane(m, 1), l2 = wasm_f32x4_extract_lane(m, 2), l3 = wasm_f32x4_extract_lane(m, 3);
    if (r < l1) r = l1;
    if (r < l2) r = l2;
    if (r < l3) r = l3;
    for (; i < e; i++) if (r < s[i]) r = s[i];
    out[b] = r;
  }
}

/*
 * WebAssembly SIMD (f32x4) row solvers of the native-cpu backend: the same formulas as kernel-js.ts
 * (the row update of als-driver.ts by Takacs/Pilaszy/Tikk 2011 CG steps, solve_rows, or by iALS++ subspace
 * passes, subspace_rows).
 * Built by build-wasm.sh into kernel.wasm (committed); the module imports a shared memory (env.memory)
 * laid out by layout.ts and has no data of its own; its small C stack lives in a per-worker region
 * (each instance sets its exported __stack_pointer), so instances in several worker threads can share
 * one memory. Pointers are byte offsets into that memory.
 * Departure from kernel-js.ts: the CG vectors r, p, Ap are float32 here (float64 in JS), like implicit.
 */
#include <wasm_simd128.h>

typedef v128_t v;

/*
 * acc + a * b. Built twice (build-wasm.sh): kernel.wasm multiplies then adds (two roundings);
 * kernel-relaxed.wasm uses relaxed SIMD's f32x4.relaxed_madd, which V8 turns into one fused multiply-add
 * on CPUs that have FMA (one rounding; else the same two operations). Departure from kernel-js.ts: in the
 * relaxed build the products are fused, so results differ from the plain build in the last bits.
 */
#ifdef __wasm_relaxed_simd__
typedef float f4 __attribute__((__vector_size__(16)));
#define MADD(a, b, acc) ((v)__builtin_wasm_relaxed_madd_f32x4((f4)(a), (f4)(b), (f4)(acc)))
#else
#define MADD(a, b, acc) wasm_f32x4_add(acc, wasm_f32x4_mul(a, b))
#endif

static inline float hsum(v a) {
  return wasm_f32x4_extract_lane(a, 0) + wasm_f32x4_extract_lane(a, 1) + wasm_f32x4_extract_lane(a, 2) +
         wasm_f32x4_extract_lane(a, 3);
}

/* (sum of a's lanes, of b's, of c's, of d's): four horizontal sums in one vector */
static inline v hsum4(v a, v b, v c, v d) {
  v ab = wasm_f32x4_add(wasm_i32x4_shuffle(a, b, 0, 4, 1, 5), wasm_i32x4_shuffle(a, b, 2, 6, 3, 7)); /* a01+a23 mixed with b */
  v cd = wasm_f32x4_add(wasm_i32x4_shuffle(c, d, 0, 4, 1, 5), wasm_i32x4_shuffle(c, d, 2, 6, 3, 7));
  return wasm_f32x4_add(wasm_i32x4_shuffle(ab, cd, 0, 1, 4, 5), wasm_i32x4_shuffle(ab, cd, 2, 3, 6, 7));
}

/* dot of two k-vectors, k % 4 == 0 (the caller pads k) */
static inline float dot(const float *a, const float *b, int k) {
  v s0 = wasm_f32x4_splat(0), s1 = wasm_f32x4_splat(0);
  int i = 0;
  for (; i + 8 <= k; i += 8) {
    s0 = MADD(wasm_v128_load(a + i), wasm_v128_load(b + i), s0);
    s1 = MADD(wasm_v128_load(a + i + 4), wasm_v128_load(b + i + 4), s1);
  }
  for (; i < k; i += 4) s0 = MADD(wasm_v128_load(a + i), wasm_v128_load(b + i), s0);
  return hsum(wasm_f32x4_add(s0, s1));
}

/* y += s x */
static inline void axpy(float s, const float *x, float *y, int k) {
  v sv = wasm_f32x4_splat(s);
  for (int i = 0; i < k; i += 4)
    wasm_v128_store(y + i, MADD(sv, wasm_v128_load(x + i), wasm_v128_load(y + i)));
}

/* which entries of M a matvec4 may skip: none, or those of a lower / upper triangular M (stored zeros) */
enum { FULL = 0, LOWER = 1, UPPER = 2 };

/*
 * o_q = M^T x_q for 4 vectors at once (o_q[i] = sum_a M[a][i] x_q[a]; for a symmetric M that is M x_q): each
 * 8-wide strip of M's columns is loaded once for the 4 rows, which keeps k = 128 (M = 64 KiB, beyond L1)
 * compute-bound. tri = LOWER / UPPER skips the strip's rows a < i / a >= i + 8, which hold only zeros of a
 * lower / upper triangular M (half the work).
 */
static inline void matvec4(const float *A, const float *const *x, float *const *o, int k, int tri) {
  const float *x0 = x[0], *x1 = x[1], *x2 = x[2], *x3 = x[3];
  int i = 0;
  for (; i + 8 <= k; i += 8) {
    v z = wasm_f32x4_splat(0);
    v a00 = z, a01 = z, a10 = z, a11 = z, a20 = z, a21 = z, a30 = z, a31 = z;
    int lo = tri == LOWER ? i : 0, hi = tri == UPPER ? i + 8 : k;
    const float *col = A + (long)lo * k + i;
    for (int a = lo; a < hi; a++, col += k) {
      v c0 = wasm_v128_load(col), c1 = wasm_v128_load(col + 4);
      v s0 = wasm_f32x4_splat(x0[a]), s1 = wasm_f32x4_splat(x1[a]), s2 = wasm_f32x4_splat(x2[a]), s3 = wasm_f32x4_splat(x3[a]);
      a00 = MADD(s0, c0, a00);
      a01 = MADD(s0, c1, a01);
      a10 = MADD(s1, c0, a10);
      a11 = MADD(s1, c1, a11);
      a20 = MADD(s2, c0, a20);
      a21 = MADD(s2, c1, a21);
      a30 = MADD(s3, c0, a30);
      a31 = MADD(s3, c1, a31);
    }
    wasm_v128_store(o[0] + i, a00); wasm_v128_store(o[0] + i + 4, a01);
    wasm_v128_store(o[1] + i, a10); wasm_v128_store(o[1] + i + 4, a11);
    wasm_v128_store(o[2] + i, a20); wasm_v128_store(o[2] + i + 4, a21);
    wasm_v128_store(o[3] + i, a30); wasm_v128_store(o[3] + i + 4, a31);
  }
  for (; i < k; i += 4) {
    v z = wasm_f32x4_splat(0);
    v a0 = z, a1 = z, a2 = z, a3 = z;
    int lo = tri == LOWER ? i : 0, hi = tri == UPPER ? i + 4 : k;
    const float *col = A + (long)lo * k + i;
    for (int a = lo; a < hi; a++, col += k) {
      v c0 = wasm_v128_load(col);
      a0 = MADD(wasm_f32x4_splat(x0[a]), c0, a0);
      a1 = MADD(wasm_f32x4_splat(x1[a]), c0, a1);
      a2 = MADD(wasm_f32x4_splat(x2[a]), c0, a2);
      a3 = MADD(wasm_f32x4_splat(x3[a]), c0, a3);
    }
    wasm_v128_store(o[0] + i, a0); wasm_v128_store(o[1] + i, a1);
    wasm_v128_store(o[2] + i, a2); wasm_v128_store(o[3] + i, a3);
  }
}

/* rows whose fixed-side factor rows exceed this many floats (128 KiB) are solved alone, not in lockstep */
#define HEAVY_FLOATS 32768

/* R[q] for the first g rows, else a dummy output */
static inline float *q_or(float **arr, int q, int g, float *dummy) { return q < g ? arr[q] : dummy; }

/* two dots sharing b: *d0 = a0.b, *d1 = a1.b */
static inline void dot2(const float *a0, const float *a1, const float *b, int k, float *d0, float *d1) {
  v s0 = wasm_f32x4_splat(0), s1 = s0, t0 = s0, t1 = s0;
  int i = 0;
  for (; i + 8 <= k; i += 8) {
    v b0 = wasm_v128_load(b + i), b1 = wasm_v128_load(b + i + 4);
    s0 = MADD(wasm_v128_load(a0 + i), b0, s0);
    s1 = MADD(wasm_v128_load(a0 + i + 4), b1, s1);
    t0 = MADD(wasm_v128_load(a1 + i), b0, t0);
    t1 = MADD(wasm_v128_load(a1 + i + 4), b1, t1);
  }
  for (; i < k; i += 4) {
    v b0 = wasm_v128_load(b + i);
    s0 = MADD(wasm_v128_load(a0 + i), b0, s0);
    t0 = MADD(wasm_v128_load(a1 + i), b0, t0);
  }
  *d0 = hsum(wasm_f32x4_add(s0, s1));
  *d1 = hsum(wasm_f32x4_add(t0, t1));
}

/* y += s0 x0 + s1 x1 */
static inline void axpy2(float s0, const float *x0, float s1, const float *x1, float *y, int k) {
  v a0 = wasm_f32x4_splat(s0), a1 = wasm_f32x4_splat(s1);
  for (int i = 0; i < k; i += 4)
#ifdef __wasm_relaxed_simd__
    wasm_v128_store(y + i, MADD(a1, wasm_v128_load(x1 + i), MADD(a0, wasm_v128_load(x0 + i), wasm_v128_load(y + i))));
#else
    wasm_v128_store(y + i, wasm_f32x4_add(wasm_v128_load(y + i),
                                          wasm_f32x4_add(wasm_f32x4_mul(a0, wasm_v128_load(x0 + i)),
                                                         wasm_f32x4_mul(a1, wasm_v128_load(x1 + i)))));
#endif
}

static inline void flush(double *o, v acc) {
  o[0] += wasm_f32x4_extract_lane(acc, 0);
  o[1] += wasm_f32x4_extract_lane(acc, 1);
  o[2] += wasm_f32x4_extract_lane(acc, 2);
  o[3] += wasm_f32x4_extract_lane(acc, 3);
}

/*
 * out[0..k*k) (float64) = sum_{row in [start,end)} y y^T. Register-blocked: for each pair of rows a, a+1
 * of the result and 16 columns b.., the products of up to 64 rows of Y are summed in float32 registers,
 * then added into the float64 out. Only the upper triangle (by 4-column groups) is computed; the lower
 * triangle is mirrored at the end.
 */
__attribute__((export_name("gram_block"))) void gram_block(const float *Y, int start, int end, int k, double *out) {
  for (int i = 0; i < k * k; i++) out[i] = 0;
  for (int row0 = start; row0 < end; row0 += 64) {
    int row1 = row0 + 64 < end ? row0 + 64 : end;
    for (int a = 0; a < k; a += 2) {
      int b = a & ~3;
      for (; b + 16 <= k; b += 16) {
        v z = wasm_f32x4_splat(0);
        v c00 = z, c01 = z, c02 = z, c03 = z, c10 = z, c11 = z, c12 = z, c13 = z;
        const float *y = Y + (long)row0 * k;
        for (int r = row0; r < row1; r++, y += k) {
          v s0 = wasm_f32x4_splat(y[a]), s1 = wasm_f32x4_splat(y[a + 1]);
          v y0 = wasm_v128_load(y + b), y1 = wasm_v128_load(y + b + 4), y2 = wasm_v128_load(y + b + 8), y3 = wasm_v128_load(y + b + 12);
          c00 = MADD(s0, y0, c00);
          c01 = MADD(s0, y1, c01);
          c02 = MADD(s0, y2, c02);
          c03 = MADD(s0, y3, c03);
          c10 = MADD(s1, y0, c10);
          c11 = MADD(s1, y1, c11);
          c12 = MADD(s1, y2, c12);
          c13 = MADD(s1, y3, c13);
        }
        double *o0 = out + a * k + b, *o1 = o0 + k;
        flush(o0, c00); flush(o0 + 4, c01); flush(o0 + 8, c02); flush(o0 + 12, c03);
        flush(o1, c10); flush(o1 + 4, c11); flush(o1 + 8, c12); flush(o1 + 12, c13);
      }
      for (; b < k; b += 4) {
        v c0 = wasm_f32x4_splat(0), c1 = c0;
        const float *y = Y + (long)row0 * k;
        for (int r = row0; r < row1; r++, y += k) {
          v yb = wasm_v128_load(y + b);
          c0 = MADD(wasm_f32x4_splat(y[a]), yb, c0);
          c1 = MADD(wasm_f32x4_splat(y[a + 1]), yb, c1);
        }
        flush(out + a * k + b, c0);
        flush(out + (a + 1) * k + b, c1);
      }
    }
  }
  for (int a = 0; a < k; a++)
    for (int b = 0; b < a; b++) out[a * k + b] = out[b * k + a];
}

/* r += sum_j (c_j - (c_j - alpha0) y_j.x) y_j over the row's entries (the data part of b - A x) */
static inline double residual_data(const int *idx, const float *conf, int e0, int e1, const float *Y, const float *x, float *r, int k, float alpha0) {
  double cd = 0;
  int j = e0;
  for (; j + 2 <= e1; j += 2) {
    float c0 = conf[j], c1 = conf[j + 1], d0, d1;
    const float *y0 = Y + (long)idx[j] * k, *y1 = Y + (long)idx[j + 1] * k;
    dot2(y0, y1, x, k, &d0, &d1);
    axpy2(c0 - (c0 - alpha0) * d0, y0, c1 - (c1 - alpha0) * d1, y1, r, k);
    cd += (double)c0 * d0 + (double)c1 * d1;
  }
  if (j < e1) {
    float c = conf[j];
    const float *y = Y + (long)idx[j] * k;
    float d = dot(y, x, k);
    axpy(c - (c - alpha0) * d, y, r, k);
    cd += (double)c * d;
  }
  return cd; /* sum_j c_j y_j.x = b.x */
}

/* ap += sum_j (c_j - alpha0)(y_j.p) y_j */
static inline void hessian_data(const int *idx, const float *conf, int e0, int e1, const float *Y, const float *p, float *ap, int k, float alpha0) {
  int j = e0;
  for (; j + 2 <= e1; j += 2) {
    const float *y0 = Y + (long)idx[j] * k, *y1 = Y + (long)idx[j + 1] * k;
    float d0, d1;
    dot2(y0, y1, p, k, &d0, &d1);
    axpy2((conf[j] - alpha0) * d0, y0, (conf[j + 1] - alpha0) * d1, y1, ap, k);
  }
  if (j < e1) {
    const float *y = Y + (long)idx[j] * k;
    axpy((conf[j] - alpha0) * dot(y, p, k), y, ap, k);
  }
}

/*
 * One CG step of a row once ap = A p is in hand (solve_rows, pcg_rows): alpha = rs / p.ap, x += alpha p,
 * r -= alpha ap, then p = r + (r.r / rs) p. Returns the new r.r, or 0 when it is below 1e-20 (the row is done;
 * p is left). With with_loss, *xb = b.x follows x: x += alpha p changes it by alpha p.b = alpha (p.r0 + (A p).x0),
 * since b = r0 + A x0 (r0, x0: the row's first residual and x).
 */
static inline float cg_step(float *x, float *r, float *p, const float *ap, float rs, int k, int with_loss, double *xb,
                            const float *r0, const float *x0) {
  float alpha = rs / dot(p, ap, k);
  if (with_loss) *xb += (double)alpha * ((double)dot(p, r0, k) + (double)dot(ap, x0, k));
  v av = wasm_f32x4_splat(alpha);
  v acc = wasm_f32x4_splat(0);
  for (int i = 0; i < k; i += 4) {
    wasm_v128_store(x + i, MADD(av, wasm_v128_load(p + i), wasm_v128_load(x + i)));
    v ri = wasm_f32x4_sub(wasm_v128_load(r + i), wasm_f32x4_mul(av, wasm_v128_load(ap + i)));
    wasm_v128_store(r + i, ri);
    acc = MADD(ri, ri, acc);
  }
  float rsn = hsum(acc);
  if (rsn < 1e-20f) return 0;
  v bv = wasm_f32x4_splat(rsn / rs);
  for (int i = 0; i < k; i += 4)
    wasm_v128_store(p + i, MADD(bv, wasm_v128_load(p + i), wasm_v128_load(r + i)));
  return rsn;
}

/* ---- exact solves of short rows (Woodbury through the shared A0; solver hybrid, in pcg's coordinates) ---- */

/*
 * W[r] = L^-1 y_r = Lt^T y_r for the fixed side's rows [start, end) (Lt = L^-T, upper triangular, A0 = L L^T:
 * the fixed side in pcg's coordinates), four rows per pass over Lt (matvec4).
 */
__attribute__((export_name("whiten_rows"))) void whiten_rows(const float *Y, const float *Lt, int k, int start, int end, float *W) {
  int r = start;
  for (; r + 4 <= end; r += 4) {
    const float *xs[4] = {Y + (long)r * k, Y + (long)(r + 1) * k, Y + (long)(r + 2) * k, Y + (long)(r + 3) * k};
    float *os[4] = {W + (long)r * k, W + (long)(r + 1) * k, W + (long)(r + 2) * k, W + (long)(r + 3) * k};
    matvec4(Lt, xs, os, k, UPPER);
  }
  for (; r < end; r++) {
    const float *y = Y + (long)r * k;
    float *w = W + (long)r * k;
    for (int a = 0; a < k; a += 4) wasm_v128_store(w + a, wasm_f32x4_splat(0));
    for (int a = 0; a < k; a++) axpy(y[a], Lt + (long)a * k, w, k);
  }
}

/*
 * The exact solve of one row with n entries (kernel-js.ts exactRow, the same formula): with the row's fixed
 * rows Y_u (n x k), D = diag(c_j - alpha0) > 0 and W_u = Y_u A0^-1,
 *   A = A0 + Y_u^T D Y_u,  b = Y_u^T c,  G = Y_u A0^-1 Y_u^T = Y_u W_u^T  (n x n),
 *   x = A^-1 b = W_u^T v,  v = c - (D^-1 + G)^-1 G c   (Sherman-Morrison-Woodbury),
 * which costs ~n^2 k / 2 + n^3 / 6 (exact-rows.ts). Solver hybrid calls it in pcg's coordinates, where
 * A0 = I and so W = Y (= Y L^-T there, whiten_rows) and x is z = L^T x (pcg_rows). G, its float64 Cholesky factor
 *, three n-vectors and the rows' pointers live in `sc` (layout.ts exactScratchDoubles). With s = Y_u x = G v the row objective is
 *   x^T A0 x + sum_j [c_j (1 - s_j)^2 - alpha0 s_j^2] = sum_j c_j - 2 c.s + v.s + sum_j d_j s_j^2,
 * written to *loss. Returns 0 when the Cholesky factor of D^-1 + G has a pivot <= 0 (rounding: the caller
 * pcg-solves the row instead).
 */
static int exact_row(const int *idx, const float *conf, int e0, int e1, const float *Y, const float *Wf, float *x, int k,
                     float alpha0, double *sc, const float *zeros, int with_loss, double *loss) {
  int n = e1 - e0, n4 = (n + 3) & ~3;
  double *G = sc, *L = G + n * n, *c = L + n * n, *g = c + n, *z = g + n;
  const float **yp = (const float **)(z + n), **wp = yp + n4; /* the rows' pointers, padded with zero rows to n4 */
  for (int j = 0; j < n4; j++) {
    yp[j] = j < n ? Y + (long)idx[e0 + j] * k : zeros;
    wp[j] = j < n ? Wf + (long)idx[e0 + j] * k : zeros;
  }
  /* G's upper part in 2 x 4 tiles (rows i, i+1 of Y_u against rows j..j+3 of W_u), then mirrored */
  for (int i = 0; i < n; i += 2) {
    const float *y0 = yp[i], *y1 = i + 1 < n ? yp[i + 1] : zeros;
    for (int j = i & ~3; j < n; j += 4) {
      const float *w0 = wp[j], *w1 = wp[j + 1], *w2 = wp[j + 2], *w3 = wp[j + 3];
      v z0 = wasm_f32x4_splat(0);
      v a0 = z0, a1 = z0, a2 = z0, a3 = z0, b0 = z0, b1 = z0, b2 = z0, b3 = z0;
      for (int a = 0; a < k; a += 4) {
        v p = wasm_v128_load(y0 + a), q = wasm_v128_load(y1 + a);
        v t0 = wasm_v128_load(w0 + a), t1 = wasm_v128_load(w1 + a), t2 = wasm_v128_load(w2 + a), t3 = wasm_v128_load(w3 + a);
        a0 = MADD(p, t0, a0), a1 = MADD(p, t1, a1), a2 = MADD(p, t2, a2), a3 = MADD(p, t3, a3);
        b0 = MADD(q, t0, b0), b1 = MADD(q, t1, b1), b2 = MADD(q, t2, b2), b3 = MADD(q, t3, b3);
      }
      v ra = hsum4(a0, a1, a2, a3), rb = hsum4(b0, b1, b2, b3);
      float fa[4], fb[4];
      wasm_v128_store(fa, ra);
      wasm_v128_store(fb, rb);
      for (int q = 0; q < 4 && j + q < n; q++) {
        if (j + q >= i) G[i * n + j + q] = fa[q];
        if (i + 1 < n && j + q >= i + 1) G[(i + 1) * n + j + q] = fb[q];
      }
    }
  }
  for (int i = 0; i < n; i++)
    for (int j = 0; j < i; j++) G[i * n + j] = G[j * n + i];
  for (int i = 0; i < n; i++) c[i] = conf[e0 + i];
  /* g = G c; L = chol(D^-1 + G) (lower, row-major), z = (D^-1 + G)^-1 g */
  for (int i = 0; i < n; i++) {
    double a = 0;
    for (int j = 0; j < n; j++) a += G[i * n + j] * c[j];
    g[i] = a;
  }
  for (int i = 0; i < n; i++) {
    for (int j = 0; j <= i; j++) {
      double a = G[i * n + j] + (i == j ? 1.0 / ((double)c[i] - alpha0) : 0);
      /* a -= L[i, :j] . L[j, :j], two lanes at a time */
      const double *li = L + i * n, *lj = L + j * n;
      v acc = wasm_f64x2_splat(0);
      int q = 0;
      for (; q + 2 <= j; q += 2) acc = wasm_f64x2_add(acc, wasm_f64x2_mul(wasm_v128_load(li + q), wasm_v128_load(lj + q)));
      a -= wasm_f64x2_extract_lane(acc, 0) + wasm_f64x2_extract_lane(acc, 1);
      for (; q < j; q++) a -= li[q] * lj[q];
      if (i == j) {
        if (!(a > 1e-300)) return 0;
        L[i * n + i] = __builtin_sqrt(a);
      } else {
        L[i * n + j] = a / L[j * n + j];
      }
    }
  }
  for (int i = 0; i < n; i++) {
    double a = g[i];
    for (int q = 0; q < i; q++) a -= L[i * n + q] * z[q];
    z[i] = a / L[i * n + i];
  }
  for (int i = n - 1; i >= 0; i--) {
    double a = z[i];
    for (int q = i + 1; q < n; q++) a -= L[q * n + i] * z[q];
    z[i] = a / L[i * n + i];
  }
  /* v = c - z (into z); x = W_u^T v */
  for (int i = 0; i < n; i++) z[i] = c[i] - z[i];
  for (int a = 0; a < k; a += 4) wasm_v128_store(x + a, wasm_f32x4_splat(0));
  int j = 0;
  for (; j + 2 <= n; j += 2)
    axpy2((float)z[j], Wf + (long)idx[e0 + j] * k, (float)z[j + 1], Wf + (long)idx[e0 + j + 1] * k, x, k);
  if (j < n) axpy((float)z[j], Wf + (long)idx[e0 + j] * k, x, k);
  if (with_loss) {
    double l = 0;
    for (int i = 0; i < n; i++) {
      double s = 0;
      for (int q = 0; q < n; q++) s += G[i * n + q] * z[q];
      l += c[i] - 2 * c[i] * s + z[i] * s + ((double)c[i] - alpha0) * s * s;
    }
    *loss = l;
  }
  return 1;
}

/* whether row [e0, e1) takes the exact solve: 1 <= n <= exact_max and every c_j - alpha0 > 0 */
static inline int exact_eligible(const float *conf, int e0, int e1, int exact_max, float alpha0) {
  if (e1 - e0 > exact_max) return 0;
  for (int j = e0; j < e1; j++)
    if (!(conf[j] - alpha0 > 0)) return 0;
  return 1;
}

/*
 * CG-solves rows [start, end) of X in place (X: rows x k, Y: fixed, A: A0 = alpha0 Y^T Y + base I, extra:
 * lambda_u - base per row or 0 when there is none), four non-empty light rows in lockstep so that each A0
 * product serves four rows (matvec4); each row's CG is exactly the single-row algorithm (its own scalars
 * and stopping test). scratch: 22k floats. Writes out[0] = the chunk's row objective when with_loss (see
 * kernel-js.ts) and out[1] = sum_u extra_u |x_u|^2.
 */
__attribute__((export_name("solve_rows"))) void solve_rows(const int *indptr, const int *indices, const float *conf,
                                                          float *X, const float *Y, const float *A, int k, int start,
                                                          int end, int steps, float alpha0, const float *extra,
                                                          int with_loss, float *scratch, double *out) {
  float *R[4], *P[4], *AP[4], *R0[4], *X0[4];
  float *dummy_in = scratch + 20 * k, *dummy_out = scratch + 21 * k;
  for (int i = 0; i < k; i += 4) wasm_v128_store(dummy_in + i, wasm_f32x4_splat(0));
  double loss = 0, penalty = 0;
  int u = start;
  while (u < end) {
    int rows[4], g = 0;
    while (u < end && g < 4) {
      int e0 = indptr[u], e1 = indptr[u + 1];
      if (e0 == e1) {
        float *x = X + (long)u * k;
        for (int i = 0; i < k; i += 4) wasm_v128_store(x + i, wasm_f32x4_splat(0));
      } else if ((long)(e1 - e0) * k > HEAVY_FLOATS) {
        /* a heavy row is solved alone: its fixed-side rows then stay in cache across its CG steps */
        if (g > 0) break;
        rows[g++] = u++;
        break;
      } else {
        rows[g++] = u;
      }
      u++;
    }
    if (g == 0) continue;
    const float *xs[4];
    float *ps_in[4];
    float rs[4];
    int done[4];
    double xb[4]; /* b.x of the row's current x (loss only) */
    for (int q = 0; q < 4; q++) {
      R[q] = scratch + (5 * q) * k;
      P[q] = scratch + (5 * q + 1) * k;
      AP[q] = scratch + (5 * q + 2) * k;
      R0[q] = scratch + (5 * q + 3) * k;
      X0[q] = scratch + (5 * q + 4) * k;
      xs[q] = q < g ? X + (long)rows[q] * k : dummy_in;
    }
    float *outs[4] = {q_or(R, 0, g, dummy_out), q_or(R, 1, g, dummy_out), q_or(R, 2, g, dummy_out), q_or(R, 3, g, dummy_out)};
    matvec4(A, xs, outs, k, FULL);
    for (int q = 0; q < g; q++) {
      float *r = R[q], *p = P[q];
      const float *x = xs[q];
      for (int i = 0; i < k; i += 4) wasm_v128_store(r + i, wasm_f32x4_neg(wasm_v128_load(r + i)));
      if (extra && extra[rows[q]] != 0) axpy(-extra[rows[q]], x, r, k);
      xb[q] = residual_data(indices, conf, indptr[rows[q]], indptr[rows[q] + 1], Y, x, r, k, alpha0);
      for (int i = 0; i < k; i += 4) wasm_v128_store(p + i, wasm_v128_load(r + i));
      if (with_loss)
        for (int i = 0; i < k; i += 4) {
          wasm_v128_store(R0[q] + i, wasm_v128_load(r + i));
          wasm_v128_store(X0[q] + i, wasm_v128_load(x + i));
        }
      rs[q] = dot(r, r, k);
      done[q] = !(rs[q] >= 1e-20f);
    }
    for (int q = 0; q < 4; q++) ps_in[q] = q < g ? P[q] : dummy_in;
    float *aps[4] = {q_or(AP, 0, g, dummy_out), q_or(AP, 1, g, dummy_out), q_or(AP, 2, g, dummy_out), q_or(AP, 3, g, dummy_out)};
    for (int it = 0; it < steps; it++) {
      int active = 0;
      for (int q = 0; q < g; q++) active += !done[q];
      if (!active) break;
      matvec4(A, (const float *const *)ps_in, aps, k, FULL);
      for (int q = 0; q < g; q++) {
        if (done[q]) continue;
        float *x = X + (long)rows[q] * k, *r = R[q], *p = P[q], *ap = AP[q];
        if (extra && extra[rows[q]] != 0) axpy(extra[rows[q]], p, ap, k);
        hessian_data(indices, conf, indptr[rows[q]], indptr[rows[q] + 1], Y, p, ap, k, alpha0);
        float rsn = cg_step(x, r, p, ap, rs[q], k, with_loss, &xb[q], R0[q], X0[q]);
        if (rsn == 0) {
          done[q] = 1;
          continue;
        }
        rs[q] = rsn;
      }
    }
    if (with_loss) {
      /*
       * Row loss without another pass over the data (departure from kernel-js.ts, same value):
       *   x^T A0 x + sum_j [c_j (1 - d_j)^2 - d_j^2] = sum_j c_j - 2 x.b + x^T A x,  A = A0 + sum (c_j - 1) y_j y_j^T
       * and A x = b - r (r: CG's residual), so it equals sum_j c_j - x.b - x.r, with x.b tracked above.
       */
      for (int q = 0; q < g; q++) {
        double sc = 0;
        for (int j = indptr[rows[q]]; j < indptr[rows[q] + 1]; j++) sc += conf[j];
        loss += sc - xb[q] - (double)dot(xs[q], R[q], k);
      }
    }
    if (extra)
      for (int q = 0; q < g; q++) penalty += (double)extra[rows[q]] * dot(xs[q], xs[q], k);
  }
  out[0] = loss;
  out[1] = penalty;
}


/* ---- pcg: CG preconditioned by A0, in the coordinates where A0 = I ---------------------------------- */

/*
 * Solver pcg (kernel-js.ts pcgRow has the derivation): rows [start, end) of X in place, with L the lower
 * Cholesky factor of A0 = L L^T, Linv = L^-1 and Yt = Y L^-T (the fixed side in the coordinates z = L^T x,
 * whiten_rows), where each row solves (I + Yt_u^T D Yt_u) z = Yt_u^T c by CG: A0's product is z itself.
 * Four rows at a time share the passes over L and Linv (z = L^T x and x = L^-T z: triangular matvec4s); each
 * row's CG steps then run alone, so that its fixed-side rows stay in cache across them. No per-row
 * regularization. With exact_max > 0 (solver hybrid), a row of at most exact_max entries, all with c - alpha0 > 0,
 * is solved exactly instead (exact_row with W = Yt, since A0 = I; no z = L^T x needed) and four such rows share
 * one x = L^-T z pass. scratch: 15k floats. Writes out[0] = the chunk's row objective when with_loss (the same as
 * solve_rows': z^T z = x^T A0 x) and out[1] = 0.
 */
__attribute__((export_name("pcg_rows"))) void pcg_rows(const int *indptr, const int *indices, const float *conf,
                                                      float *X, const float *Yt, const float *L, const float *Linv,
                                                      int k, int start, int end, int steps, float alpha0,
                                                      int with_loss, float *scratch, double *out, int exact_max,
                                                      double *exact_scratch) {
  float *Z[4] = {scratch, scratch + k, scratch + 2 * k, scratch + 3 * k};
  float *r = scratch + 4 * k, *p = scratch + 5 * k, *ap = scratch + 6 * k, *r0 = scratch + 7 * k, *z0 = scratch + 8 * k;
  float *dummy_in = scratch + 9 * k, *dummy_out = scratch + 10 * k;
  float *E[4] = {scratch + 11 * k, scratch + 12 * k, scratch + 13 * k, scratch + 14 * k}; /* exact rows' z */
  int erows[4], ne = 0;
  for (int i = 0; i < k; i += 4) wasm_v128_store(dummy_in + i, wasm_f32x4_splat(0));
  double loss = 0;
  int u = start;
  while (u < end || ne > 0) {
    int rows[4], g = 0;
    for (; u < end && g < 4 && ne < 4; u++) {
      int e0 = indptr[u], e1 = indptr[u + 1];
      double l = 0;
      if (e0 == e1) {
        float *x = X + (long)u * k;
        for (int i = 0; i < k; i += 4) wasm_v128_store(x + i, wasm_f32x4_splat(0));
      } else if (exact_max && exact_eligible(conf, e0, e1, exact_max, alpha0) &&
                 exact_row(indices, conf, e0, e1, Yt, Yt, E[ne], k, alpha0, exact_scratch, dummy_in, with_loss, &l)) {
        /* solver hybrid: z exactly by Woodbury (A0 = I here, so W = Yt; a pivot <= 0 from rounding: CG it) */
        loss += l;
        erows[ne++] = u;
      } else {
        rows[g++] = u;
      }
    }
    if (ne == 4 || (u == end && ne > 0)) {
      /* x = L^-T z for four exact rows at a time */
      const float *zin[4];
      float *xo[4];
      for (int q = 0; q < 4; q++) {
        zin[q] = q < ne ? E[q] : dummy_in;
        xo[q] = q < ne ? X + (long)erows[q] * k : dummy_out;
      }
      matvec4(Linv, zin, xo, k, LOWER);
      ne = 0;
    }
    if (g == 0) continue;
    const float *xs[4];
    float *zs[4], *xo[4];
    for (int q = 0; q < 4; q++) {
      xs[q] = q < g ? X + (long)rows[q] * k : dummy_in;
      zs[q] = q < g ? Z[q] : dummy_out;
    }
    matvec4(L, xs, zs, k, LOWER); /* z = L^T x */
    for (int q = 0; q < g; q++) {
      int e0 = indptr[rows[q]], e1 = indptr[rows[q] + 1];
      float *z = Z[q];
      /* r = b - A z = -z + sum_j (c_j - (c_j - alpha0) y_j.z) y_j */
      for (int i = 0; i < k; i += 4) wasm_v128_store(r + i, wasm_f32x4_neg(wasm_v128_load(z + i)));
      double zb = residual_data(indices, conf, e0, e1, Yt, z, r, k, alpha0); /* b.z (loss only) */
      for (int i = 0; i < k; i += 4) wasm_v128_store(p + i, wasm_v128_load(r + i));
      if (with_loss)
        for (int i = 0; i < k; i += 4) {
          wasm_v128_store(r0 + i, wasm_v128_load(r + i));
          wasm_v128_store(z0 + i, wasm_v128_load(z + i));
        }
      float rs = dot(r, r, k);
      for (int it = 0; it < steps && rs >= 1e-20f; it++) {
        for (int i = 0; i < k; i += 4) wasm_v128_store(ap + i, wasm_v128_load(p + i));
        hessian_data(indices, conf, e0, e1, Yt, p, ap, k, alpha0);
        rs = cg_step(z, r, p, ap, rs, k, with_loss, &zb, r0, z0);
      }
      if (with_loss) {
        /* the row objective sum_j c_j - z.b - z.r (solve_rows' identity) */
        double sc = 0;
        for (int j = e0; j < e1; j++) sc += conf[j];
        loss += sc - zb - (double)dot(z, r, k);
      }
    }
    const float *zin[4];
    for (int q = 0; q < 4; q++) {
      zin[q] = q < g ? Z[q] : dummy_in;
      xo[q] = q < g ? X + (long)rows[q] * k : dummy_out;
    }
    matvec4(Linv, zin, xo, k, LOWER); /* x = L^-T z */
  }
  out[0] = loss;
  out[1] = 0;
}

/* ---- subspace (iALS++) ----------------------------------------------------------------------------- */

/* a.b over n floats (any n; SIMD over the multiple-of-4 part) */
static inline float dotn(const float *a, const float *b, int n) {
  v s0 = wasm_f32x4_splat(0);
  int i = 0;
  for (; i + 4 <= n; i += 4) s0 = MADD(wasm_v128_load(a + i), wasm_v128_load(b + i), s0);
  float t = hsum(s0);
  for (; i < n; i++) t += a[i] * b[i];
  return t;
}

/* y += s x over n floats */
static inline void axpyn(float s, const float *x, float *y, int n) {
  v sv = wasm_f32x4_splat(s);
  int i = 0;
  for (; i + 4 <= n; i += 4) wasm_v128_store(y + i, MADD(sv, wasm_v128_load(x + i), wasm_v128_load(y + i)));
  for (; i < n; i++) y[i] += s * x[i];
}

/*
 * H (q x q, row-major) = sum_j w_j y_j[o..o+q) y_j[o..o+q)^T, w_j = c_j - alpha0, over the row's entries,
 * entry by entry (the path of block sizes that are not a multiple of 4; the others take block_gram_t).
 */
static void block_hessian(const int *idx, const float *conf, int e0, int e1, const float *Y, int k, int o, int q, float alpha0, float *H) {
  for (int i = 0; i < q * q; i++) H[i] = 0;
  for (int j = e0; j < e1; j++) {
    const float *y = Y + (long)idx[j] * k + o;
    float w = conf[j] - alpha0;
    for (int a = 0; a < q; a++) {
      float wa = w * y[a];
      for (int b = 0; b <= a; b++) H[a * q + b] += wa * y[b];
    }
  }
  for (int a = 0; a < q; a++)
    for (int b = a + 1; b < q; b++) H[a * q + b] = H[b * q + a];
}

/*
 * Solves H d = r (q x q symmetric, float32) by H = L D L^T in float64, row by row (Crout): Ld holds L's
 * strict lower triangle and, in its upper triangle, W = L D (Ld[j q + i] = L_ij d_j); z holds 1 / d_j,
 * then (z + q) the substitution's vector. One division per row and no square root. A pivot <= 1e-30 (a
 * coordinate with no curvature: lambda 0 and no data) leaves that coordinate's d at 0.
 */
static inline void ldl_solve(const float *H, const float *r, float *d, int q, double *Ld, double *z) {
  for (int i = 0; i < q; i++) {
    double *li = Ld + i * q;
    for (int j = 0; j < i; j++) {
      const double *lj = Ld + j * q;
      double w = H[i * q + j];
      for (int p = 0; p < j; p++) w -= Ld[p * q + i] * lj[p]; /* W_ip L_jp */
      Ld[j * q + i] = w;                                       /* W_ij */
      li[j] = w * z[j];                                        /* L_ij */
    }
    double di = H[i * q + i];
    for (int p = 0; p < i; p++) di -= Ld[p * q + i] * li[p];
    z[i] = di > 1e-30 ? 1 / di : 0;
  }
  /* L y = r, then y = D^-1 y, then L^T d = y */
  double *y = z + q;
  for (int i = 0; i < q; i++) {
    double t = r[i];
    const double *li = Ld + i * q;
    for (int p = 0; p < i; p++) t -= li[p] * y[p];
    y[i] = t;
  }
  for (int i = 0; i < q; i++) y[i] *= z[i];
  for (int i = q - 1; i >= 0; i--) {
    double t = y[i];
    for (int p = i + 1; p < q; p++) t -= Ld[p * q + i] * y[p];
    y[i] = t;
    d[i] = (float)t;
  }
}

static inline double pivot_inverse(double d) { return d > 1e-30 ? 1 / d : 0; }

/* ldl_solve for q = 4, written out (the loops' triangular bounds keep the compiler from unrolling them) */
static void ldl_solve4(const float *H, const float *r, float *d) {
  double i0 = pivot_inverse(H[0]);
  double w10 = H[4], l10 = w10 * i0;
  double i1 = pivot_inverse(H[5] - w10 * l10);
  double w20 = H[8], l20 = w20 * i0, w21 = H[9] - w20 * l10, l21 = w21 * i1;
  double i2 = pivot_inverse(H[10] - w20 * l20 - w21 * l21);
  double w30 = H[12], l30 = w30 * i0, w31 = H[13] - w30 * l10, l31 = w31 * i1, w32 = H[14] - w30 * l20 - w31 * l21, l32 = w32 * i2;
  double i3 = pivot_inverse(H[15] - w30 * l30 - w31 * l31 - w32 * l32);
  double y0 = r[0], y1 = r[1] - l10 * y0, y2 = r[2] - l20 * y0 - l21 * y1, y3 = r[3] - l30 * y0 - l31 * y1 - l32 * y2;
  y0 *= i0, y1 *= i1, y2 *= i2, y3 *= i3;
  y2 -= l32 * y3;
  y1 -= l21 * y2 + l31 * y3;
  y0 -= l10 * y1 + l20 * y2 + l30 * y3;
  d[0] = (float)y0, d[1] = (float)y1, d[2] = (float)y2, d[3] = (float)y3;
}

static void block_solve(const float *H, const float *r, float *d, int q, double *Ld, double *z) {
  if (q == 4) ldl_solve4(H, r, d);
  else ldl_solve(H, r, d, q, Ld, z);
}

/* 4 x 4 transpose: the rows r0..r3 become the columns */
static inline void transpose4(v r0, v r1, v r2, v r3, v *c0, v *c1, v *c2, v *c3) {
  v t0 = wasm_i32x4_shuffle(r0, r1, 0, 4, 1, 5), t1 = wasm_i32x4_shuffle(r0, r1, 2, 6, 3, 7);
  v t2 = wasm_i32x4_shuffle(r2, r3, 0, 4, 1, 5), t3 = wasm_i32x4_shuffle(r2, r3, 2, 6, 3, 7);
  *c0 = wasm_i32x4_shuffle(t0, t2, 0, 1, 4, 5);
  *c1 = wasm_i32x4_shuffle(t0, t2, 2, 3, 6, 7);
  *c2 = wasm_i32x4_shuffle(t1, t3, 0, 1, 4, 5);
  *c3 = wasm_i32x4_shuffle(t1, t3, 2, 3, 6, 7);
}

/*
 * The block [o, o + q) of the row's fixed-side rows, transposed: T[a * np + j] = y_j[o + a] for the
 * row's entries j < n (rows[] points at each y_j, padded to np = n rounded up to 4 with a zero row).
 * q % 4 == 0.
 */
static void gather_block(const float *const *rows, int np, int o, int q, float *T) {
  for (int j = 0; j < np; j += 4) {
    const float *y0 = rows[j] + o, *y1 = rows[j + 1] + o, *y2 = rows[j + 2] + o, *y3 = rows[j + 3] + o;
    for (int a = 0; a < q; a += 4) {
      v c0, c1, c2, c3;
      transpose4(wasm_v128_load(y0 + a), wasm_v128_load(y1 + a), wasm_v128_load(y2 + a), wasm_v128_load(y3 + a), &c0, &c1, &c2, &c3);
      wasm_v128_store(T + (a + 0) * np + j, c0);
      wasm_v128_store(T + (a + 1) * np + j, c1);
      wasm_v128_store(T + (a + 2) * np + j, c2);
      wasm_v128_store(T + (a + 3) * np + j, c3);
    }
  }
}

/* S[j] += sum_b T[b][j] d[b] for b < q (q % 4 == 0; q = 0: nothing), four coordinates of d per pass over the entries */
static void update_predictions(const float *T, const float *d, int q, int np, float *S) {
  for (int b = 0; b < q; b += 4) {
    v d0 = wasm_f32x4_splat(d[b]), d1 = wasm_f32x4_splat(d[b + 1]), d2 = wasm_f32x4_splat(d[b + 2]), d3 = wasm_f32x4_splat(d[b + 3]);
    const float *t0 = T + b * np, *t1 = t0 + np, *t2 = t1 + np, *t3 = t2 + np;
    for (int j = 0; j < np; j += 4) {
      v sv = MADD(wasm_v128_load(t0 + j), d0, wasm_v128_load(S + j));
      sv = MADD(wasm_v128_load(t1 + j), d1, sv);
      sv = MADD(wasm_v128_load(t2 + j), d2, sv);
      wasm_v128_store(S + j, MADD(wasm_v128_load(t3 + j), d3, sv));
    }
  }
}

/* out[a] += sum_j t_j T[a][j] for a < q (q % 4 == 0), four accumulators over the entries at a time */
static void block_rhs(const float *T, const float *t, int np, int q, float *out) {
  for (int a = 0; a < q; a += 4) {
    v z = wasm_f32x4_splat(0), s0 = z, s1 = z, s2 = z, s3 = z;
    const float *t0 = T + a * np, *t1 = t0 + np, *t2 = t1 + np, *t3 = t2 + np;
    for (int j = 0; j < np; j += 4) {
      v tv = wasm_v128_load(t + j);
      s0 = MADD(tv, wasm_v128_load(t0 + j), s0);
      s1 = MADD(tv, wasm_v128_load(t1 + j), s1);
      s2 = MADD(tv, wasm_v128_load(t2 + j), s2);
      s3 = MADD(tv, wasm_v128_load(t3 + j), s3);
    }
    wasm_v128_store(out + a, wasm_f32x4_add(wasm_v128_load(out + a), hsum4(s0, s1, s2, s3)));
  }
}

/*
 * H[a][b] += sum_j w_j T[a][j] T[b][j] (q x q, q % 4 == 0) over the upper triangle by 4 x 4 blocks (the rest
 * is left as it is: mirror_upper completes H): register tiles of 2 rows x 4 columns, the entries four at a time.
 */
static void block_gram_t(const float *T, const float *w, int np, int q, float *H) {
  for (int a = 0; a < q; a += 2) {
    const float *ta = T + a * np, *tb = ta + np;
    for (int b = a & ~3; b < q; b += 4) {
      v z = wasm_f32x4_splat(0);
      v c00 = z, c01 = z, c02 = z, c03 = z, c10 = z, c11 = z, c12 = z, c13 = z;
      const float *u0 = T + b * np, *u1 = u0 + np, *u2 = u1 + np, *u3 = u2 + np;
      for (int j = 0; j < np; j += 4) {
        v wv = wasm_v128_load(w + j);
        v x0 = wasm_f32x4_mul(wv, wasm_v128_load(ta + j)), x1 = wasm_f32x4_mul(wv, wasm_v128_load(tb + j));
        v v0 = wasm_v128_load(u0 + j), v1 = wasm_v128_load(u1 + j), v2 = wasm_v128_load(u2 + j), v3 = wasm_v128_load(u3 + j);
        c00 = MADD(x0, v0, c00);
        c01 = MADD(x0, v1, c01);
        c02 = MADD(x0, v2, c02);
        c03 = MADD(x0, v3, c03);
        c10 = MADD(x1, v0, c10);
        c11 = MADD(x1, v1, c11);
        c12 = MADD(x1, v2, c12);
        c13 = MADD(x1, v3, c13);
      }
      float *h = H + a * q + b;
      wasm_v128_store(h, wasm_f32x4_add(wasm_v128_load(h), hsum4(c00, c01, c02, c03)));
      wasm_v128_store(h + q, wasm_f32x4_add(wasm_v128_load(h + q), hsum4(c10, c11, c12, c13)));
    }
  }
}

/* the entries of H below its diagonal 4 x 4 blocks from those above (block_gram_t's other half) */
static void mirror_upper(float *H, int q) {
  for (int a = 0; a < q; a++)
    for (int b = 0; b < (a & ~3); b++) H[a * q + b] = H[b * q + a];
}

/*
 * One iALS++ subspace pass (als-driver.ts) over rows [start, end) of X in place: for each block Q of
 * `block` coordinates in turn, the exact solve of A_u[Q,Q] d = (b - A_u x)[Q], x[Q] += d, keeping the
 * predictions s_j = y_j.x of the row's entries up to date. A: A0 = alpha0 Y^T Y + base I; extra:
 * lambda_u - base per row or 0. scratch: 3 block^2 + 8 block floats (H, r, d, the right-hand side's data
 * part, then the float64 L D L^T factor and two vectors), 8-byte aligned. pred: per-worker room (layout.ts
 * predRoom) for the predictions of the longest row (srows floats) and, for `cap` entries at a time (a
 * multiple of 4), c, w, t, two blocks T and row pointers (cap (5 + 2 block) floats), then k zeros.
 * When block % 4 == 0, each block of the row's fixed-side factors is gathered transposed (T[a][j], this
 * block and the last) so that every step runs over four entries per SIMD lane group: the predictions'
 * update, the right-hand side (block_rhs) and the block's Hessian (block_gram_t), with one horizontal sum
 * per output instead of one per entry. A row of more than `cap` entries is taken `cap` entries at a time
 * (gathering the last block's columns again for each part). Other block sizes go entry by entry
 * (block_hessian).
 * Writes out[0] = the chunk's sparse loss term sum_j [c_j (1 - s_j)^2 - alpha0 s_j^2] with the new x when
 * with_loss (the predictions kept up to date, not recomputed) and out[1] = sum_u extra_u |x_u|^2.
 */
__attribute__((export_name("subspace_rows"))) void subspace_rows(const int *indptr, const int *indices, const float *conf,
                                                                float *X, const float *Y, const float *A, int k, int start,
                                                                int end, int block, float alpha0, const float *extra,
                                                                int with_loss, float *scratch, float *pred, int srows, int cap, double *out) {
  float *H = scratch, *r = H + block * block, *d = r + block, *ra = d + block;
  double *Ld = (double *)(scratch + ((block * block + 3 * block + 1) & ~1)), *z = Ld + block * block;
  float *S = pred, *C = S + srows, *W = C + cap, *Tt = W + cap, *T0 = Tt + cap, *T1 = T0 + block * cap;
  const float **rowp = (const float **)(T1 + block * cap);
  float *zeros = (float *)(rowp + cap);
  for (int i = 0; i < k; i += 4) wasm_v128_store(zeros + i, wasm_f32x4_splat(0));
  int transposed = block % 4 == 0;
  double loss = 0, penalty = 0;
  for (int u = start; u < end; u++) {
    int e0 = indptr[u], e1 = indptr[u + 1], n = e1 - e0;
    float *x = X + (long)u * k;
    if (n == 0) {
      for (int i = 0; i < k; i += 4) wasm_v128_store(x + i, wasm_f32x4_splat(0));
      continue;
    }
    float eu = extra ? extra[u] : 0;
    int np = (n + 3) & ~3, one = np <= cap;
    float *s = pred - e0; /* entry by entry: s[j] for j in [e0, e1); transposed: S[j - e0], padded with zeros to np */
    for (int j = e0; j < e1; j++) s[j] = dot(Y + (long)indices[j] * k, x, k);
    for (int j = n; j < np; j++) S[j] = 0;
    /* the part [s0, s0 + sn) of the row's entries into rowp, C, W (padding: the zero row, c = w = 0) */
#define FILL_PART(s0, sn)                                                      \
  for (int j = 0; j < (sn); j++) {                                             \
    int e = e0 + (s0) + j;                                                     \
    rowp[j] = e < e1 ? Y + (long)indices[e] * k : zeros;                       \
    C[j] = e < e1 ? conf[e] : 0;                                               \
    W[j] = e < e1 ? conf[e] - alpha0 : 0;                                      \
  }
    if (transposed && one) FILL_PART(0, np);
    int oprev = 0, qprev = 0;
    float *Tprev = T1, *Tcur = T0;
    for (int o = 0; o < k; o += block) {
      int q = block < k - o ? block : k - o;
      /* r = -(A0 x)[Q] - e x[Q] + sum_j (c_j - w_j s_j) y_j[Q], after bringing s up to date with the last block's d */
      int a = 0;
      for (; a + 2 <= q; a += 2) {
        float d0, d1;
        dot2(A + (long)(o + a) * k, A + (long)(o + a + 1) * k, x, k, &d0, &d1);
        r[a] = -d0 - eu * x[o + a];
        r[a + 1] = -d1 - eu * x[o + a + 1];
      }
      for (; a < q; a++) r[a] = -dot(A + (long)(o + a) * k, x, k) - eu * x[o + a];
      if (transposed) {
        for (int b = 0; b < q; b++) ra[b] = 0;
        for (int i = 0; i < q * q; i++) H[i] = 0;
        for (int s0 = 0; s0 < np; s0 += cap) {
          int sn = np - s0 < cap ? np - s0 : cap;
          if (!one) {
            FILL_PART(s0, sn);
            if (qprev) gather_block(rowp, sn, oprev, qprev, Tprev);
          }
          gather_block(rowp, sn, o, q, Tcur);
          update_predictions(Tprev, d, qprev, sn, S + s0);
          for (int j = 0; j < sn; j += 4)
            wasm_v128_store(Tt + j, wasm_f32x4_sub(wasm_v128_load(C + j), wasm_f32x4_mul(wasm_v128_load(W + j), wasm_v128_load(S + s0 + j))));
          block_rhs(Tcur, Tt, sn, q, ra);
          block_gram_t(Tcur, W, sn, q, H);
        }
        mirror_upper(H, q);
        for (int b = 0; b < q; b++) r[b] += ra[b];
      } else {
        for (int j = e0; j < e1; j++) {
          const float *y = Y + (long)indices[j] * k;
          if (qprev) s[j] += dotn(y + oprev, d, qprev);
          float c = conf[j];
          axpyn(c - (c - alpha0) * s[j], y + o, r, q);
        }
        block_hessian(indices, conf, e0, e1, Y, k, o, q, alpha0, H);
      }
      for (int b = 0; b < q; b++) {
        const float *arow = A + (long)(o + b) * k + o;
        for (int c = 0; c < q; c++) H[b * q + c] += arow[c];
        H[b * q + b] += eu;
      }
      block_solve(H, r, d, q, Ld, z);
      for (int b = 0; b < q; b++) x[o + b] += d[b];
      oprev = o;
      qprev = q;
      float *t = Tprev;
      Tprev = Tcur;
      Tcur = t;
    }
    if (with_loss) {
      if (transposed)
        for (int s0 = 0; s0 < np; s0 += cap) {
          int sn = np - s0 < cap ? np - s0 : cap;
          if (!one) {
            FILL_PART(s0, sn);
            gather_block(rowp, sn, oprev, qprev, Tprev);
          }
          for (int j = 0; j < sn && s0 + j < n; j++) {
            float sj = S[s0 + j];
            for (int b = 0; b < qprev; b++) sj += Tprev[b * sn + j] * d[b];
            loss += (double)C[j] * (1 - sj) * (1 - sj) - (double)alpha0 * sj * sj;
          }
        }
      else
        for (int j = e0; j < e1; j++) {
          float sj = s[j] + dotn(Y + (long)indices[j] * k + oprev, d, qprev);
          loss += (double)conf[j] * (1 - sj) * (1 - sj) - (double)alpha0 * sj * sj;
        }
    }
#undef FILL_PART
    if (extra) penalty += (double)eu * dot(x, x, k);
  }
  out[0] = loss;
  out[1] = penalty;
}

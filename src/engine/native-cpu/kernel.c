/*
 * WebAssembly SIMD (f32x4) row solvers of the native-cpu backend: the same formulas as kernel-js.ts
 * (see the comment there: Hu/Koren/Volinsky 2008 objective, Takacs/Pilaszy/Tikk 2011 CG row solves).
 * Built by scripts in build-wasm.sh into kernel.wasm (committed); the module imports a shared memory
 * (env.memory) laid out by layout.ts and uses no stack and no data of its own, so instances in several
 * worker threads can share one memory. Pointers are byte offsets into that memory.
 * Departure from kernel-js.ts: the CG vectors r, p, Ap are float32 here (float64 in JS), like implicit.
 */
#include <wasm_simd128.h>

typedef v128_t v;

static inline float hsum(v a) {
  return wasm_f32x4_extract_lane(a, 0) + wasm_f32x4_extract_lane(a, 1) + wasm_f32x4_extract_lane(a, 2) +
         wasm_f32x4_extract_lane(a, 3);
}

/* dot of two k-vectors, k % 4 == 0 (the caller pads k) */
static inline float dot(const float *a, const float *b, int k) {
  v s0 = wasm_f32x4_splat(0), s1 = wasm_f32x4_splat(0);
  int i = 0;
  for (; i + 8 <= k; i += 8) {
    s0 = wasm_f32x4_add(s0, wasm_f32x4_mul(wasm_v128_load(a + i), wasm_v128_load(b + i)));
    s1 = wasm_f32x4_add(s1, wasm_f32x4_mul(wasm_v128_load(a + i + 4), wasm_v128_load(b + i + 4)));
  }
  for (; i < k; i += 4) s0 = wasm_f32x4_add(s0, wasm_f32x4_mul(wasm_v128_load(a + i), wasm_v128_load(b + i)));
  return hsum(wasm_f32x4_add(s0, s1));
}

/* y += s x */
static inline void axpy(float s, const float *x, float *y, int k) {
  v sv = wasm_f32x4_splat(s);
  for (int i = 0; i < k; i += 4)
    wasm_v128_store(y + i, wasm_f32x4_add(wasm_v128_load(y + i), wasm_f32x4_mul(sv, wasm_v128_load(x + i))));
}

/* out = A x (A k x k symmetric, row-major, so column a == row a): register-blocked over 16 outputs */
static inline void matvec(const float *A, const float *x, float *out, int k) {
  int i = 0;
  for (; i + 16 <= k; i += 16) {
    v o0 = wasm_f32x4_splat(0), o1 = o0, o2 = o0, o3 = o0;
    const float *col = A + i;
    for (int a = 0; a < k; a++, col += k) {
      v xa = wasm_f32x4_splat(x[a]);
      o0 = wasm_f32x4_add(o0, wasm_f32x4_mul(xa, wasm_v128_load(col)));
      o1 = wasm_f32x4_add(o1, wasm_f32x4_mul(xa, wasm_v128_load(col + 4)));
      o2 = wasm_f32x4_add(o2, wasm_f32x4_mul(xa, wasm_v128_load(col + 8)));
      o3 = wasm_f32x4_add(o3, wasm_f32x4_mul(xa, wasm_v128_load(col + 12)));
    }
    wasm_v128_store(out + i, o0);
    wasm_v128_store(out + i + 4, o1);
    wasm_v128_store(out + i + 8, o2);
    wasm_v128_store(out + i + 12, o3);
  }
  for (; i < k; i += 4) {
    v o0 = wasm_f32x4_splat(0);
    const float *col = A + i;
    for (int a = 0; a < k; a++, col += k) o0 = wasm_f32x4_add(o0, wasm_f32x4_mul(wasm_f32x4_splat(x[a]), wasm_v128_load(col)));
    wasm_v128_store(out + i, o0);
  }
}

/* two dots sharing b: *d0 = a0.b, *d1 = a1.b */
static inline void dot2(const float *a0, const float *a1, const float *b, int k, float *d0, float *d1) {
  v s0 = wasm_f32x4_splat(0), s1 = s0, t0 = s0, t1 = s0;
  int i = 0;
  for (; i + 8 <= k; i += 8) {
    v b0 = wasm_v128_load(b + i), b1 = wasm_v128_load(b + i + 4);
    s0 = wasm_f32x4_add(s0, wasm_f32x4_mul(wasm_v128_load(a0 + i), b0));
    s1 = wasm_f32x4_add(s1, wasm_f32x4_mul(wasm_v128_load(a0 + i + 4), b1));
    t0 = wasm_f32x4_add(t0, wasm_f32x4_mul(wasm_v128_load(a1 + i), b0));
    t1 = wasm_f32x4_add(t1, wasm_f32x4_mul(wasm_v128_load(a1 + i + 4), b1));
  }
  for (; i < k; i += 4) {
    v b0 = wasm_v128_load(b + i);
    s0 = wasm_f32x4_add(s0, wasm_f32x4_mul(wasm_v128_load(a0 + i), b0));
    t0 = wasm_f32x4_add(t0, wasm_f32x4_mul(wasm_v128_load(a1 + i), b0));
  }
  *d0 = hsum(wasm_f32x4_add(s0, s1));
  *d1 = hsum(wasm_f32x4_add(t0, t1));
}

/* y += s0 x0 + s1 x1 */
static inline void axpy2(float s0, const float *x0, float s1, const float *x1, float *y, int k) {
  v a0 = wasm_f32x4_splat(s0), a1 = wasm_f32x4_splat(s1);
  for (int i = 0; i < k; i += 4)
    wasm_v128_store(y + i, wasm_f32x4_add(wasm_v128_load(y + i),
                                          wasm_f32x4_add(wasm_f32x4_mul(a0, wasm_v128_load(x0 + i)),
                                                         wasm_f32x4_mul(a1, wasm_v128_load(x1 + i)))));
}

/*
 * out[0..k*k) (float64) = sum_{row in [start,end)} y y^T. Rows are taken 4 at a time into a float32
 * upper-triangle tile acc (k*k floats of scratch), which is flushed into the float64 out every 64 rows;
 * the lower triangle is mirrored at the end.
 */
__attribute__((export_name("gram_block"))) void gram_block(const float *Y, int start, int end, int k, double *out, float *acc) {
  for (int i = 0; i < k * k; i++) out[i] = 0;
  int row = start;
  while (row < end) {
    int stop = row + 64 < end ? row + 64 : end;
    for (int i = 0; i < k * k; i += 4) wasm_v128_store(acc + i, wasm_f32x4_splat(0));
    for (; row + 4 <= stop; row += 4) {
      const float *y0 = Y + (long)row * k, *y1 = y0 + k, *y2 = y1 + k, *y3 = y2 + k;
      for (int a = 0; a < k; a++) {
        v a0 = wasm_f32x4_splat(y0[a]), a1 = wasm_f32x4_splat(y1[a]), a2 = wasm_f32x4_splat(y2[a]), a3 = wasm_f32x4_splat(y3[a]);
        float *o = acc + a * k;
        for (int b = a & ~3; b < k; b += 4) {
          v t = wasm_f32x4_add(wasm_f32x4_mul(a0, wasm_v128_load(y0 + b)), wasm_f32x4_mul(a1, wasm_v128_load(y1 + b)));
          t = wasm_f32x4_add(t, wasm_f32x4_add(wasm_f32x4_mul(a2, wasm_v128_load(y2 + b)), wasm_f32x4_mul(a3, wasm_v128_load(y3 + b))));
          wasm_v128_store(o + b, wasm_f32x4_add(wasm_v128_load(o + b), t));
        }
      }
    }
    for (; row < stop; row++) {
      const float *y0 = Y + (long)row * k;
      for (int a = 0; a < k; a++) {
        v a0 = wasm_f32x4_splat(y0[a]);
        float *o = acc + a * k;
        for (int b = a & ~3; b < k; b += 4)
          wasm_v128_store(o + b, wasm_f32x4_add(wasm_v128_load(o + b), wasm_f32x4_mul(a0, wasm_v128_load(y0 + b))));
      }
    }
    for (int a = 0; a < k; a++)
      for (int b = a; b < k; b++) out[a * k + b] += acc[a * k + b];
  }
  for (int a = 0; a < k; a++)
    for (int b = 0; b < a; b++) out[a * k + b] = out[b * k + a];
}

/*
 * CG-solves rows [start, end) of X in place (X: rows x k, Y: fixed, A: A0 = Y^T Y + lambda I);
 * scratch: 3k floats. Returns the chunk's loss part when with_loss (see kernel-js.ts).
 */
__attribute__((export_name("solve_rows"))) double solve_rows(const int *indptr, const int *indices, const float *conf,
                                                            float *X, const float *Y, const float *A, int k, int start,
                                                            int end, int steps, int with_loss, float *scratch) {
  float *r = scratch, *p = scratch + k, *ap = scratch + 2 * k;
  double loss = 0;
  for (int u = start; u < end; u++) {
    float *x = X + (long)u * k;
    int e0 = indptr[u], e1 = indptr[u + 1];
    if (e0 == e1) {
      for (int i = 0; i < k; i += 4) wasm_v128_store(x + i, wasm_f32x4_splat(0));
      continue;
    }
    matvec(A, x, r, k);
    for (int i = 0; i < k; i += 4) wasm_v128_store(r + i, wasm_f32x4_neg(wasm_v128_load(r + i)));
    int j = e0;
    for (; j + 2 <= e1; j += 2) {
      float c0 = conf[j], c1 = conf[j + 1], d0, d1;
      const float *y0 = Y + (long)indices[j] * k, *y1 = Y + (long)indices[j + 1] * k;
      dot2(y0, y1, x, k, &d0, &d1);
      axpy2(c0 - (c0 - 1) * d0, y0, c1 - (c1 - 1) * d1, y1, r, k);
    }
    if (j < e1) {
      float c = conf[j];
      const float *y = Y + (long)indices[j] * k;
      axpy(c - (c - 1) * dot(y, x, k), y, r, k);
    }
    for (int i = 0; i < k; i += 4) wasm_v128_store(p + i, wasm_v128_load(r + i));
    float rs = dot(r, r, k);
    if (rs >= 1e-20f) {
      for (int it = 0; it < steps; it++) {
        matvec(A, p, ap, k);
        int j = e0;
        for (; j + 2 <= e1; j += 2) {
          const float *y0 = Y + (long)indices[j] * k, *y1 = Y + (long)indices[j + 1] * k;
          float d0, d1;
          dot2(y0, y1, p, k, &d0, &d1);
          axpy2((conf[j] - 1) * d0, y0, (conf[j + 1] - 1) * d1, y1, ap, k);
        }
        if (j < e1) {
          const float *y = Y + (long)indices[j] * k;
          axpy((conf[j] - 1) * dot(y, p, k), y, ap, k);
        }
        float alpha = rs / dot(p, ap, k);
        v av = wasm_f32x4_splat(alpha);
        v acc = wasm_f32x4_splat(0);
        for (int i = 0; i < k; i += 4) {
          wasm_v128_store(x + i, wasm_f32x4_add(wasm_v128_load(x + i), wasm_f32x4_mul(av, wasm_v128_load(p + i))));
          v ri = wasm_f32x4_sub(wasm_v128_load(r + i), wasm_f32x4_mul(av, wasm_v128_load(ap + i)));
          wasm_v128_store(r + i, ri);
          acc = wasm_f32x4_add(acc, wasm_f32x4_mul(ri, ri));
        }
        float rsn = hsum(acc);
        if (rsn < 1e-20f) break;
        v bv = wasm_f32x4_splat(rsn / rs);
        for (int i = 0; i < k; i += 4)
          wasm_v128_store(p + i, wasm_f32x4_add(wasm_v128_load(r + i), wasm_f32x4_mul(bv, wasm_v128_load(p + i))));
        rs = rsn;
      }
    }
    if (with_loss) {
      matvec(A, x, ap, k);
      double q = dot(x, ap, k);
      for (int j = e0; j < e1; j++) {
        double d = dot(Y + (long)indices[j] * k, x, k);
        q += conf[j] * (1 - d) * (1 - d) - d * d;
      }
      loss += q;
    }
  }
  return loss;
}

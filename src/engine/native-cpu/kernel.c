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

/* out = A x (A k x k symmetric, row-major): accumulate columns (A symmetric, so column a == row a) */
static inline void matvec(const float *A, const float *x, float *out, int k) {
  for (int i = 0; i < k; i += 4) wasm_v128_store(out + i, wasm_f32x4_splat(0));
  int a = 0;
  for (; a + 2 <= k; a += 2) {
    v x0 = wasm_f32x4_splat(x[a]), x1 = wasm_f32x4_splat(x[a + 1]);
    const float *r0 = A + a * k, *r1 = r0 + k;
    for (int i = 0; i < k; i += 4) {
      v o = wasm_v128_load(out + i);
      o = wasm_f32x4_add(o, wasm_f32x4_mul(x0, wasm_v128_load(r0 + i)));
      o = wasm_f32x4_add(o, wasm_f32x4_mul(x1, wasm_v128_load(r1 + i)));
      wasm_v128_store(out + i, o);
    }
  }
  for (; a < k; a++) axpy(x[a], A + a * k, out, k);
}

/* out[0..k*k) (float64) = sum_{row in [start,end)} y y^T, upper triangle then mirrored */
__attribute__((export_name("gram_block"))) void gram_block(const float *Y, int start, int end, int k, double *out) {
  for (int i = 0; i < k * k; i++) out[i] = 0;
  for (int row = start; row < end; row++) {
    const float *y = Y + (long)row * k;
    for (int a = 0; a < k; a++) {
      double ya = y[a];
      v yv = wasm_f64x2_splat(ya);
      double *o = out + a * k;
      int b = a & ~1;
      for (; b + 2 <= k; b += 2) {
        v yb = wasm_f64x2_make(y[b], y[b + 1]);
        wasm_v128_store(o + b, wasm_f64x2_add(wasm_v128_load(o + b), wasm_f64x2_mul(yv, yb)));
      }
      for (; b < k; b++) o[b] += ya * y[b];
    }
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
    for (int j = e0; j < e1; j++) {
      float c = conf[j];
      const float *y = Y + (long)indices[j] * k;
      axpy(c - (c - 1) * dot(y, x, k), y, r, k);
    }
    for (int i = 0; i < k; i += 4) wasm_v128_store(p + i, wasm_v128_load(r + i));
    float rs = dot(r, r, k);
    if (rs >= 1e-20f) {
      for (int it = 0; it < steps; it++) {
        matvec(A, p, ap, k);
        for (int j = e0; j < e1; j++) {
          float c1 = conf[j] - 1;
          if (c1 == 0) continue;
          const float *y = Y + (long)indices[j] * k;
          axpy(c1 * dot(y, p, k), y, ap, k);
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

/*
 * BatchMatMul for the tfjs wasm backend, batch > 1, no transposes: out[b] = A[b] (M x K) . B[b] (K x N).
 * tfjs-backend-wasm runs this case (every batch of different right-hand sides) as a scalar loop at
 * ~1-2.6 GB/s; the ALS tensor path's batched mat-vecs ([B, L, k] x [B, k, 1] and [B, 1, L] x [B, L, k],
 * cg-solve.ts) are this case. Registered over the stock kernel by ../wasm-batch-matmul.ts.
 *
 * The module imports tfjs-backend-wasm's own memory and reads and writes its tensors in place, so it must
 * never touch memory it was not handed: it has no data segment and no static state, and its stack pointer
 * (if the compiler ever used the stack) is set by the loader to a block malloc'ed from that heap.
 *
 *   N == 1:  out[b, i] = A[b, i, :] . B[b, :, 0]              (dot products, SIMD over K)
 *   N >  1:  out[b, i, :] = sum_j A[b, i, j] B[b, j, :]        (row updates, SIMD over N, strips of 32)
 *
 * A batch stride of 0 broadcasts that operand over the batch.
 */
#include <wasm_simd128.h>

typedef float f32;

static inline f32 hsum(v128_t v) {
  return wasm_f32x4_extract_lane(v, 0) + wasm_f32x4_extract_lane(v, 1) + wasm_f32x4_extract_lane(v, 2) +
         wasm_f32x4_extract_lane(v, 3);
}

static f32 dot(const f32 *a, const f32 *x, int K) {
  v128_t s0 = wasm_f32x4_splat(0.0f), s1 = s0, s2 = s0, s3 = s0;
  int j = 0;
  for (; j + 16 <= K; j += 16) {
    s0 = wasm_f32x4_add(s0, wasm_f32x4_mul(wasm_v128_load(a + j), wasm_v128_load(x + j)));
    s1 = wasm_f32x4_add(s1, wasm_f32x4_mul(wasm_v128_load(a + j + 4), wasm_v128_load(x + j + 4)));
    s2 = wasm_f32x4_add(s2, wasm_f32x4_mul(wasm_v128_load(a + j + 8), wasm_v128_load(x + j + 8)));
    s3 = wasm_f32x4_add(s3, wasm_f32x4_mul(wasm_v128_load(a + j + 12), wasm_v128_load(x + j + 12)));
  }
  for (; j + 4 <= K; j += 4) s0 = wasm_f32x4_add(s0, wasm_f32x4_mul(wasm_v128_load(a + j), wasm_v128_load(x + j)));
  f32 r = hsum(wasm_f32x4_add(wasm_f32x4_add(s0, s1), wasm_f32x4_add(s2, s3)));
  for (; j < K; j++) r += a[j] * x[j];
  return r;
}

/* out[0:N] = sum_j a[j] B[j, 0:N] (B row-major K x N). */
static void rowUpdate(const f32 *a, const f32 *B, f32 *out, int K, int N) {
  int n = 0;
  for (; n + 32 <= N; n += 32) {
    v128_t c0 = wasm_f32x4_splat(0.0f), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0;
    const f32 *p = B + n;
    for (int j = 0; j < K; j++, p += N) {
      v128_t s = wasm_f32x4_splat(a[j]);
      c0 = wasm_f32x4_add(c0, wasm_f32x4_mul(s, wasm_v128_load(p)));
      c1 = wasm_f32x4_add(c1, wasm_f32x4_mul(s, wasm_v128_load(p + 4)));
      c2 = wasm_f32x4_add(c2, wasm_f32x4_mul(s, wasm_v128_load(p + 8)));
      c3 = wasm_f32x4_add(c3, wasm_f32x4_mul(s, wasm_v128_load(p + 12)));
      c4 = wasm_f32x4_add(c4, wasm_f32x4_mul(s, wasm_v128_load(p + 16)));
      c5 = wasm_f32x4_add(c5, wasm_f32x4_mul(s, wasm_v128_load(p + 20)));
      c6 = wasm_f32x4_add(c6, wasm_f32x4_mul(s, wasm_v128_load(p + 24)));
      c7 = wasm_f32x4_add(c7, wasm_f32x4_mul(s, wasm_v128_load(p + 28)));
    }
    wasm_v128_store(out + n, c0);
    wasm_v128_store(out + n + 4, c1);
    wasm_v128_store(out + n + 8, c2);
    wasm_v128_store(out + n + 12, c3);
    wasm_v128_store(out + n + 16, c4);
    wasm_v128_store(out + n + 20, c5);
    wasm_v128_store(out + n + 24, c6);
    wasm_v128_store(out + n + 28, c7);
  }
  for (; n + 4 <= N; n += 4) {
    v128_t c = wasm_f32x4_splat(0.0f);
    const f32 *p = B + n;
    for (int j = 0; j < K; j++, p += N) c = wasm_f32x4_add(c, wasm_f32x4_mul(wasm_f32x4_splat(a[j]), wasm_v128_load(p)));
    wasm_v128_store(out + n, c);
  }
  for (; n < N; n++) {
    f32 c = 0.0f;
    for (int j = 0; j < K; j++) c += a[j] * B[j * N + n];
    out[n] = c;
  }
}

__attribute__((export_name("batch_matmul"))) void batch_matmul(const f32 *A, const f32 *B, f32 *out, int batch, int M, int K,
                                                               int N, int strideA, int strideB) {
  for (int b = 0; b < batch; b++) {
    const f32 *a = A + b * strideA;
    const f32 *x = B + b * strideB;
    f32 *o = out + b * M * N;
    if (N == 1) {
      for (int i = 0; i < M; i++) o[i] = dot(a + i * K, x, K);
    } else {
      for (int i = 0; i < M; i++) rowUpdate(a + i * K, x, o + i * N, K, N);
    }
  }
}

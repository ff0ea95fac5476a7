/*
 * Serving kernel: scores of every target for one source vector, out[i] = x . Y[i] (row-major Y, n x k),
 * in float32 with WebAssembly SIMD (4 lanes, two accumulators). Built by build.sh; scores.wasm is committed.
 */
#include <wasm_simd128.h>

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

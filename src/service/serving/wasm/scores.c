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
  for (int i = 0; i < n; i++) {
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

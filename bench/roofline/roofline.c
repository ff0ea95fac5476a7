/*
 * Machine peaks for the roofline figures in bench/README.md, in the same instruction set our kernel uses
 * (WebAssembly SIMD f32x4, mul + add: Node 20 has no relaxed-SIMD FMA by default).
 *   peak_flops(n): 12 independent f32x4 accumulators, acc = acc * m + c, n rounds -> 12 * 4 * 2 * n FLOPs.
 *   stream_sum(p, count): reads `count` floats once (memory read bandwidth when count >> caches).
 * Build: bench/roofline/build.sh (clang --target=wasm32 -msimd128), roofline.wasm is committed.
 */
#include <wasm_simd128.h>
typedef v128_t v;

__attribute__((export_name("peak_flops"))) float peak_flops(int n) {
  v m = wasm_f32x4_splat(0.999999f), c = wasm_f32x4_splat(1e-7f);
  v a0 = wasm_f32x4_splat(1), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
  for (int i = 0; i < n; i++) {
#define S(a) a = wasm_f32x4_add(wasm_f32x4_mul(a, m), c)
    S(a0); S(a1); S(a2); S(a3); S(a4); S(a5); S(a6); S(a7); S(a8); S(a9); S(a10); S(a11);
    __asm__ volatile("" : "+X"(a0), "+X"(a1), "+X"(a2), "+X"(a3), "+X"(a4), "+X"(a5));
  }
  v s = wasm_f32x4_add(wasm_f32x4_add(wasm_f32x4_add(a0, a1), wasm_f32x4_add(a2, a3)), wasm_f32x4_add(wasm_f32x4_add(a4, a5), wasm_f32x4_add(a6, a7)));
  s = wasm_f32x4_add(s, wasm_f32x4_add(wasm_f32x4_add(a8, a9), wasm_f32x4_add(a10, a11)));
  return wasm_f32x4_extract_lane(s, 0);
}

__attribute__((export_name("stream_sum"))) float stream_sum(const float *p, int count) {
  v s0 = wasm_f32x4_splat(0), s1 = s0, s2 = s0, s3 = s0;
  for (int i = 0; i + 16 <= count; i += 16) {
    s0 = wasm_f32x4_add(s0, wasm_v128_load(p + i));
    s1 = wasm_f32x4_add(s1, wasm_v128_load(p + i + 4));
    s2 = wasm_f32x4_add(s2, wasm_v128_load(p + i + 8));
    s3 = wasm_f32x4_add(s3, wasm_v128_load(p + i + 12));
  }
  v s = wasm_f32x4_add(wasm_f32x4_add(s0, s1), wasm_f32x4_add(s2, s3));
  return wasm_f32x4_extract_lane(s, 0);
}

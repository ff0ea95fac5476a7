import { describe, expect, it } from 'vitest';
import type { ServedModel } from '../src/service/models/served-model.js';
import { rankByScore } from '../src/service/serving/rank.js';
import { SCORE_BLOCK } from '../src/service/serving/top-k.js';
import { WasmScorer } from '../src/service/serving/wasm-scorer.js';

/** Deterministic LCG in [0, 1). */
function lcg(seed: number): () => number {
  let s = seed + 1;
  return () => { s = (s * 1103515245 + 12345) % 2147483648; return s / 2147483648; };
}

/** The fields rankByScore reads, around a real scorer (or none: the JS kernel). */
function servedOf(Y: Float32Array, n: number, k: number, wasm: boolean): ServedModel {
  const scorer = wasm ? WasmScorer.create(Y, n, k) : undefined;
  if (wasm) expect(scorer).toBeDefined();
  return { k, targetCount: n, scorer, model: { targetFactors: scorer ? scorer.targetFactors : Y } } as unknown as ServedModel;
}

describe('rankByScore dense scan (threshold + block maxima)', () => {
  it('equals a full sort (score desc, index asc) with many ties, masks, seen targets, n around block edges', () => {
    let checked = 0;
    for (let seed = 0; seed < 400; seed++) {
      const r = lcg(seed);
      const edge = [1, SCORE_BLOCK - 1, SCORE_BLOCK, SCORE_BLOCK + 1, 3 * SCORE_BLOCK][seed % 5]!;
      const n = seed % 2 === 0 ? edge : 1 + Math.floor(r() * 1500);
      const k = 4;
      const count = 1 + Math.floor(r() * (seed % 7 === 0 ? 200 : 20));
      // integer factors for some seeds (most scores tie, so the tie order is exercised), continuous for others
      const ties = seed % 4 < 2;
      const Y = Float32Array.from({ length: n * k }, () => (ties ? Math.floor(r() * 3) - 1 : r() - 0.5));
      const x = ties ? [1, 1, 0.5, 0.25] : [1, -0.75, 0.5, 0.25];
      const mask = r() < 0.5 ? Uint8Array.from({ length: n }, () => (r() < 0.7 ? 1 : 0)) : null;
      const seen = Int32Array.from(new Set(Array.from({ length: Math.floor(r() * 10) }, () => Math.floor(r() * n)))).sort();
      const served = servedOf(Y, n, k, seed % 3 !== 0);
      const got = rankByScore(served, x, count, { mask, list: null, allowed: mask ? mask.reduce((a, b) => a + b, 0) : n }, seen);
      const all: Array<{ i: number; s: number }> = [];
      for (let i = 0; i < n; i++) {
        if ((mask && !mask[i]) || seen.includes(i)) continue;
        let s = 0;
        for (let f = 0; f < k; f++) s += x[f]! * Y[i * k + f]!;
        all.push({ i, s });
      }
      all.sort((a, b) => b.s - a.s || a.i - b.i);
      const want = all.slice(0, count);
      expect(Array.from(got.indices), `seed ${seed}`).toEqual(want.map((e) => e.i));
      // integer data: exact in float32; continuous: the float32 kernel's rounding
      Array.from(got.scores).forEach((v, j) => expect(Math.abs(v - want[j]!.s), `seed ${seed}`).toBeLessThan(ties ? 1e-12 : 1e-5));
      checked += want.length;
    }
    expect(checked).toBeGreaterThan(1000);
  });

  it('block maxima ignore NaN and bound every score of their block', () => {
    const n = 2 * SCORE_BLOCK + 5, k = 4;
    const r = lcg(7);
    const Y = Float32Array.from({ length: n * k }, () => r() - 0.5);
    const scorer = WasmScorer.create(Y, n, k)!;
    const s = scorer.scores([1, -1, 2, 0.5]);
    s[3] = NaN;
    for (let i = SCORE_BLOCK; i < 2 * SCORE_BLOCK; i++) s[i] = NaN;
    const maxima = scorer.blockMaxima();
    expect(maxima.length).toBe(3);
    for (let b = 0; b < 3; b++) {
      const vals = Array.from(s.subarray(b * SCORE_BLOCK, Math.min(n, (b + 1) * SCORE_BLOCK))).filter((v) => v === v);
      expect(maxima[b]).toBe(vals.length > 0 ? Math.max(...vals) : -Infinity);
    }
  });
});

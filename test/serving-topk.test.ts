import { describe, expect, it } from 'vitest';
import { topKOfScores, TopKHeap } from '../src/service/serving/top-k.js';
import { rng } from './helpers/serving.js';

function reference(scores: number[], k: number): number[] {
  return scores.map((s, i) => ({ s, i })).filter(({ s }) => !Number.isNaN(s)).sort((a, b) => b.s - a.s || a.i - b.i).slice(0, k).map(({ i }) => i);
}

describe('exact top-k', () => {
  it('equals a full sort on random scores with ties and excluded entries (200 seeds)', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const r = rng(seed);
      const n = 1 + Math.floor(r() * 300);
      // coarse values -> many ties; some NaN (excluded)
      const scores = Array.from({ length: n }, () => (r() < 0.1 ? NaN : Math.round(r() * 20) / 4 - 2));
      for (const k of [1, 2, 5, 10, n, n + 7]) {
        const got = topKOfScores(Float64Array.from(scores), undefined, k, null);
        const want = reference(scores, k);
        expect(Array.from(got.indices), `seed ${seed} k ${k}`).toEqual(want);
        expect(Array.from(got.scores)).toEqual(want.map((i) => scores[i]));
      }
    }
  });

  it('accepts pushes in any index order (ties still go to the lower index)', () => {
    const h = new TopKHeap(3);
    for (const [i, s] of [[9, 1], [3, 1], [7, 2], [1, 1], [5, 0]] as const) h.push(i, s);
    expect(Array.from(h.drain().indices)).toEqual([7, 1, 3]);
  });

  it('k = 0 selects nothing', () => {
    expect(topKOfScores(Float64Array.from([1, 2, 3]), undefined, 0, null).indices.length).toBe(0);
  });
});

import { dotAll } from '../src/service/serving/scores.js';
import { WasmScorer } from '../src/service/serving/wasm-scorer.js';

describe('scoring kernels', () => {
  it('wasm SIMD and JS kernels agree with a float64 reference (k = 64, 12, 7)', () => {
    for (const k of [64, 12, 7]) {
      const r = rng(k);
      const n = 333;
      const Y = new Float32Array(n * k).map(() => r() - 0.5);
      const x = new Float32Array(k).map(() => r() - 0.5);
      const ref = Array.from({ length: n }, (_, i) => { let s = 0; for (let f = 0; f < k; f++) s += x[f]! * Y[i * k + f]!; return s; });
      const js = new Float64Array(n);
      dotAll(x, Y, k, js);
      const scorer = WasmScorer.create(Y, n, k);
      expect(scorer, 'WebAssembly SIMD available').toBeDefined();
      expect(scorer!.targetFactors).toEqual(Y);
      const w = scorer!.scores(x);
      for (let i = 0; i < n; i++) {
        expect(js[i]).toBeCloseTo(ref[i]!, 10);
        expect(w[i]).toBeCloseTo(ref[i]!, 5);
      }
    }
  });
});

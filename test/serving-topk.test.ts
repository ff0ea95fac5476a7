import { describe, expect, it } from 'vitest';
import { topK, TopKHeap } from '../src/service/serving/top-k.js';
import { rng } from './serving-fixtures.js';

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
        const got = topK(scores, k);
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
    expect(topK([1, 2, 3], 0).indices.length).toBe(0);
  });
});

import { describe, expect, it } from 'vitest';
import type { CsrMatrix } from '../src/engine/types.js';
import { evaluateHoldout, evaluatePopularity, evaluateRanking, splitHoldout, testCounts } from '../src/service/evaluation/evaluate.js';
import { evaluateHoldoutInWorker } from '../src/service/evaluation/evaluate-in-worker.js';
import { CancelledError } from '../src/errors.js';
import { liveWorkerCount } from '../src/util/worker-rpc.js';
import { rng } from './helpers/serving.js';

function csr(rows: number, cols: number, lists: number[][]): CsrMatrix {
  const indptr = new Int32Array(rows + 1);
  const indices: number[] = [];
  for (let r = 0; r < rows; r++) { indices.push(...(lists[r] ?? [])); indptr[r + 1] = indices.length; }
  return { rows, cols, indptr, indices: Int32Array.from(indices), data: new Float32Array(indices.length).fill(1) };
}

/*
 * Tiny fixture: 4 sources, 5 targets, 1 factor. Every source factor is 1 and target factors are
 * y = [1, 2, 3, 4, 5], so every source ranks targets 4, 3, 2, 1, 0 (minus its training targets). K = 2.
 *   train: u0 {0}   u1 {1, 2}   u2 {}        u3 {0}
 *   test:  u0 {2,4} u1 {0}      u2 {1, 3, 4} u3 {}  (u3 has no test items: skipped)
 * c = 1/log2(3) = 0.6309297535714575 (discount of rank 2); idcg(2) = 1 + c, idcg(1) = 1.
 *
 * Model:
 *   u0: R = [4, 3]  hits: 4 at rank 1 -> hits 1, min(K,|T|) = 2, AP = 1/1 = 1 -> 1/2 = 0.5,
 *       DCG = 1 -> NDCG = 1/(1+c) = 0.6131471927654584, recall 1/2
 *   u1: R = [4, 3]  no hit -> 0 everywhere, min(K,|T|) = 1
 *   u2: R = [4, 3]  hits at ranks 1, 2 -> hits 2, AP = 1/1 + 2/2 = 2 -> 2/2 = 1, DCG = 1 + c -> NDCG 1, recall 2/3
 *   precision = (1 + 0 + 2) / (2 + 1 + 2) = 0.6
 *   recall    = (1/2 + 0 + 2/3) / 3 = 0.3888888888888889
 *   NDCG      = (0.6131471927654584 + 0 + 1) / 3 = 0.5377157309218195
 *   MAP       = (0.5 + 0 + 1) / 3 = 0.5
 *   coverage  = |{4, 3}| / 5 = 0.4
 *
 * Popularity (distinct training sources per target): [2, 1, 1, 0, 0] -> order 0, 1, 2, 3, 4 (ties by index):
 *   u0: R = [1, 2]  hit 2 at rank 2: AP = 1/2 -> /2 = 0.25, NDCG = c/(1+c) = 0.38685280723454163, recall 1/2
 *   u1: R = [0, 3]  hit 0 at rank 1: AP 1 -> /1 = 1, NDCG 1, recall 1
 *   u2: R = [0, 1]  hit 1 at rank 2: AP 1/2 -> /2 = 0.25, NDCG 0.38685280723454163, recall 1/3
 *   precision = 3 / 5 = 0.6, recall = (1/2 + 1 + 1/3) / 3 = 0.6111111111111112,
 *   NDCG = (2 * 0.38685280723454163 + 1) / 3 = 0.5912352048230278, MAP = (0.25 + 1 + 0.25) / 3 = 0.5,
 *   coverage = |{1, 2, 0, 3}| / 5 = 0.8
 */
const train = csr(4, 5, [[0], [1, 2], [], [0]]);
const test = csr(4, 5, [[2, 4], [0], [1, 3, 4], []]);
const X = new Float32Array([1, 1, 1, 1]);
const Y = new Float32Array([1, 2, 3, 4, 5]);

describe('ranking metrics', () => {
  it('match the hand-computed values for the factor model', () => {
    const m = evaluateRanking({ sourceFactors: X, targetFactors: Y, factors: 1, train, test, k: 2 });
    expect(m.precision_at_k).toBeCloseTo(0.6, 12);
    expect(m.recall_at_k).toBeCloseTo(0.3888888888888889, 12);
    expect(m.ndcg_at_k).toBeCloseTo(0.5377157309218195, 12);
    expect(m.map_at_k).toBeCloseTo(0.5, 12);
    expect(m.catalog_coverage).toBeCloseTo(0.4, 12);
  });

  it('match the hand-computed values for the popularity baseline', () => {
    const m = evaluatePopularity(train, test, 2);
    expect(m.precision_at_k).toBeCloseTo(0.6, 12);
    expect(m.recall_at_k).toBeCloseTo(0.6111111111111112, 12);
    expect(m.ndcg_at_k).toBeCloseTo(0.5912352048230278, 12);
    expect(m.map_at_k).toBeCloseTo(0.5, 12);
    expect(m.catalog_coverage).toBeCloseTo(0.8, 12);
  });

  it('restricts the ranking to candidates', () => {
    // candidates {0, 1, 2}: model ranks 2, 1, 0. u0 (train {0}): R = [2, 1] -> hit 2 at rank 1;
    // u1 (train {1,2}): R = [0] -> hit; u2: R = [2, 1] -> hit 1 at rank 2.
    // precision = (1 + 1 + 1) / (2 + 1 + 2) = 0.6; coverage = |{0, 1, 2}| / 5 = 0.6;
    // MAP = (1/2 + 1 + (1/2)/2) / 3 = 0.5833333333333334
    const m = evaluateRanking({ sourceFactors: X, targetFactors: Y, factors: 1, train, test, k: 2, candidates: Int32Array.from([0, 1, 2]) });
    expect(m.precision_at_k).toBeCloseTo(0.6, 12);
    expect(m.catalog_coverage).toBeCloseTo(0.6, 12);
    expect(m.map_at_k).toBeCloseTo(0.5833333333333334, 12);
  });

  it('simd: the SIMD kernel gives the hand-computed values, candidates too, and the default pass\'s metrics on a trained-size model', () => {
    const m = evaluateRanking({ sourceFactors: X, targetFactors: Y, factors: 1, train, test, k: 2, simd: true });
    expect(m.ndcg_at_k).toBeCloseTo(0.5377157309218195, 12);
    expect(m.map_at_k).toBeCloseTo(0.5, 12);
    expect(m.catalog_coverage).toBeCloseTo(0.4, 12);
    const c = evaluateRanking({ sourceFactors: X, targetFactors: Y, factors: 1, train, test, k: 2, candidates: Int32Array.from([0, 1, 2]), simd: true });
    expect(c.map_at_k).toBeCloseTo(0.5833333333333334, 12);
    // 64 factors (the int8 prefilter's path) and 5 (the full float32 pass), random factors and pairs
    const r = rng(11);
    for (const f of [64, 5]) {
      const rows = 300, cols = 700;
      const lists = (n: number) => Array.from({ length: rows }, () => [...new Set(Array.from({ length: n }, () => Math.floor(r() * cols)))].sort((a, b) => a - b));
      const tr = lists(20), te = lists(5).map((l, u) => l.filter((x) => !tr[u]!.includes(x)));
      const input = { sourceFactors: Float32Array.from({ length: rows * f }, () => r() - 0.5), targetFactors: Float32Array.from({ length: cols * f }, () => r() - 0.5), factors: f, train: csr(rows, cols, tr), test: csr(rows, cols, te), k: 10 };
      const plain = evaluateRanking(input), simd = evaluateRanking({ ...input, simd: true });
      expect(plain.ndcg_at_k).toBeGreaterThan(0);
      for (const key of ['precision_at_k', 'recall_at_k', 'ndcg_at_k', 'map_at_k', 'catalog_coverage'] as const) expect(simd[key], `${key} at ${f} factors`).toBeCloseTo(plain[key], 6);
    }
  });

  it('counts test entries and sources', () => {
    expect(testCounts(test)).toEqual({ test_interactions: 6, test_sources: 3 });
  });
});

describe('holdout split', () => {
  const r = rng(11);
  const lists = Array.from({ length: 50 }, () => Array.from({ length: 40 }, (_, i) => i).filter(() => r() < 0.3));
  const full = csr(50, 40, lists);
  full.data = full.data.map((_, i) => i + 1);

  it('is seeded, disjoint, complete and near the fraction', () => {
    const a = splitHoldout(full, 0.2, 7);
    const b = splitHoldout(full, 0.2, 7);
    const c = splitHoldout(full, 0.2, 8);
    expect(a.test.indices).toEqual(b.test.indices);
    expect(a.test.indptr).toEqual(b.test.indptr);
    expect(Array.from(c.test.data)).not.toEqual(Array.from(a.test.data));
    const nnz = full.indptr[50]!;
    expect(a.train.indptr[50]! + a.test.indptr[50]!).toBe(nnz);
    const frac = a.test.indptr[50]! / nnz;
    expect(frac).toBeGreaterThan(0.15);
    expect(frac).toBeLessThan(0.25);
    for (let u = 0; u < 50; u++) {
      const tr = Array.from(a.train.indices.subarray(a.train.indptr[u], a.train.indptr[u + 1]));
      const te = Array.from(a.test.indices.subarray(a.test.indptr[u], a.test.indptr[u + 1]));
      expect([...tr, ...te].sort((x, y) => x - y)).toEqual(lists[u]);
      // weights travel with their entries
      const weights = [...a.train.data.subarray(a.train.indptr[u], a.train.indptr[u + 1]), ...a.test.data.subarray(a.test.indptr[u], a.test.indptr[u + 1])];
      expect(weights.sort((x, y) => x - y)).toEqual(Array.from(full.data.subarray(full.indptr[u], full.indptr[u + 1])));
    }
  });

  it('rejects fractions outside (0, 1)', () => {
    expect(() => splitHoldout(full, 0, 1)).toThrow(/fraction/);
    expect(() => splitHoldout(full, 1, 1)).toThrow(/fraction/);
  });

  it('evaluateHoldout fits on the train part and fills the summary', async () => {
    let fittedOn: CsrMatrix | undefined;
    const ev = await evaluateHoldout(full, { holdoutFraction: 0.25, seed: 3, k: 5 }, async (tr) => {
      fittedOn = tr;
      return { sourceFactors: new Float32Array(50).fill(1), targetFactors: Float32Array.from({ length: 40 }, (_, i) => i), factors: 1 };
    });
    const { train: tr, test: te } = splitHoldout(full, 0.25, 3);
    expect(fittedOn!.indices).toEqual(tr.indices);
    expect(ev.k).toBe(5);
    expect(ev.test_interactions).toBe(te.indptr[50]);
    expect(ev.model).toEqual(evaluateRanking({ sourceFactors: new Float32Array(50).fill(1), targetFactors: Float32Array.from({ length: 40 }, (_, i) => i), factors: 1, train: tr, test: te, k: 5 }));
    expect(ev.baseline).toEqual(evaluatePopularity(tr, te, 5));
  });

  it('on a worker thread: the same summary; the fit takes over the worker\'s train copy; the factors move there for the ranking', async () => {
    const factors = () => ({ sourceFactors: Float32Array.from({ length: 50 }, (_, i) => (i % 7) + 1), targetFactors: Float32Array.from({ length: 40 }, (_, i) => (i * 13) % 11), factors: 1 });
    const local = await evaluateHoldout(full, { holdoutFraction: 0.25, seed: 3, k: 5 }, async () => factors());
    const workersBefore = liveWorkerCount();
    let given: { train: CsrMatrix; moveMatrix?: boolean } | undefined;
    let fitted: ReturnType<typeof factors> | undefined;
    const ev = await evaluateHoldoutInWorker(full, { holdoutFraction: 0.25, seed: 3, k: 5 }, async (train, o) => {
      given = { train, moveMatrix: o?.moveMatrix };
      fitted = factors();
      return fitted;
    });
    expect(ev).toEqual(local);
    expect(given!.moveMatrix).toBe(true);
    expect(given!.train.indices).toEqual(splitHoldout(full, 0.25, 3).train.indices);
    // Transferred to the worker for the ranking: detached here.
    expect(fitted!.sourceFactors.byteLength).toBe(0);
    expect(fitted!.targetFactors.byteLength).toBe(0);
    // The caller's matrix is only copied.
    expect(full.indices.byteLength).toBeGreaterThan(0);
    expect(liveWorkerCount()).toBe(workersBefore);
  });

  it('on a worker thread: an abort during the fit rejects CANCELLED and ends the worker', async () => {
    const workersBefore = liveWorkerCount();
    const ac = new AbortController();
    const p = evaluateHoldoutInWorker(full, { holdoutFraction: 0.25, seed: 3 }, async () => {
      ac.abort();
      return { sourceFactors: new Float32Array(50), targetFactors: new Float32Array(40), factors: 1 };
    }, ac.signal);
    await expect(p).rejects.toBeInstanceOf(CancelledError);
    expect(liveWorkerCount()).toBe(workersBefore);
  });
});

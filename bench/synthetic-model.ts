/**
 * Synthetic trained models for the serving benchmarks (serving.ts, serving-kernel.ts, ann.ts): factors,
 * seen targets and popularity, deterministic per seed, so the figures isolate serving.
 *
 * Two factor distributions:
 *  - `random`: every factor uniform in [-0.1, 0.1) (the earlier serving figures). No structure at all, the
 *    worst case for any nearest-neighbour index: no target is much closer to a source than the rest.
 *  - `clustered`: sources and targets around 1000 random centres (Gaussian noise half the centres' scale),
 *    norms log-normal, as ALS factors of real data are (bench/README.md "Serving": the recall of the index
 *    on ml-latest-small's own ALS factors is of the same order as on these).
 */
import { compileAlsOptions } from '../src/engine/options.js';
import type { TrainedModel } from '../src/data/trained-model.js';
import { mulberry32 } from '../src/util/random.js';

export type FactorDistribution = 'random' | 'clustered';

export interface SyntheticModelOptions {
  sources: number;
  targets: number;
  factors: number;
  /** Seen (training) targets per source (default 20). */
  seenPer?: number;
  dist?: FactorDistribution;
  seed?: number;
  modelId?: string;
  jobId?: string;
}

export function syntheticFactors(rows: number, k: number, dist: FactorDistribution, r: () => number, centres: Float32Array): Float32Array {
  const out = new Float32Array(rows * k);
  if (dist === 'random') {
    for (let j = 0; j < out.length; j++) out[j] = (r() - 0.5) * 0.2;
    return out;
  }
  const gauss = () => Math.sqrt(-2 * Math.log(r() || 1e-12)) * Math.cos(2 * Math.PI * r());
  const C = centres.length / k;
  for (let i = 0; i < rows; i++) {
    const c = Math.floor(r() * C) * k;
    const scale = 0.1 * Math.exp(0.5 * gauss());
    for (let f = 0; f < k; f++) out[i * k + f] = scale * (centres[c + f]! + 0.5 * gauss());
  }
  return out;
}

export function syntheticModel(o: SyntheticModelOptions): TrainedModel {
  const { sources: m, targets: n, factors: k } = o;
  const seenPer = Math.min(o.seenPer ?? 20, n);
  const r = mulberry32(o.seed ?? 1);
  const gauss = () => Math.sqrt(-2 * Math.log(r() || 1e-12)) * Math.cos(2 * Math.PI * r());
  const dist = o.dist ?? 'random';
  // (drawn only for `clustered`: `random` keeps the earlier benchmarks' exact factors)
  const centres = dist === 'clustered' ? Float32Array.from({ length: 1000 * k }, gauss) : new Float32Array(0);
  const sourceFactors = syntheticFactors(m, k, dist, r, centres);
  const targetFactors = syntheticFactors(n, k, dist, r, centres);
  const indptr = new Int32Array(m + 1);
  const indices = new Int32Array(m * seenPer);
  for (let u = 0; u < m; u++) {
    const row = new Set<number>();
    while (row.size < seenPer) row.add(Math.floor(r() * n));
    indices.set(Int32Array.from(row).sort(), u * seenPer);
    indptr[u + 1] = (u + 1) * seenPer;
  }
  const pop = new Float32Array(n);
  for (const i of indices) pop[i]!++;
  return {
    meta: {
      modelId: o.modelId ?? 'bench', jobId: o.jobId ?? 'bench-job', trainedMs: Date.now(), factors: k, backend: 'synthetic', device: 'none', batchIds: [],
      hyperparameters: { ...compileAlsOptions({ factors: k, regularization: 10, alpha: 1 }), typeWeights: {} }, lossCurve: [], lossKind: 'exact', trainSeconds: 0,
      data: { interactions: indices.length, pairs: indices.length, sources: m, targets: n, entities: 0, droppedByAge: 0, droppedByFilter: 0 },
    },
    sourceIds: Array.from({ length: m }, (_, i) => `user-${i}`),
    targetIds: Array.from({ length: n }, (_, i) => `item-${i}`),
    sourceFactors, targetFactors, seen: { indptr, indices, data: new Float32Array(indices.length).fill(1) }, targetPopularity: pop,
    sourceEntities: { type: new Array(m).fill(null), metadata: new Array(m).fill(null) },
    targetEntities: { type: new Array(n).fill(null), metadata: new Array(n).fill(null) },
  };
}

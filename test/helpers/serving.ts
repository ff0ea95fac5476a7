import type { ModelHyperparameters, TrainedModel } from '../../src/data/trained-model.js';
import { JobRepo } from '../../src/service/jobs/job-repo.js';
import type { JobRecord } from '../../src/service/jobs/job-record.js';
import { mulberry32 } from '../../src/util/random.js';
import type { TestServer } from './server.js';
import { compileAlsOptions } from '../../src/engine/options.js';

/** Seeded uniform [0, 1) (mulberry32). */
export const rng = mulberry32;

export interface FixtureOptions {
  sources: number;
  targets: number;
  factors: number;
  /** Probability of an interaction per (source, target). */
  density?: number;
  seed?: number;
  modelId?: string;
  jobId?: string;
  /** Target entity types cycle through these (null = never imported). */
  targetTypes?: Array<string | null>;
  sourceTypes?: Array<string | null>;
  /** Over the engine's defaults with factors = `factors`, regularization 0.1, alpha 2, no type weights. */
  hyperparameters?: Partial<ModelHyperparameters>;
}

/** A synthetic model with random factors, random interactions, entity snapshots and popularity. */
export function syntheticModel(o: FixtureOptions): TrainedModel {
  const r = rng(o.seed ?? 1);
  const { sources: m, targets: n, factors: k } = o;
  const sourceFactors = new Float32Array(m * k).map(() => r() * 2 - 1);
  const targetFactors = new Float32Array(n * k).map(() => r() * 2 - 1);
  const indptr = new Int32Array(m + 1);
  const indices: number[] = [];
  const data: number[] = [];
  const pop = new Float32Array(n);
  for (let u = 0; u < m; u++) {
    for (let i = 0; i < n; i++) {
      if (r() < (o.density ?? 0.1)) { indices.push(i); data.push(1 + Math.floor(r() * 5)); pop[i]!++; }
    }
    indptr[u + 1] = indices.length;
  }
  const tt = o.targetTypes ?? ['movie', 'show', null];
  const st = o.sourceTypes ?? ['user', 'admin'];
  return {
    meta: {
      modelId: o.modelId ?? 'm', jobId: o.jobId ?? 'j1', trainedMs: 1_700_000_000_000, factors: k, backend: 'test', device: 'CPU',
      batchIds: ['b1'], hyperparameters: { ...compileAlsOptions({ factors: k, regularization: 0.1, alpha: 2 }), typeWeights: {}, ...o.hyperparameters },
      lossCurve: [1, 0.5], lossKind: 'exact', trainSeconds: 0.1,
      data: { interactions: indices.length, pairs: indices.length, sources: m, targets: n, entities: m + n, droppedByAge: 0, droppedByFilter: 0 },
    },
    sourceIds: Array.from({ length: m }, (_, i) => `u${i}`),
    targetIds: Array.from({ length: n }, (_, i) => `t${i}`),
    sourceFactors, targetFactors,
    seen: { indptr, indices: Int32Array.from(indices), data: Float32Array.from(data) },
    targetPopularity: pop,
    sourceEntities: {
      type: Array.from({ length: m }, (_, i) => st[i % st.length]!),
      metadata: Array.from({ length: m }, (_, i) => (i % 3 === 0 ? null : JSON.stringify({ country: i % 2 ? 'fr' : 'de' }))),
    },
    targetEntities: {
      type: Array.from({ length: n }, (_, i) => tt[i % tt.length]!),
      metadata: Array.from({ length: n }, (_, i) => (i % 5 === 4 ? null : JSON.stringify({ genre: ['drama', 'comedy', 'action'][i % 3], year: 2000 + (i % 4), kids: i % 2 === 0 }))),
    },
  };
}


function jobRecord(modelId: string, jobId: string, status: JobRecord['status']): JobRecord {
  const now = Date.now();
  return {
    jobId, modelId, status, createMs: now, startMs: now, endMs: status === 'COMPLETED' ? now : undefined, error: '', progress: status === 'COMPLETED' ? 100 : 0,
    iteration: 0, totalIterations: 1, backend: 'test', device: 'CPU', batchIds: [], callbackUrl: '', requestJson: '{}', lossCurve: [], sequence: 1,
  };
}

/**
 * Puts `model` behind a running server the way a completed training job does, through the server's
 * model registry: writes the model directory, records a completed job and swaps the model to it.
 */
export async function serveModel(srv: TestServer, model: TrainedModel): Promise<void> {
  const { modelId, jobId } = model.meta;
  const models = srv.app.models;
  const repo = new JobRepo(srv.app.db);
  await models.write(model);
  const job = repo.get(jobId) ?? jobRecord(modelId, jobId, 'COMPLETED');
  if (!repo.get(jobId)) models.register(modelId, job.createMs, () => repo.insert(job));
  models.commit(model.meta, job.endMs!, () => repo.update(job));
}

/** Records a job that has not completed (the model exists, nothing to serve yet). */
export function recordPendingJob(srv: TestServer, modelId: string, jobId: string): void {
  const job = jobRecord(modelId, jobId, 'QUEUED');
  srv.app.models.register(modelId, job.createMs, () => new JobRepo(srv.app.db).insert(job));
}

/** Reference ranking: scores in float64, filter, sort by score desc then index asc. */
export function bruteForce(scores: number[], allowed: (i: number) => boolean, count: number): Array<{ i: number; s: number }> {
  return scores.map((s, i) => ({ i, s })).filter(({ i }) => allowed(i)).sort((a, b) => b.s - a.s || a.i - b.i).slice(0, count);
}

export function dot(a: ArrayLike<number>, ao: number, b: ArrayLike<number>, bo: number, k: number): number {
  let s = 0;
  for (let f = 0; f < k; f++) s += a[ao + f]! * b[bo + f]!;
  return s;
}

/**
 * A model with planted structure, as ALS factors of real data have: targets and sources drawn around
 * `clusters` random centres (each source's training targets from its own cluster), norms spread
 * log-normally. Entity types and metadata as in syntheticModel, for the filters.
 */
export function plantedModel(o: FixtureOptions & { clusters?: number; seenPer?: number }): TrainedModel {
  const r = rng(o.seed ?? 1);
  const gauss = () => Math.sqrt(-2 * Math.log(r() || 1e-12)) * Math.cos(2 * Math.PI * r());
  const { sources: m, targets: n, factors: k } = o;
  const C = o.clusters ?? 24;
  const centres = Float32Array.from({ length: C * k }, gauss);
  const byCluster: number[][] = Array.from({ length: C }, () => []);
  const draw = (rows: number, noise: number, onRow?: (row: number, c: number) => void) => {
    const out = new Float32Array(rows * k);
    for (let i = 0; i < rows; i++) {
      const c = Math.floor(r() * C);
      const scale = 0.3 * Math.exp(0.4 * gauss());
      for (let f = 0; f < k; f++) out[i * k + f] = scale * (centres[c * k + f]! + noise * gauss());
      onRow?.(i, c);
    }
    return out;
  };
  const targetFactors = draw(n, 0.5, (i, c) => byCluster[c]!.push(i));
  const sourceCluster = new Int32Array(m);
  const sourceFactors = draw(m, 0.5, (u, c) => { sourceCluster[u] = c; });
  const base = syntheticModel({ ...o, density: 0 });
  const indptr = new Int32Array(m + 1);
  const indices: number[] = [];
  const pop = new Float32Array(n);
  for (let u = 0; u < m; u++) {
    const pool = byCluster[sourceCluster[u]!]!.length > 0 ? byCluster[sourceCluster[u]!]! : [0];
    const row = new Set<number>();
    for (let j = 0; j < (o.seenPer ?? 5); j++) row.add(pool[Math.floor(r() * pool.length)]!);
    for (const i of [...row].sort((a, b) => a - b)) { indices.push(i); pop[i]!++; }
    indptr[u + 1] = indices.length;
  }
  return {
    ...base, sourceFactors, targetFactors, targetPopularity: pop,
    seen: { indptr, indices: Int32Array.from(indices), data: new Float32Array(indices.length).fill(1) },
    meta: { ...base.meta, data: { ...base.meta.data, interactions: indices.length, pairs: indices.length } },
  };
}

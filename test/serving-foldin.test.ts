import { status, type ServiceError } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { confidences } from '../src/engine/confidence.js';
import { referenceAls, referenceHalfSweep } from '../src/engine/reference.js';
import { rowLambdas } from '../src/engine/regularization.js';
import type { CsrMatrix } from '../src/engine/types.js';
import type { RecommendRequest } from '../src/gen/recommender/v1/RecommendRequest.js';
import type { RecommendResponse__Output } from '../src/gen/recommender/v1/RecommendResponse.js';
import type { ModelHyperparameters, TrainedModel } from '../src/data/trained-model.js';
import { call, startTestServer, type TestServer } from './helpers/server.js';
import { dot, rng, serveModel, syntheticModel } from './helpers/serving.js';

/*
 * A model trained with the engine's float64 reference solver (exact row solves) until converged. At a
 * fixed point, a source's trained row is the exact solution given Y, which is what fold-in computes.
 */
const rows = 30, cols = 40, k = 6, alpha = 2, lambda = 0.5;
const r = rng(5);
const lists: Array<Array<[number, number]>> = Array.from({ length: rows }, () => Array.from({ length: cols }, (_, i) => [i, 1 + Math.floor(r() * 5)] as [number, number]).filter(() => r() < 0.2));
const indptr = new Int32Array(rows + 1);
lists.forEach((l, u) => { indptr[u + 1] = indptr[u]! + l.length; });
const matrix: CsrMatrix = { rows, cols, indptr, indices: Int32Array.from(lists.flat().map(([i]) => i)), data: Float32Array.from(lists.flat().map(([, w]) => w)) };
const trained = referenceAls(matrix, { factors: k, regularization: lambda, regularizationExponent: 0, unobservedWeight: 1, alpha, iterations: 60, seed: 3, logScaling: false, logEpsilon: 1 });
const lambdas = (m: CsrMatrix) => new Float64Array(m.rows).fill(lambda);
/** The frequency-scaled objective: lambda_u = lambda (n_u + alpha0 n)^nu, unobserved weight alpha0. */
const scaledHp = { regularization: lambda, regularizationExponent: 0.6, unobservedWeight: 0.3 };
/** Spark's ALS-WR objective (what the spark trainer stores): lambda_u = lambda n_u, the whole Gram term. */
const sparkHp = { regularization: lambda, regularizationExponent: 1, regularizationFrequencyWeight: 0, unobservedWeight: 1 };

function modelFrom(id: string, hyper: Partial<ModelHyperparameters>): TrainedModel {
  const base = syntheticModel({ sources: rows, targets: cols, factors: k, modelId: id, jobId: `${id}-job`, hyperparameters: hyper });
  return { ...base, sourceFactors: Float32Array.from(trained.sourceFactors), targetFactors: Float32Array.from(trained.targetFactors), seen: { indptr, indices: matrix.indices, data: matrix.data } };
}

let srv: TestServer;
const recommend = (req: RecommendRequest) => call<RecommendRequest, RecommendResponse__Output>(srv.client.Recommend.bind(srv.client), req);

/** Fold-in scores of every target (exclude_seen off, all targets), by target index. */
async function foldInScores(model: string, interactions: RecommendRequest['interactions'], extra: Partial<RecommendRequest> = {}): Promise<{ strategy: string; scores: number[] }> {
  const res = await recommend({ model_id: model, source_id: 'new-user', interactions, exclude_seen: false, max_recommendations: cols, ...extra });
  const out = new Array<number>(cols).fill(NaN);
  for (const x of res.results[0]!.recommendations) out[Number(x.target_id.slice(1))] = x.score;
  return { strategy: res.results[0]!.strategy, scores: out };
}

beforeAll(async () => {
  srv = await startTestServer();
  await serveModel(srv, modelFrom('fold', { factors: k, regularization: lambda, alpha, logScaling: false, logEpsilon: 1 }));
  await serveModel(srv, modelFrom('fold-log', { factors: k, regularization: lambda, alpha, logScaling: true, logEpsilon: 0.5, typeWeights: { buy: 3 } }));
  await serveModel(srv, modelFrom('fold-scaled', { factors: k, alpha, logScaling: false, logEpsilon: 1, ...scaledHp }));
  await serveModel(srv, modelFrom('fold-spark', { factors: k, alpha, logScaling: false, logEpsilon: 1, ...sparkHp }));
});
afterAll(async () => { await srv?.dispose(); });

describe('fold-in', () => {
  it('reproduces the trained row of a source that was in training', async () => {
    const Y = Float32Array.from(trained.targetFactors);
    const X = trained.sourceFactors;
    for (const u of [0, 7, 19, 29]) {
      if (lists[u]!.length === 0) continue;
      const { strategy, scores } = await foldInScores('fold', lists[u]!.map(([i, w]) => ({ target_id: `t${i}`, weight: w })));
      expect(strategy).toBe('fold_in');
      const scale = Math.max(...Array.from({ length: cols }, (_, i) => Math.abs(dot(X, u * k, Y, i * k, k))));
      for (let i = 0; i < cols; i++) expect(Math.abs(scores[i]! - dot(X, u * k, Y, i * k, k))).toBeLessThan(1e-3 * scale);
    }
  });

  it('equals the exact float64 solve given Y (reference half-sweep), and excludes the given targets by default', async () => {
    const Y = Float32Array.from(trained.targetFactors);
    const exact = referenceHalfSweep(matrix, confidences(matrix.data, alpha, false, 1), Y, k, lambdas(matrix));
    const u = 12;
    const interactions = lists[u]!.map(([i, w]) => ({ target_id: `t${i}`, weight: w }));
    const { scores } = await foldInScores('fold', interactions);
    for (let i = 0; i < cols; i++) expect(scores[i]).toBeCloseTo(dot(exact, u * k, Y, i * k, k), 5);
    const def = await recommend({ model_id: 'fold', interactions, max_recommendations: cols });
    const given = new Set(lists[u]!.map(([i]) => `t${i}`));
    expect(def.results[0]!.recommendations).toHaveLength(cols - given.size);
    for (const x of def.results[0]!.recommendations) expect(given.has(x.target_id)).toBe(false);
  });

  it('with the frequency-scaled objective (nu, alpha0 from the model): the exact solve of the training\'s row update', async () => {
    const Y = Float32Array.from(trained.targetFactors);
    const exact = referenceHalfSweep(matrix, confidences(matrix.data, alpha, false, 1), Y, k, rowLambdas(scaledHp, matrix.indptr, cols), scaledHp.unobservedWeight);
    const plain = referenceHalfSweep(matrix, confidences(matrix.data, alpha, false, 1), Y, k, lambdas(matrix));
    for (const u of [3, 12]) {
      const { scores } = await foldInScores('fold-scaled', lists[u]!.map(([i, w]) => ({ target_id: `t${i}`, weight: w })));
      let moved = 0;
      for (let i = 0; i < cols; i++) {
        expect(scores[i]).toBeCloseTo(dot(exact, u * k, Y, i * k, k), 5);
        moved = Math.max(moved, Math.abs(scores[i]! - dot(plain, u * k, Y, i * k, k)));
      }
      expect(moved).toBeGreaterThan(1e-3); // not the constant-lambda solve
    }
  });

  it("with Spark's objective (exponent 1, frequency weight 0, unobserved weight 1): the exact solve with lambda * n_u", async () => {
    const Y = Float32Array.from(trained.targetFactors);
    const conf = confidences(matrix.data, alpha, false, 1);
    const counts = Float64Array.from({ length: rows }, (_, u) => lambda * (indptr[u + 1]! - indptr[u]!));
    const exact = referenceHalfSweep(matrix, conf, Y, k, counts, 1);
    const coupled = referenceHalfSweep(matrix, conf, Y, k, Float64Array.from({ length: rows }, (_, u) => lambda * (indptr[u + 1]! - indptr[u]! + cols)), 1);
    for (const u of [3, 12]) {
      expect(lists[u]!.length).toBeGreaterThan(1);
      const { scores } = await foldInScores('fold-spark', lists[u]!.map(([i, w]) => ({ target_id: `t${i}`, weight: w })));
      let fromCoupled = 0, fromConstant = 0;
      for (let i = 0; i < cols; i++) {
        expect(scores[i]).toBeCloseTo(dot(exact, u * k, Y, i * k, k), 5);
        fromCoupled = Math.max(fromCoupled, Math.abs(scores[i]! - dot(coupled, u * k, Y, i * k, k)));
        fromConstant = Math.max(fromConstant, Math.abs(scores[i]! - dot(trained.sourceFactors, u * k, Y, i * k, k)));
      }
      // neither lambda (n_u + n) nor the constant lambda the model's factors were trained with
      expect(fromCoupled).toBeGreaterThan(1e-3);
      expect(fromConstant).toBeGreaterThan(1e-3);
    }
  });

  it('aggregates duplicates, applies type weights and log scaling from the model, ignores unknown targets', async () => {
    const Y = Float32Array.from(trained.targetFactors);
    // target 3: 2 (type buy, x3) + 1 = 7; target 10: 1 (default weight) -> c = 1 + alpha log(1 + w / 0.5)
    const one: CsrMatrix = { rows: 1, cols, indptr: Int32Array.from([0, 2]), indices: Int32Array.from([3, 10]), data: Float32Array.from([7, 1]) };
    const exact = referenceHalfSweep(one, confidences(one.data, alpha, true, 0.5), Y, k, lambdas(one));
    const { strategy, scores } = await foldInScores('fold-log', [
      { target_id: 't3', weight: 2, type: 'buy' }, { target_id: 'never-seen-item', weight: 4 }, { target_id: 't10' }, { target_id: 't3', weight: 1 },
    ]);
    expect(strategy).toBe('fold_in');
    for (let i = 0; i < cols; i++) expect(scores[i]).toBeCloseTo(dot(exact, 0, Y, i * k, k), 5);
  });

  it('only unknown targets -> popularity fallback, or NOT_FOUND in strict mode', async () => {
    const res = await recommend({ model_id: 'fold', source_id: 'x', interactions: [{ target_id: 'nope' }], max_recommendations: 3 });
    expect(res.results[0]!.strategy).toBe('popularity');
    expect(res.results[0]!.recommendations).toHaveLength(3);
    const err = await recommend({ model_id: 'fold', interactions: [{ target_id: 'nope' }], strict: true }).catch((e: ServiceError) => e);
    expect((err as ServiceError).code).toBe(status.NOT_FOUND);
    expect((err as ServiceError).metadata.get('field')[0]).toBe('interactions');
  });
});

/**
 * The solver's hyperparameters over the real gRPC API: regularization_exponent, unobserved_weight,
 * regularization_frequency_weight, solver and block_size reach the engine, come back in GetModel, drive fold-in, and bad values are refused naming
 * the field.
 */
import { status as grpcStatus } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Model__Output } from '../src/gen/recommender/v1/Model.js';
import type { RecommendResponse__Output } from '../src/gen/recommender/v1/RecommendResponse.js';
import type { TrainingStatus__Output } from '../src/gen/recommender/v1/TrainingStatus.js';
import type { TrainRequest } from '../src/gen/recommender/v1/TrainRequest.js';
import { call, startTestServer, type TestServer } from './helpers/server.js';
import { fieldOf, grpcCode, importBatch, randomRows, waitTerminal } from './helpers/jobs.js';

let srv: TestServer;
const train = (req: TrainRequest) => call<TrainRequest, TrainingStatus__Output>(srv.client.Train.bind(srv.client), req);
const getModel = (model_id: string) => call<object, Model__Output>(srv.client.GetModel.bind(srv.client), { model_id });

beforeAll(async () => {
  srv = await startTestServer();
  await importBatch(srv, 'INTERACTIONS', randomRows(300, 200, 10), ['main']);
});
afterAll(async () => { await srv?.dispose(); });

describe('solver hyperparameters over gRPC', () => {
  it('trains with the frequency-scaled objective and the subspace solver, reports them in GetModel, folds in with them', async () => {
    const hp = { factors: 8, iterations: 4, regularization: 0.5, regularization_exponent: 0.5, unobserved_weight: 0.2, solver: 'subspace', block_size: 4 };
    // the frequency weight left out on wasm (it follows unobserved_weight), set on native-cpu
    for (const [backend, w] of [['wasm', undefined], ['native-cpu', 0.7]] as const) {
      const id = `scaled-${backend}`;
      const st = await train({ model_id: id, hyperparameters: { ...hp, backend, ...(w === undefined ? {} : { regularization_frequency_weight: w }) }, data_tags: ['main'] });
      const done = await waitTerminal(srv.client, st.job_id);
      expect(done.status, done.error).toBe('COMPLETED');
      const m = await getModel(id);
      expect(m.hyperparameters).toMatchObject({ ...hp, regularization_frequency_weight: w ?? hp.unobserved_weight });
      for (let i = 1; i < m.loss_curve.length; i++) expect(m.loss_curve[i]).toBeLessThan(m.loss_curve[i - 1]!);
      const res = await call<object, RecommendResponse__Output>(srv.client.Recommend.bind(srv.client), {
        model_id: id, source_id: 'someone-new', interactions: [{ target_id: 'i1' }, { target_id: 'i2', weight: 3 }], max_recommendations: 5,
      });
      expect(res.results[0]!.strategy).toBe('fold_in');
      expect(res.results[0]!.recommendations).toHaveLength(5);
    }
    // a model trained without them: the defaults, reported as such
    const st = await train({ model_id: 'plain', hyperparameters: { factors: 8, iterations: 2 }, data_tags: ['main'] });
    expect((await waitTerminal(srv.client, st.job_id)).status).toBe('COMPLETED');
    // (solver auto: the one that ran is stored: CG on the tensor path (wasm, this server's default backend here),
    // pcg at 8 factors on native-cpu)
    expect((await getModel('plain')).hyperparameters).toMatchObject({ regularization_exponent: 0, unobserved_weight: 1, regularization_frequency_weight: 1, solver: 'cg', backend: 'wasm' });
    const pn = await train({ model_id: 'plain-native', hyperparameters: { factors: 8, iterations: 2, backend: 'native-cpu' }, data_tags: ['main'] });
    expect((await waitTerminal(srv.client, pn.job_id)).status).toBe('COMPLETED');
    expect((await getModel('plain-native')).hyperparameters).toMatchObject({ solver: 'pcg', backend: 'native-cpu' });
    // solver hybrid: stored as such on native-cpu; the tensor path runs its pcg part and says so
    for (const [backend, ran] of [['native-cpu', 'hybrid'], ['wasm', 'pcg']] as const) {
      const h = await train({ model_id: `hybrid-${backend}`, hyperparameters: { factors: 8, iterations: 2, solver: 'hybrid', backend }, data_tags: ['main'] });
      const done = await waitTerminal(srv.client, h.job_id);
      expect(done.status, done.error).toBe('COMPLETED');
      expect((await getModel(`hybrid-${backend}`)).hyperparameters).toMatchObject({ solver: ran });
    }
    // solver pcg runs on native-cpu and the tensor path and is stored as such; with a frequency-scaled lambda it runs cg and says so
    for (const [id, backend, nu, ran] of [['pcg-native', 'native-cpu', 0, 'pcg'], ['pcg-wasm', 'wasm', 0, 'pcg'], ['pcg-wasm-nu', 'wasm', 0.5, 'cg']] as const) {
      const h = await train({ model_id: id, hyperparameters: { factors: 8, iterations: 2, solver: 'pcg', backend, regularization_exponent: nu }, data_tags: ['main'] });
      const done = await waitTerminal(srv.client, h.job_id);
      expect(done.status, done.error).toBe('COMPLETED');
      expect((await getModel(id)).hyperparameters).toMatchObject({ solver: ran, regularization_exponent: nu });
    }
  }, 180_000);

  it.each([
    [{ regularization_exponent: 3 }, 'hyperparameters.regularization_exponent'],
    [{ unobserved_weight: 2 }, 'hyperparameters.unobserved_weight'],
    [{ unobserved_weight: 0, regularization: 0 }, 'hyperparameters.unobserved_weight'],
    [{ solver: 'sgd' }, 'hyperparameters.solver'],
    [{ block_size: 0 }, 'hyperparameters.block_size'],
    [{ regularization_frequency_weight: -1 }, 'hyperparameters.regularization_frequency_weight'],
  ])('refuses %j with INVALID_ARGUMENT naming the field', async (bad, field) => {
    const err = await train({ model_id: 'bad', hyperparameters: { factors: 8, ...bad } }).then(() => undefined, (e: unknown) => e);
    expect(grpcCode(err)).toBe(grpcStatus.INVALID_ARGUMENT);
    expect(fieldOf(err)).toBe(field);
  });
});

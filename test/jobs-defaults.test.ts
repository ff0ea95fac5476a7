/**
 * Data-aware defaults (issue 13 item 2): the chooser on seeded planted data of each shape
 * (bench/datasets/planted.ts), and over the real gRPC API: a Train call that leaves hyperparameters
 * unset gets them chosen from its data, GetModel returns them with their reasons in `chosen`, explicit
 * values are obeyed, and a model whose call sets everything trains exactly as before (bit for bit).
 * DescribeDataset shows the statistics the chooser reads and what it would choose, before training (and
 * the `recommender describe` command prints them).
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plantedCheckins, plantedPlayCounts, plantedRatings } from '../bench/datasets/planted.js';
import { readModel } from '../src/data/model-file.js';
import { chooseDefaults, weightShape } from '../src/engine/defaults.js';
import { matrixStats } from '../src/engine/matrix-stats.js';
import { compileAlsOptions } from '../src/engine/options.js';
import { trainAls } from '../src/engine/trainer.js';
import type { CsrMatrix } from '../src/engine/types.js';
import type { DatasetDescription__Output } from '../src/gen/recommender/v1/DatasetDescription.js';
import type { DescribeDatasetRequest } from '../src/gen/recommender/v1/DescribeDatasetRequest.js';
import type { Model__Output } from '../src/gen/recommender/v1/Model.js';
import type { TrainingStatus__Output } from '../src/gen/recommender/v1/TrainingStatus.js';
import type { TrainRequest } from '../src/gen/recommender/v1/TrainRequest.js';
import { call, startTestServer, type TestServer } from './helpers/server.js';
import { importBatch, waitTerminal, type Row } from './helpers/jobs.js';
import { runCli } from './helpers/cli.js';

const checkins = plantedCheckins({ users: 800, items: 5000, topics: 60 });
const plays = plantedPlayCounts({ users: 500, items: 2000, topics: 20 });
const ratings = plantedRatings({ users: 300, items: 1500 });

const value = (chosen: { name: string; value: string }[], name: string) => chosen.find((c) => c.name === name)?.value;

describe('the defaults chooser on planted data of each shape', () => {
  it('reads the weight shape', () => {
    expect(weightShape(matrixStats(checkins))).toBe('binary');
    expect(weightShape(matrixStats(plays))).toBe('counts');
    expect(weightShape(matrixStats(ratings))).toBe('ratings-like');
  });

  it('log-scales heavy-tailed counts and nothing else', () => {
    const p = chooseDefaults(matrixStats(plays), {});
    expect(p.options).toMatchObject({ logScaling: true, logEpsilon: 1 });
    expect(value(p.chosen, 'log_scaling')).toBe('true');
    expect(p.chosen.find((c) => c.name === 'log_scaling')!.reason).toMatch(/heavy-tailed/);
    for (const m of [checkins, ratings]) {
      const d = chooseDefaults(matrixStats(m), {});
      expect(d.options.logScaling).toBe(false);
      expect(d.options.logEpsilon).toBeUndefined();
    }
  });

  it('chooses alpha and regularization in the family each shape needs, every choice with a reason', () => {
    const c = chooseDefaults(matrixStats(checkins), {}).options;
    const r = chooseDefaults(matrixStats(ratings), {}).options;
    const p = chooseDefaults(matrixStats(plays), {}).options;
    // ratings at about MovieLens' density: alpha about 1 (the old default, measured best there), lambda of
    // the old default's order (it scales with the rows' length: these are shorter than MovieLens')
    expect(r.alpha).toBeGreaterThan(0.5);
    expect(r.alpha).toBeLessThan(2);
    expect(r.regularization).toBeGreaterThan(3);
    expect(r.regularization).toBeLessThan(100);
    // sparse binary check-ins: each observed pair weighs more than on ratings (sparser rows)
    expect(c.alpha!).toBeGreaterThan(3 * r.alpha!);
    for (const o of [c, p]) {
      expect(o.alpha).toBeGreaterThan(0);
      expect(o.regularization).toBeGreaterThan(0);
      expect(() => compileAlsOptions(o)).not.toThrow();
    }
    for (const m of [checkins, ratings, plays]) {
      for (const ch of chooseDefaults(matrixStats(m), {}).chosen) {
        expect(ch.reason.length).toBeGreaterThan(10);
        expect(ch.value).not.toBe('');
      }
    }
  });

  it('obeys explicit values', () => {
    const explicit = { regularization: 7, alpha: 2, logScaling: false };
    const d = chooseDefaults(matrixStats(plays), explicit);
    expect(d.options).toMatchObject(explicit);
    expect(d.chosen.map((c) => c.name)).toEqual([]);
    // log scaling asked for: epsilon still chosen, the rest from the scaled weights
    const e = chooseDefaults(matrixStats(checkins), { logScaling: true, logEpsilon: 3 });
    expect(e.options).toMatchObject({ logScaling: true, logEpsilon: 3 });
    expect(e.chosen.map((c) => c.name).sort()).toEqual(['alpha', 'regularization']);
  });

  it('on backend spark chooses only the weight transform', () => {
    const d = chooseDefaults(matrixStats(plays), { backend: 'spark', regularization: 0.1 });
    expect(d.chosen.map((c) => c.name).sort()).toEqual(['log_epsilon', 'log_scaling']);
    expect(d.options.alpha).toBeUndefined();
    expect(d.options.regularization).toBe(0.1);
  });

  it('is deterministic (same statistics, same choices)', () => {
    expect(chooseDefaults(matrixStats(plantedPlayCounts({ users: 500, items: 2000, topics: 20 })), {})).toEqual(chooseDefaults(matrixStats(plays), {}));
  });
});

/** `m` without its empty columns (a selection has only the targets that occur). */
function occurring(m: CsrMatrix): CsrMatrix {
  const map = new Int32Array(m.cols).fill(-1);
  for (const c of m.indices) map[c] = 0;
  let cols = 0;
  for (let c = 0; c < m.cols; c++) if (map[c] === 0) map[c] = cols++;
  return { ...m, cols, indices: m.indices.map((c) => map[c]!) };
}

function rowsOf(m: CsrMatrix): Row[] {
  const rows: Row[] = [];
  for (let u = 0; u < m.rows; u++) for (let e = m.indptr[u]!; e < m.indptr[u + 1]!; e++) rows.push({ s: `u${u}`, t: `i${m.indices[e]}`, w: m.data[e]! });
  return rows;
}

let srv: TestServer;
const train = (req: TrainRequest) => call<TrainRequest, TrainingStatus__Output>(srv.client.Train.bind(srv.client), req);
const getModel = (model_id: string) => call<object, Model__Output>(srv.client.GetModel.bind(srv.client), { model_id });
const describe_ = (req: DescribeDatasetRequest) => call<DescribeDatasetRequest, DatasetDescription__Output>(srv.client.DescribeDataset.bind(srv.client), req);
// Factors and iterations small and explicit (not chosen), so the trainings are quick.
const QUICK = { factors: 8, iterations: 3 };

async function trained(model_id: string, tag: string, hyperparameters: TrainRequest['hyperparameters']): Promise<Model__Output> {
  const st = await train({ model_id, data_tags: [tag], hyperparameters });
  const done = await waitTerminal(srv.client, st.job_id!);
  expect(done.status, done.error).toBe('COMPLETED');
  return getModel(model_id);
}

describe('data-aware defaults over gRPC', () => {
  beforeAll(async () => {
    srv = await startTestServer();
    await importBatch(srv, 'INTERACTIONS', rowsOf(plays), ['plays']);
    await importBatch(srv, 'INTERACTIONS', rowsOf(checkins), ['checkins']);
    await importBatch(srv, 'INTERACTIONS', rowsOf(ratings), ['ratings']);
  }, 60_000);
  afterAll(async () => { await srv?.dispose(); });

  it('GetModel returns what was chosen from the data, with reasons, and the model trained with it', async () => {
    const m = await trained('plays-defaults', 'plays', QUICK);
    const names = m.chosen.map((c) => c.name).sort();
    expect(names).toEqual(['alpha', 'log_epsilon', 'log_scaling', 'regularization']);
    for (const c of m.chosen) expect(c.reason).not.toBe('');
    expect(value(m.chosen, 'log_scaling')).toBe('true');
    expect(m.hyperparameters).toMatchObject({ log_scaling: true, log_epsilon: 1, factors: 8, iterations: 3 });
    expect(m.hyperparameters!.alpha).toBeCloseTo(Number(value(m.chosen, 'alpha')), 12);
    expect(m.hyperparameters!.regularization).toBeCloseTo(Number(value(m.chosen, 'regularization')), 12);
    // the same choice the chooser makes here on the matrix as the service selects it (targets that occur)
    expect(m.chosen).toEqual(chooseDefaults(matrixStats(occurring(plays)), QUICK).chosen);

    const c = await trained('checkins-defaults', 'checkins', QUICK);
    expect(value(c.chosen, 'log_scaling')).toBe('false');
    expect(c.hyperparameters?.log_scaling).toBe(false);
    expect(c.chosen.find((x) => x.name === 'log_scaling')!.reason).toMatch(/binary/);
  }, 120_000);

  it('obeys explicit values, and a model with everything explicit trains bit for bit as without the chooser', async () => {
    const hp = { ...QUICK, regularization: 12.5, alpha: 0.7, log_scaling: false, backend: 'wasm' };
    const m = await trained('ratings-explicit', 'ratings', hp);
    expect(m.chosen).toEqual([]);
    expect(m.hyperparameters).toMatchObject({ regularization: 12.5, alpha: 0.7, log_scaling: false, regularization_exponent: 0, unobserved_weight: 1 });
    // The stored model against the engine run in this process on the model's own training matrix with
    // the options compiled from the request alone (what a Train call did before the defaults step).
    const dir = join(srv.dataDir, 'models', 'ratings-explicit', m.job_id);
    const stored = await readModel(dir);
    const { indptr, indices, data } = stored.seen;
    const matrix: CsrMatrix = { rows: stored.sourceIds.length, cols: stored.targetIds.length, indptr, indices, data };
    const direct = await trainAls(matrix, compileAlsOptions({ factors: 8, iterations: 3, regularization: 12.5, alpha: 0.7, logScaling: false, backend: 'wasm', workers: 1 }));
    expect(Buffer.from(stored.sourceFactors.buffer, stored.sourceFactors.byteOffset, stored.sourceFactors.byteLength)
      .equals(Buffer.from(direct.sourceFactors.buffer, direct.sourceFactors.byteOffset, direct.sourceFactors.byteLength))).toBe(true);
    expect(Buffer.from(stored.targetFactors.buffer, stored.targetFactors.byteOffset, stored.targetFactors.byteLength)
      .equals(Buffer.from(direct.targetFactors.buffer, direct.targetFactors.byteOffset, direct.targetFactors.byteLength))).toBe(true);

    // one left unset: only that one is chosen
    const one = await trained('ratings-one', 'ratings', { ...QUICK, alpha: 0.7, log_scaling: false });
    expect(one.chosen.map((c) => c.name)).toEqual(['regularization']);
    expect(one.hyperparameters?.alpha).toBeCloseTo(0.7, 12);
  }, 120_000);

  it('DescribeDataset shows the statistics the chooser reads and its choice, which a Train with nothing set then records', async () => {
    const d = await describe_({ data_tags: ['plays'] });
    const m = occurring(plays);
    const st = matrixStats(m);
    // the statistics as the selection worker computed them on the selected matrix (its entries in another order: sums to 12 digits)
    const dist = (q: typeof st.rowLengths) => ({ mean: q.mean, min: q.min, q50: q.q50, q90: q.q90, q99: q.q99, max: q.max });
    expect(d.statistics).toEqual({
      weight_shape: 'counts', density: st.density, weights: dist(st.weights), weight_sample: String(m.indptr[m.rows]), distinct_weights: st.weights.distinct,
      integer_weight_share: 1, mean_log_weight: expect.closeTo(st.weights.logMean, 12), source_lengths: dist(st.rowLengths), target_lengths: dist(st.colLengths),
    });
    expect(d.statistics!.density).toBeCloseTo(Number(d.pair_count) / (Number(d.distinct_source_count) * Number(d.distinct_target_count)), 12);
    expect(d.statistics!.weights!.q99).toBeGreaterThanOrEqual(20 * d.statistics!.weights!.q50); // heavy-tailed, as the shape says
    expect(Number(d.pair_count)).toBe(m.indptr[m.rows]);
    // log scaling would be chosen, with the other three, and the reasons
    expect(d.chosen_defaults.map((c) => c.name)).toEqual(['log_scaling', 'log_epsilon', 'alpha', 'regularization']);
    expect(value(d.chosen_defaults, 'log_scaling')).toBe('true');
    expect(d.chosen_defaults[0]!.reason).toMatch(/heavy-tailed weights \(median/);
    expect(d.chosen_defaults).toEqual(chooseDefaults(st, {}).chosen);

    // A Train with nothing set records exactly that choice, and trains with it.
    const started = await train({ model_id: 'plays-nothing-set', data_tags: ['plays'] });
    const done = await waitTerminal(srv.client, started.job_id!, 120_000);
    expect(done.status, done.error).toBe('COMPLETED');
    const trainedModel = await getModel('plays-nothing-set');
    expect(trainedModel.chosen).toEqual(d.chosen_defaults);
    expect(trainedModel.hyperparameters).toMatchObject({ log_scaling: true, log_epsilon: 1 });
    expect(trainedModel.hyperparameters!.alpha).toBeCloseTo(Number(value(d.chosen_defaults, 'alpha')), 12);
    expect(trainedModel.hyperparameters!.regularization).toBeCloseTo(Number(value(d.chosen_defaults, 'regularization')), 12);

    // The other shapes: binary check-ins and ratings are used as they are.
    const c = await describe_({ data_tags: ['checkins'] });
    expect(c.statistics).toMatchObject({ weight_shape: 'binary', distinct_weights: 1, weights: { min: 1, max: 1 } });
    expect(value(c.chosen_defaults, 'log_scaling')).toBe('false');
    expect(c.chosen_defaults).toEqual(chooseDefaults(matrixStats(occurring(checkins)), {}).chosen);
    const r = await describe_({ data_tags: ['ratings'] });
    expect(r.statistics).toMatchObject({ weight_shape: 'ratings-like', weights: { min: 0.5, max: 5 } });
    expect(r.chosen_defaults).toEqual(chooseDefaults(matrixStats(occurring(ratings)), {}).chosen);
  }, 180_000);

  it('DescribeDataset describes the selection: a filter that keeps only weight 1 makes the play counts binary; nothing selected, no statistics', async () => {
    const ones = await describe_({ data_tags: ['plays'], data_filters: { interactions: { max_weight: 1 } } });
    expect(Number(ones.dropped_by_filter)).toBeGreaterThan(0);
    expect(ones.statistics).toMatchObject({ weight_shape: 'binary', weights: { max: 1 } });
    expect(value(ones.chosen_defaults, 'log_scaling')).toBe('false');
    const none = await describe_({ data_tags: ['no-such-tag'] });
    expect(Number(none.pair_count)).toBe(0);
    expect(none.statistics).toBeNull();
    expect(none.chosen_defaults).toEqual([]);
  });

  it('recommender describe prints the statistics and the choice', async () => {
    const r = await runCli(['describe', '--tags', 'plays', '--server', srv.address]);
    expect(r.code, r.stderr).toBe(0);
    const d = await describe_({ data_tags: ['plays'] });
    expect(r.stdout).toContain(`interactions      ${Number(d.interaction_count).toLocaleString('en-US')} (`);
    expect(r.stdout).toMatch(/^weight shape\s+counts$/m);
    expect(r.stdout).toMatch(/^pairs per source\s+mean \d/m);
    expect(r.stdout).toContain('a Train with nothing set would choose:');
    const esc = (t: string) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    for (const c of d.chosen_defaults) expect(r.stdout).toMatch(new RegExp(`^  ${c.name} +${esc(c.value)} +${esc(c.reason)}$`, 'm'));
    const json = await runCli(['describe', '--tags', 'plays', '--json', '--server', srv.address]);
    expect(JSON.parse(json.stdout)).toEqual(JSON.parse(JSON.stringify(d)));
    const ones = await runCli(['describe', '--tags', 'plays', '--filters', '{"interactions":{"max_weight":1}}', '--server', srv.address]);
    expect(ones.stdout).toMatch(/^weight shape\s+binary$/m);
    expect(ones.stdout).toMatch(/^  log_scaling +false +all \d+ weights are 1 \(binary\)/m);
    const bad = await runCli(['describe', '--tags', 'plays', '--max-age-days', '0', '--server', srv.address]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/maximum_interaction_age_days.*\(field maximum_interaction_age_days, --max-age-days\)/);
  }, 60_000);
});

import { status as grpcStatus } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Model__Output } from '../src/gen/recommender/v1/Model.js';
import type { TrainingStatus__Output } from '../src/gen/recommender/v1/TrainingStatus.js';
import type { TrainRequest } from '../src/gen/recommender/v1/TrainRequest.js';
import type { TuningTrial__Output } from '../src/gen/recommender/v1/TuningTrial.js';
import { call, startTestServer, type TestServer } from './helpers/server.js';
import { fieldOf, getStatus, grpcCode, importBatch, randomRows, waitFor, waitTerminal, watchAll } from './helpers/jobs.js';

/** Hyperparameter search in Train (issue 13 items 3-4) over the real gRPC API. */
let srv: TestServer;
const train = (req: TrainRequest) => call<TrainRequest, TrainingStatus__Output>(srv.client.Train.bind(srv.client), req);
const getModel = (model_id: string) => call<object, Model__Output>(srv.client.GetModel.bind(srv.client), { model_id });
const cancel = (req: { job_id?: string }) => call<object, TrainingStatus__Output>(srv.client.CancelTraining.bind(srv.client), req);
const SMALL = { factors: 4, iterations: 4 };
const USERS = 120, ITEMS = 80, PER_USER = 8;

beforeAll(async () => {
  srv = await startTestServer();
  await importBatch(srv, 'INTERACTIONS', randomRows(USERS, ITEMS, PER_USER, 5), ['t']);
});
afterAll(async () => { await srv?.dispose(); });

async function expectInvalid(req: TrainRequest, field: string, message?: RegExp): Promise<void> {
  try { await train(req); } catch (err) {
    expect(grpcCode(err), (err as Error).message).toBe(grpcStatus.INVALID_ARGUMENT);
    expect(fieldOf(err)).toBe(field);
    if (message) expect((err as Error).message).toMatch(message);
    return;
  }
  throw new Error(`expected INVALID_ARGUMENT naming ${field}`);
}

/** The parts of a trials table that a seed determines (not the seconds). */
const table = (trials: TuningTrial__Output[]) => trials.map((t) => ({ trial: t.trial, hp: t.hyperparameters, metric: t.metric, iterations: t.iterations, state: t.state, phase: t.phase }));

describe('Train with tuning', () => {
  it('refuses bad tuning options naming the field', async () => {
    const base = { model_id: 'bad', hyperparameters: SMALL, data_tags: ['t'] };
    await expectInvalid({ ...base, tuning: { search: [{ name: 'alpha', min: 0.1, max: 1 }, { name: 'regularization', min: 10, max: 1 }] } }, 'tuning.search[1].min', /<= max/);
    await expectInvalid({ ...base, tuning: { search: [{ name: 'learning_rate', min: 0, max: 1 }] } }, 'tuning.search[0].name');
    await expectInvalid({ ...base, tuning: { search: [{ name: 'alpha', min: 0, max: 1, log: true }] } }, 'tuning.search[0].min', /log/);
    await expectInvalid({ ...base, tuning: { search: [{ name: 'alpha', min: 1 }] } }, 'tuning.search[0].max');
    await expectInvalid({ ...base, tuning: { search: [{ name: 'unobserved_weight', min: 0.5, max: 2 }] } }, 'tuning.search[0].max');
    await expectInvalid({ ...base, tuning: { search: [{ name: 'alpha', min: 1, max: 2 }, { name: 'alpha', min: 1, max: 3 }] } }, 'tuning.search[1].name');
    await expectInvalid({ ...base, hyperparameters: { iterations: 4 }, tuning: { search: [{ name: 'factors', values: [8, 12.5] }] } }, 'tuning.search[0].values[1]');
    await expectInvalid({ ...base, tuning: { search: [{ name: 'log_scaling', min: 0, max: 1 }] } }, 'tuning.search[0].values');
    // a hyperparameter the call sets is obeyed, not searched
    await expectInvalid({ ...base, tuning: { search: [{ name: 'factors', values: [4, 8] }] } }, 'tuning.search[0].name', /hyperparameters\.factors/);
    await expectInvalid({ ...base, tuning: { max_trials: 0 } }, 'tuning.max_trials');
    await expectInvalid({ ...base, tuning: { time_budget_seconds: 0 } }, 'tuning.time_budget_seconds');
    await expectInvalid({ ...base, tuning: { time_budget_seconds: -5 } }, 'tuning.time_budget_seconds');
    await expectInvalid({ ...base, tuning: { validation_fraction: 1 } }, 'tuning.validation_fraction');
    await expectInvalid({ ...base, tuning: { validation_fraction: 0 } }, 'tuning.validation_fraction');
    await expectInvalid({ ...base, tuning: { metric: 'auc' } }, 'tuning.metric');
    await expectInvalid({ ...base, tuning: { k: 0 } }, 'tuning.k');
    await expectInvalid({ ...base, hyperparameters: { ...SMALL, backend: 'spark' }, tuning: {} }, 'tuning');
    // every hyperparameter of the default space set (log_scaling only counts when true) and no search named
    const all = { ...SMALL, regularization: 1, alpha: 1, log_scaling: true, regularization_exponent: 0, unobserved_weight: 1 };
    await expectInvalid({ ...base, hyperparameters: all, tuning: {} }, 'tuning.search');
  });

  it('searches, shows its progress, retrains the chosen settings on the whole selection, and GetModel returns the trials table', async () => {
    const req: TrainRequest = { model_id: 'tuned', hyperparameters: SMALL, data_tags: ['t'], tuning: { max_trials: 4, seed: 9, validation_fraction: 0.2 } };
    const started = await train(req);
    // 4 trials of 4 iterations halved at 1 and 2: 4 x 1 + 2 x 1 + 1 x 2 = 8, then the final fit's 4
    expect(started.total_iterations).toBe(12);
    const watched = await watchAll(srv.client, { job_id: started.job_id, heartbeat_ms: 100 });
    const done = await waitTerminal(srv.client, started.job_id);
    expect(done.status, done.error).toBe('COMPLETED');
    expect(done.progress).toBe(100);
    expect(done.iteration).toBe(done.total_iterations);
    expect(done.tuning?.trials).toBe(4);
    expect(done.tuning?.metric).toBe('ndcg');
    expect(done.tuning?.best_metric).toBeGreaterThan(0);

    const msgs = watched.messages.filter((m) => !m.heartbeat);
    const phases = msgs.map((m) => m.phase);
    expect(phases).toContain('tuning');
    expect(phases.indexOf('tuning')).toBeLessThan(phases.lastIndexOf('training'));
    const tuning = msgs.filter((m) => m.phase === 'tuning' && m.tuning);
    expect(tuning.length).toBeGreaterThan(0);
    for (const m of tuning) {
      expect(m.tuning!.trials).toBe(4);
      expect(m.tuning!.trial).toBeGreaterThanOrEqual(1);
      expect(m.tuning!.trial).toBeLessThanOrEqual(4);
    }
    expect(tuning.some((m) => m.tuning!.best_metric !== undefined && m.tuning!.best_metric !== null)).toBe(true);
    expect(msgs.some((m) => m.phase === 'tuning' && m.eta_seconds !== undefined && m.eta_seconds !== null)).toBe(true);
    // progress covers the whole job and never goes back
    for (let i = 1; i < msgs.length; i++) expect(msgs[i]!.progress).toBeGreaterThanOrEqual(msgs[i - 1]!.progress);
    const lastTuning = tuning.at(-1)!;
    expect(lastTuning.progress).toBeLessThan(100);

    const m = await getModel('tuned');
    const t = m.tuning!;
    expect(t.metric).toBe('ndcg');
    expect(t.k).toBe(10);
    expect(t.validation_fraction).toBe(0.2);
    expect(t.budget_exhausted).toBe(false);
    expect(t.trials.map((x) => x.trial)).toEqual([1, 2, 3, 4]);
    expect(t.trials.map((x) => x.iterations).sort()).toEqual([1, 1, 2, 4]);
    expect(t.trials.map((x) => x.state).sort()).toEqual(['completed', 'stopped', 'stopped', 'stopped']);
    expect(t.trials.map((x) => x.phase)).toEqual(['global', 'global', 'global', 'global']); // 2 brackets or fewer: no local phase
    for (const x of t.trials) {
      expect(x.metric).toBeGreaterThanOrEqual(0);
      expect(x.hyperparameters?.factors).toBe(4);
      expect(x.hyperparameters?.iterations).toBe(4);
    }
    // trial 1 is the job's own settings: the data-aware defaults the job chose (GetModel chosen), else the engine's
    const own = (name: string, engine: number) => Number(m.chosen.find((c) => c.name === name)?.value ?? engine);
    expect(t.trials[0]!.hyperparameters?.regularization).toBeCloseTo(own('regularization', 30), 3);
    expect(t.trials[0]!.hyperparameters?.alpha).toBeCloseTo(own('alpha', 1), 3);
    const best = t.trials.find((x) => x.state === 'completed')!;
    expect(t.best_trial).toBe(best.trial);
    expect(t.chosen).toEqual(best.hyperparameters);
    // the served model is the chosen settings retrained on the whole selection
    expect(m.hyperparameters?.regularization).toBe(t.chosen?.regularization);
    expect(m.hyperparameters?.alpha).toBe(t.chosen?.alpha);
    expect(m.hyperparameters?.log_scaling).toBe(t.chosen?.log_scaling);
    expect(m.hyperparameters?.unobserved_weight).toBe(t.chosen?.unobserved_weight);
    expect(m.hyperparameters?.regularization_exponent).toBe(t.chosen?.regularization_exponent);
    expect(Number(m.source_count)).toBe(USERS);
    expect(Number(m.latest_job?.data?.pairs)).toBe(Number(done.data?.pairs));
    expect(m.loss_curve.length).toBe(4);

    // Determinism: the same request again gives the same trials table and chosen settings.
    const again = await train({ ...req, model_id: 'tuned-again' });
    expect((await waitTerminal(srv.client, again.job_id)).status).toBe('COMPLETED');
    const t2 = (await getModel('tuned-again')).tuning!;
    expect(table(t2.trials)).toEqual(table(t.trials));
    expect(t2.chosen).toEqual(t.chosen);
    expect(t2.best_trial).toBe(t.best_trial);
    // Another seed draws other trials.
    const other = await train({ ...req, model_id: 'tuned-other', tuning: { ...req.tuning, seed: 10 } });
    expect((await waitTerminal(srv.client, other.job_id)).status).toBe('COMPLETED');
    expect(table((await getModel('tuned-other')).tuning!.trials).slice(1)).not.toEqual(table(t.trials).slice(1));
  });

  it('a search of more than 2 brackets: the local phase after 16 global trials, each trial\'s phase in the table, deterministic', async () => {
    const req: TrainRequest = { model_id: 'tuned-local', hyperparameters: SMALL, data_tags: ['t'], tuning: { max_trials: 24, seed: 3, validation_fraction: 0.2 } };
    const s = await train(req);
    const done = await waitTerminal(srv.client, s.job_id, 120_000);
    expect(done.status, done.error).toBe('COMPLETED');
    const t = (await getModel('tuned-local')).tuning!;
    expect(t.budget_exhausted).toBe(false);
    const phases = t.trials.map((x) => x.phase);
    expect(phases.slice(0, 16)).toEqual(Array(16).fill('global'));
    expect(phases.length).toBeGreaterThan(16);
    expect(phases.length).toBeLessThanOrEqual(24);
    expect(phases.slice(16).every((p) => p === 'local')).toBe(true);
    expect(t.trials.map((x) => x.trial)).toEqual(phases.map((_, i) => i + 1));
    expect(t.trials.find((x) => x.trial === t.best_trial)?.hyperparameters).toEqual(t.chosen);
    const again = await train({ ...req, model_id: 'tuned-local-again' });
    expect((await waitTerminal(srv.client, again.job_id, 120_000)).status).toBe('COMPLETED');
    const t2 = (await getModel('tuned-local-again')).tuning!;
    expect(table(t2.trials)).toEqual(table(t.trials));
    expect(t2.chosen).toEqual(t.chosen);
  });

  it('with evaluation and an explicit search: the evaluation is reported and the space is the one asked for', async () => {
    const s = await train({
      model_id: 'tuned-eval', hyperparameters: SMALL, data_tags: ['t'], evaluation: { holdout_fraction: 0.2, seed: 3 },
      tuning: { max_trials: 3, metric: 'recall', k: 5, search: [{ name: 'alpha', values: [0.5, 2, 8] }, { name: 'regularization', min: 0.1, max: 100, log: true }] },
    });
    const done = await waitTerminal(srv.client, s.job_id);
    expect(done.status, done.error).toBe('COMPLETED');
    expect(done.evaluation?.model?.recall_at_k).toBeGreaterThanOrEqual(0);
    const t = (await getModel('tuned-eval')).tuning!;
    expect(t.metric).toBe('recall');
    expect(t.k).toBe(5);
    expect(t.trials.length).toBe(3);
    for (const x of t.trials) {
      expect([0.5, 2, 8]).toContain(x.hyperparameters?.alpha);
      expect(x.hyperparameters?.log_scaling).toBe(false);
    }
  });

  it('respects the time budget (budget_exhausted) and max_trials', async () => {
    const s = await train({ model_id: 'budget', hyperparameters: { factors: 4, iterations: 120 }, data_tags: ['t'], tuning: { max_trials: 200, time_budget_seconds: 1 } });
    const done = await waitTerminal(srv.client, s.job_id, 120_000);
    expect(done.status, done.error).toBe('COMPLETED');
    const t = (await getModel('budget')).tuning!;
    expect(t.budget_exhausted).toBe(true);
    expect(t.trials.length).toBeLessThan(200);
    expect(done.progress).toBe(100);
    expect(done.iteration).toBe(done.total_iterations);
  });

  it('CancelTraining stops the search: the job is CANCELLED and the previous model still serves', async () => {
    const first = await train({ model_id: 'cancel-tune', hyperparameters: SMALL, data_tags: ['t'] });
    expect((await waitTerminal(srv.client, first.job_id)).status).toBe('COMPLETED');
    const s = await train({ model_id: 'cancel-tune', hyperparameters: { factors: 4, iterations: 1000 }, data_tags: ['t'], tuning: { max_trials: 8 } });
    await waitFor(async () => {
      const st = await getStatus(srv.client, { job_id: s.job_id });
      return st.phase === 'tuning' && (st.tuning?.trial ?? 0) >= 1 && st.iteration >= 1;
    }, 60_000, 'the search running');
    await cancel({ job_id: s.job_id });
    const done = await waitTerminal(srv.client, s.job_id, 15_000);
    expect(done.status).toBe('CANCELLED');
    const m = await getModel('cancel-tune');
    expect(m.serving).toBe(true);
    expect(m.job_id).toBe(first.job_id);
    expect(m.tuning).toBeNull();
  });
});

import { describe, expect, it } from 'vitest';
import { compileAlsOptions } from '../src/engine/options.js';
import { trainAls } from '../src/engine/trainer.js';
import type { CsrMatrix } from '../src/engine/types.js';
import { splitHoldout } from '../src/service/evaluation/split.js';
import { plannedSearchIterations, rungIterations, survivorsAt } from '../src/service/tuning/halving.js';
import { MAX_SOBOL_DIMS, sobolPoints } from '../src/service/tuning/sampler.js';
import { GLOBAL_TIME_SHARE, globalTrials, KEEP_OWN_MARGIN, LOCAL_RADIUS, runSearch } from '../src/service/tuning/search.js';
import { compileSearchSpace, meanRowScale, neighbourOptions, trialOptions, valuesOf } from '../src/service/tuning/search-space.js';
import { compileTuning, defaultMaxTrials } from '../src/service/tuning/tuning-params.js';
import { LocalValidation } from '../src/service/tuning/validation-worker.js';
import { splitValidation, tuningSplit } from '../src/service/tuning/validation-split.js';
import { generate } from '../bench/datasets/synthetic-csr.js';

/** The (row, col) pairs of a matrix as "r:c" strings. */
function pairs(m: CsrMatrix): string[] {
  const out: string[] = [];
  for (let r = 0; r < m.rows; r++) for (let e = m.indptr[r]!; e < m.indptr[r + 1]!; e++) out.push(`${r}:${m.indices[e]}`);
  return out;
}
const rowLength = (m: CsrMatrix, r: number) => m.indptr[r + 1]! - m.indptr[r]!;

const data = generate({ users: 400, items: 300, nnz: 8000, seed: 3 });

describe('validation split (issue 13 item 4)', () => {
  it('splitValidation: per source, about the fraction, never a whole row, seeded, a partition of the input', () => {
    const a = splitValidation(data, 0.2, 7);
    const b = splitValidation(data, 0.2, 7);
    expect(pairs(a.validation)).toEqual(pairs(b.validation));
    expect(pairs(splitValidation(data, 0.2, 8).validation)).not.toEqual(pairs(a.validation));
    const all = pairs(data), tr = pairs(a.train), va = pairs(a.validation);
    expect(new Set([...tr, ...va]).size).toBe(all.length);
    expect(tr.length + va.length).toBe(all.length);
    expect(va.length / all.length).toBeGreaterThan(0.17);
    expect(va.length / all.length).toBeLessThan(0.23);
    for (let r = 0; r < data.rows; r++) {
      const n = rowLength(data, r), v = rowLength(a.validation, r);
      if (n > 0) expect(rowLength(a.train, r)).toBeGreaterThan(0);
      // stratified: floor or ceil of f * n_u (capped at n_u - 1)
      expect(v).toBeGreaterThanOrEqual(Math.min(n - 1, Math.floor(0.2 * n)));
      expect(v).toBeLessThanOrEqual(Math.max(0, Math.min(n - 1, Math.ceil(0.2 * n))));
    }
    // weights travel with their pairs
    expect(a.train.data.reduce((s, x) => s + x, 0) + a.validation.data.reduce((s, x) => s + x, 0)).toBeCloseTo(data.data.reduce((s, x) => s + x, 0), 3);
  });

  it('at most maxSources sources give validation pairs (a seeded sample)', () => {
    const s = splitValidation(data, 0.5, 1, 50);
    let sources = 0;
    for (let r = 0; r < data.rows; r++) if (rowLength(s.validation, r) > 0) sources++;
    expect(sources).toBeLessThanOrEqual(50);
    expect(sources).toBeGreaterThan(40);
  });

  it('with evaluation: its test pairs are exactly the evaluate step\'s, and no validation pair is a test pair', () => {
    const evaluation = { holdoutFraction: 0.2, seed: 42 };
    const s = tuningSplit(data, { evaluation, validationFraction: 0.25, seed: 42 });
    const evalSplit = splitHoldout(data, evaluation.holdoutFraction, evaluation.seed);
    expect(pairs(s.test!)).toEqual(pairs(evalSplit.test));
    const test = new Set(pairs(evalSplit.test));
    const va = pairs(s.validation), tr = pairs(s.train);
    expect(va.length).toBeGreaterThan(0);
    expect(va.filter((p) => test.has(p))).toEqual([]);
    expect(tr.filter((p) => test.has(p))).toEqual([]);
    // the three parts are the whole selection
    expect(new Set([...tr, ...va, ...test]).size).toBe(pairs(data).length);
    expect(tr.length + va.length + test.size).toBe(pairs(data).length);
    // same seed for validation and evaluation: still disjoint (the validation is drawn from what the test left)
    const same = tuningSplit(data, { evaluation, validationFraction: 0.2, seed: 42 });
    expect(pairs(same.validation).filter((p) => test.has(p))).toEqual([]);
  });
});

describe('sampler, halving, search space', () => {
  it('Sobol: the known first points, seeded shift in [0, 1), deterministic, every coordinate stratified', () => {
    // with the shift XORed away (point 0 is the shift itself): dimension 1 is van der Corput's, dimension 2 Sobol's 0, 1/2, 3/4, 1/4
    const a = sobolPoints(16, MAX_SOBOL_DIMS, 42);
    const b = sobolPoints(16, MAX_SOBOL_DIMS, 42);
    expect(b).toEqual(a);
    expect(sobolPoints(16, MAX_SOBOL_DIMS, 43)).not.toEqual(a);
    for (const p of a) for (const u of p) { expect(u).toBeGreaterThanOrEqual(0); expect(u).toBeLessThan(1); }
    const unshift = (d: number) => a.map((p) => (((p[d]! * 2 ** 32) ^ (a[0]![d]! * 2 ** 32)) >>> 0) / 2 ** 32);
    expect(unshift(0).slice(0, 4)).toEqual([0, 0.5, 0.25, 0.75]);
    expect(unshift(1).slice(0, 4)).toEqual([0, 0.5, 0.75, 0.25]);
    // a digital net: each coordinate of the 16 points lies once in each sixteenth of [0, 1)
    for (let d = 0; d < MAX_SOBOL_DIMS; d++) expect(new Set(a.map((p) => Math.floor(p[d]! * 16))).size).toBe(16);
  });

  it('successive halving: checkpoints at R/4 and R/2, the better half goes on', () => {
    expect(rungIterations(15, 16)).toEqual([4, 8, 15]);
    expect(rungIterations(15, 3)).toEqual([8, 15]);
    expect(rungIterations(15, 1)).toEqual([15]);
    expect(rungIterations(2, 16)).toEqual([1, 2]);
    expect([0, 1, 2].map((j) => survivorsAt(16, j))).toEqual([16, 8, 4]);
    expect(plannedSearchIterations(16, 15, true)).toBe(16 * 4 + 8 * 4 + 4 * 7);
    expect(plannedSearchIterations(16, 15, false)).toBe(16 * 4 + 8 * 8 + 4 * 15);
  });

  it('a trial\'s regularization is the lambda of a mean row at its exponent', () => {
    const base = compileAlsOptions({ factors: 4 });
    const dims = compileSearchSpace([{ name: 'regularization', min: 10, max: 10, log: false, values: [] }, { name: 'regularization_exponent', min: 1, max: 1, log: false, values: [] }] as never, {});
    const shape = { rows: 100, cols: 50, nonzeros: 1000 };
    const o = trialOptions(base, dims, [0.5, 0.5], shape);
    expect(o.regularizationExponent).toBe(1);
    expect(o.regularization * meanRowScale(o, shape)).toBeCloseTo(10, 9);
    expect(meanRowScale({ ...o, regularizationExponent: 0 }, shape)).toBe(1);
  });

  it('a neighbour moves each dimension by at most the radius around the center, within the range; log_scaling flips with probability radius', () => {
    const base = compileAlsOptions({ factors: 4, regularization: 30, alpha: 4, logScaling: true });
    const dims = compileSearchSpace([], {});
    const shape = { rows: 100, cols: 50, nonzeros: 1000 };
    const r = 0.25;
    const points = sobolPoints(64, dims.length, 3);
    const c = valuesOf(base, dims, shape);
    let flips = 0;
    for (const u of points) {
      const o = neighbourOptions(base, dims, u, r, shape);
      expect(neighbourOptions(base, dims, u, r, shape)).toEqual(o);
      const v = valuesOf(o, dims, shape);
      dims.forEach((d, i) => {
        if (d.values) return;
        expect(v[i]).toBeGreaterThanOrEqual(d.min * (1 - 1e-12));
        expect(v[i]).toBeLessThanOrEqual(d.max * (1 + 1e-12));
        // within the radius: multiplicative in a log range, additive in a linear one
        const step = d.log ? Math.abs(Math.log(v[i]! / Math.min(d.max, Math.max(d.min, c[i]!)))) / Math.log(d.max / d.min) : Math.abs(v[i]! - c[i]!) / (d.max - d.min);
        expect(step).toBeLessThanOrEqual(r + 1e-9);
      });
      if (o.logScaling !== base.logScaling) flips++;
    }
    // a Sobol coordinate is stratified: |2u - 1| > 1 - r for a share r of the points
    expect(flips).toBe(64 * r);
    // regularization moves as the lambda of a mean row: trial regularization x scale = the moved value
    const o = neighbourOptions(base, dims, points[5]!, r, shape);
    expect(o.regularization * meanRowScale(o, shape)).toBeCloseTo(valuesOf(o, dims, shape)[0]!, 9);
  });

  it('the default max_trials grows with the time budget; a search of more than 2 brackets gives half its trials to the local phase', () => {
    expect(defaultMaxTrials(10)).toBe(16);
    expect(defaultMaxTrials(300)).toBe(100);
    expect(defaultMaxTrials(7 * 86400)).toBe(1000);
    expect(compileTuning({ time_budget_seconds: 600, metric: '', search: [] }, {}, 'wasm')!.maxTrials).toBe(200);
    expect(compileTuning({ time_budget_seconds: 600, max_trials: 7, metric: '', search: [] }, {}, 'wasm')!.maxTrials).toBe(7);
    expect([6, 16, 17, 24, 32, 100].map(globalTrials)).toEqual([6, 16, 16, 16, 16, 56]);
  });

  it('the default space leaves out what the call set', () => {
    const dims = compileSearchSpace([], { alpha: 2 }).map((d) => d.name);
    expect(dims).toEqual(['regularization', 'log_scaling', 'regularization_exponent', 'unobserved_weight']);
  });
});

describe('runSearch (in-process trainer, local validation)', () => {
  const small = generate({ users: 150, items: 100, nnz: 2000, seed: 4 });
  const base = compileAlsOptions({ factors: 4, iterations: 4, backend: 'wasm', workers: 1 });
  const fit = (m: CsrMatrix, o: typeof base, hooks: object, initial?: { sourceFactors: Float32Array; targetFactors: Float32Array }) => trainAls(m, o, hooks, {}, initial);
  const tuning = compileTuning({ max_trials: 6, time_budget_seconds: 600, metric: 'ndcg', k: 10, validation_fraction: 0.2, seed: 5, search: [] }, {}, 'wasm')!;

  it('a warm start from a checkpoint continues the same sweeps (the halving\'s continuation costs no extra iterations)', async () => {
    const straight = await trainAls(small, { ...base, iterations: 4 });
    const half = await trainAls(small, { ...base, iterations: 2 });
    const resumed = await trainAls(small, { ...base, iterations: 2 }, {}, {}, { sourceFactors: half.sourceFactors, targetFactors: half.targetFactors });
    // The same sweeps up to float32 rounding (the first Gram of a run is computed apart from the sweeps' own).
    const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i]!)), 0);
    expect(maxDiff(resumed.sourceFactors, straight.sourceFactors)).toBeLessThan(1e-4);
    expect(maxDiff(resumed.targetFactors, straight.targetFactors)).toBeLessThan(1e-4);
    expect(resumed.lossCurve.at(-1)).toBeCloseTo(straight.lossCurve.at(-1)!, 6);
  });

  it('halves, keeps the table, is deterministic for a seed, and chooses the best trial at the deepest checkpoint', async () => {
    const run = () => runSearch(small, base, tuning, {}, { fit, validation: new LocalValidation() });
    const a = await run();
    const b = await run();
    expect(b.trials).toEqual(a.trials.map((x) => ({ ...x, seconds: b.trials[x.trial - 1]!.seconds })));
    expect(b.chosen).toEqual(a.chosen);
    expect(a.trials.length).toBe(6);
    expect(a.trials[0]!.hyperparameters).toEqual(base); // trial 1: the job's own settings
    // 6 trials at 1 iteration, 3 at 2, 2 at 4
    expect(a.trials.map((x) => x.iterations).sort()).toEqual([1, 1, 1, 2, 4, 4]);
    expect(a.trials.filter((x) => x.state === 'completed').length).toBe(2);
    expect(a.trials.filter((x) => x.state === 'stopped').length).toBe(4);
    const completed = a.trials.filter((x) => x.state === 'completed');
    const top = completed.reduce((p, x) => (x.metric > p.metric ? x : p));
    // the job's own settings (trial 1) stay unless the top trial beats them by more than KEEP_OWN_MARGIN
    const own = completed.find((x) => x.trial === 1);
    const best = own && top.metric <= own.metric * (1 + KEEP_OWN_MARGIN) ? own : top;
    expect(a.bestTrial).toBe(best.trial);
    expect(a.chosen).toEqual(best.hyperparameters);
    expect(a.budgetExhausted).toBe(false);
    expect(a.split.validationPairs).toBeGreaterThan(0);
  });

  it('local phase: neighbours of the leader after the global trials, deterministic for a seed, each trial\'s phase in the table', async () => {
    const t = { ...tuning, maxTrials: 32 };
    const run = () => runSearch(small, base, t, {}, { fit, validation: new LocalValidation() });
    const a = await run();
    const b = await run();
    expect(b.trials).toEqual(a.trials.map((x) => ({ ...x, seconds: b.trials[x.trial - 1]!.seconds })));
    expect(b.chosen).toEqual(a.chosen);
    expect(a.budgetExhausted).toBe(false);
    expect(a.trials.map((x) => x.trial)).toEqual(a.trials.map((_, i) => i + 1));
    const global = a.trials.filter((x) => x.phase === 'global'), local = a.trials.filter((x) => x.phase === 'local');
    expect(global.map((x) => x.trial)).toEqual(Array.from({ length: globalTrials(32) }, (_, i) => i + 1));
    expect(local.length).toBeGreaterThan(0);
    expect(global.length + local.length).toBe(a.trials.length);
    expect(a.trials.length).toBeLessThanOrEqual(32);
    // no settings run twice
    expect(new Set(a.trials.map((x) => JSON.stringify(x.hyperparameters))).size).toBe(a.trials.length);
    // every local trial is within the first radius of an earlier completed trial (the leader of its round)
    const shape = { rows: small.rows, cols: small.cols, nonzeros: a.split.trainPairs };
    const dims = t.search;
    for (const x of local) {
      const v = valuesOf(x.hyperparameters, dims, shape);
      const near = a.trials.filter((y) => y.trial < x.trial && y.state === 'completed').some((y) => {
        const c = valuesOf(y.hyperparameters, dims, shape);
        return dims.every((d, i) => d.values || (d.log ? Math.abs(Math.log(v[i]! / Math.min(d.max, Math.max(d.min, c[i]!)))) / Math.log(d.max / d.min) : Math.abs(v[i]! - c[i]!) / (d.max - d.min)) <= LOCAL_RADIUS + 1e-9);
      });
      expect(near, `trial ${x.trial}`).toBe(true);
    }
    // the choice rule covers the local trials too
    const completed = a.trials.filter((x) => x.state === 'completed');
    const top = completed.reduce((p, x) => (x.metric > p.metric ? x : p));
    const own = completed.find((x) => x.trial === 1);
    expect(a.bestTrial).toBe(own && top.metric <= own.metric * (1 + KEEP_OWN_MARGIN) ? own.trial : top.trial);
  });

  it('with a local phase planned, the global phase starts no bracket after its share of the time budget, and the search stops within it', async () => {
    // 1,000 trials (504 global) cannot all run in 6 s: the clock cuts the global phase, the local one gets the rest
    const t = { ...tuning, maxTrials: 1000, timeBudgetSeconds: 6 };
    const slow = await runSearch(small, { ...base, iterations: 12 }, t, {}, { fit, validation: new LocalValidation() });
    const global = slow.trials.filter((x) => x.phase === 'global');
    expect(global.length).toBeLessThan(globalTrials(1000));
    expect(global.length % 8).toBe(0); // whole brackets
    // the last global bracket started before the share of the budget: the trials before it took less
    const before = global.slice(0, -8).reduce((sum, x) => sum + x.seconds, 0);
    expect(before).toBeLessThan(GLOBAL_TIME_SHARE * t.timeBudgetSeconds);
    // the local phase got the rest (unless the clock ran out within the last global bracket, on a loaded machine)
    const local = slow.trials.filter((x) => x.phase === 'local');
    if (local.length === 0) expect(slow.budgetExhausted).toBe(true);
    expect(global.length + local.length).toBe(slow.trials.length);
    // the search ended by the clock (a step in flight cancelled) or by the local phase converging, never past its trials
    expect(slow.trials.length).toBeLessThan(1000);
    expect(slow.trials.filter((x) => x.state === 'cancelled').length).toBeLessThanOrEqual(1);
    expect(slow.seconds).toBeLessThan(t.timeBudgetSeconds + 60); // generous: a step in flight at the deadline is stopped
  });

  it('a spent time budget ends the search (budget_exhausted) and keeps the job\'s settings when nothing was scored', async () => {
    const t = { ...tuning, timeBudgetSeconds: 0 };
    const r = await runSearch(small, base, t, {}, { fit, validation: new LocalValidation() });
    expect(r.budgetExhausted).toBe(true);
    expect(r.trials.length).toBeLessThan(6);
    expect(r.bestTrial).toBe(0);
    expect(r.chosen).toEqual(base);
  });
});

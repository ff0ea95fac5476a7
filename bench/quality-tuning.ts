/**
 * The `tuning` column of the quality benchmark (issue 13): on the same seeded 80/20 per-interaction split
 * as bench/quality.ts, the hyperparameter search of a Train call with `tuning` (src/service/tuning/search.ts,
 * the same code the tune step runs: validation carved per source out of the training part, Sobol trials,
 * successive halving, time budget) with a --budget seconds budget, then the chosen settings retrained on
 * the whole training part and ranked on the test part, beside the fixed old defaults (reg 30, alpha 1, no
 * log scaling: the search's trial 1 here; in the service trial 1 is whatever the defaults step chose).
 * Factors 64, 15 iterations, native-cpu, 3 CG steps throughout, as bench/quality.ts. Every test source is
 * ranked. Reports the search's wall time, trials started / scored at each checkpoint, and whether the
 * budget ended it.
 *
 * Usage: npx tsx bench/quality-tuning.ts [--datasets ml-latest-small,play-counts,check-ins] [--budget 300]
 *          [--trials N (default: the service's, one per 3 s of --budget)] [--seed 42] [--tune-seed 42] [--factors 64,128,256] [--json FILE] [--data ratings.csv]
 *          [--eval-users 2000] [--base data-aware|old]
 * The search's trial 1 is the data-aware defaults of the training part, as in a Train call (--base old: the
 * fixed old defaults); the test sources ranked are bench/quality.ts's seeded sample (--eval-users).
 * --factors: search factors over these values too, beside the default space (tuning.search = the default
 * space's five ranges + factors), instead of the default space alone at 64 factors.
 */
import { writeFileSync } from 'node:fs';
import { compileAlsOptions, type AlsOptions, type CompiledAlsOptions } from '../src/engine/options.js';
import { trainAls } from '../src/engine/trainer.js';
import type { CsrMatrix } from '../src/engine/types.js';
import { evaluateRanking, splitHoldout, type RankingMetrics } from '../src/service/evaluation/evaluate.js';
import { runSearch, type TuningSummary } from '../src/service/tuning/search.js';
import { DEFAULT_SEARCH } from '../src/service/tuning/search-space.js';
import type { SearchRange__Output } from '../src/gen/recommender/v1/SearchRange.js';
import { compileTuning } from '../src/service/tuning/tuning-params.js';
import { LocalValidation } from '../src/service/tuning/validation-worker.js';
import { chooseDefaults } from '../src/engine/defaults.js';
import { matrixStats } from '../src/engine/matrix-stats.js';
import { sampleTest } from './datasets/sample-test.js';
import { COMMON, OLD_DEFAULTS, QUALITY_DATASETS } from './quality.js';

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : dflt;
}

const TUNED_OLD_DEFAULTS: AlsOptions = { ...COMMON, ...OLD_DEFAULTS };

export interface TunedRow {
  metrics: RankingMetrics;
  summary: TuningSummary;
  /** Search, final fit (wall s). */
  searchSeconds: number;
  fitSeconds: number;
}

/**
 * The tuning row on one split: the search on `train` (a Train call's tune step with its evaluation's test
 * pairs carved out first sees exactly this), the chosen settings fitted on all of `train`, ranked on `test`.
 */
export async function tunedRow(train: CsrMatrix, test: CsrMatrix, base: CompiledAlsOptions, o: { budgetSeconds: number; trials?: number; seed: number; search?: SearchRange__Output[]; log?: (line: string) => void }): Promise<TunedRow> {
  const t = compileTuning({ ...(o.trials ? { max_trials: o.trials } : {}), time_budget_seconds: o.budgetSeconds, metric: 'ndcg', k: 10, validation_fraction: 0.1, seed: o.seed, search: o.search ?? [] }, {}, base.backend)!;
  const t0 = performance.now();
  const summary = await runSearch(train, base, t, {}, {
    fit: (m, opts, hooks, initial) => trainAls(m, opts, hooks, {}, initial),
    validation: new LocalValidation(),
    log: (msg, f) => o.log?.(`    ${msg} ${JSON.stringify(f)}`),
  });
  const searchSeconds = (performance.now() - t0) / 1000;
  const t1 = performance.now();
  const r = await trainAls(train, summary.chosen);
  const fitSeconds = (performance.now() - t1) / 1000;
  return { metrics: evaluateRanking({ ...r, train, test, k: 10 }), summary, searchSeconds, fitSeconds };
}

export function settingsOf(c: CompiledAlsOptions): string {
  const nu = c.regularizationExponent ? `, nu ${+c.regularizationExponent.toPrecision(3)}` : '';
  const a0 = c.unobservedWeight !== 1 ? `, alpha0 ${+c.unobservedWeight.toPrecision(3)}` : '';
  return `${c.factors !== 64 ? `factors ${c.factors}, ` : ''}reg ${+c.regularization.toPrecision(3)}, alpha ${+c.alpha.toPrecision(3)}, log ${c.logScaling ? `eps ${+c.logEpsilon.toPrecision(3)}` : 'no'}${nu}${a0}`;
}

/** "16 started; scored 16 at 4 it, 8 at 8, 4 at 15" */
export function searchProgress(s: TuningSummary): string {
  const at = new Map<number, number>();
  for (const x of s.trials) {
    const its = [...new Set([Math.ceil(x.hyperparameters.iterations / 4), Math.ceil(x.hyperparameters.iterations / 2), x.hyperparameters.iterations])].filter((i) => i <= x.iterations);
    for (const i of its) at.set(i, (at.get(i) ?? 0) + 1);
  }
  const levels = [...at.entries()].sort((a, b) => a[0] - b[0]).map(([i, n]) => `${n} at ${i} it`).join(', ');
  return `${s.trials.length} trials started; scored ${levels || 'none'}${s.budgetExhausted ? '; budget spent' : ''}`;
}

async function main() {
  const seed = Number(arg('seed', '42'));
  const budgetSeconds = Number(arg('budget', '300'));
  const trials = arg('trials', '') ? Number(arg('trials', '')) : undefined;
  const tuneSeed = Number(arg('tune-seed', '42'));
  const out: Record<string, unknown> = { date: new Date().toISOString(), seed, budgetSeconds, trials, tuneSeed, datasets: {} };
  const fmt = (x: number) => x.toFixed(4);
  for (const name of arg('datasets', 'ml-latest-small,play-counts,check-ins').split(',').filter(Boolean)) {
    const make = QUALITY_DATASETS[name];
    if (!make) throw new Error(`unknown dataset ${name} (one of ${Object.keys(QUALITY_DATASETS).join(', ')})`);
    const m = make();
    const split = splitHoldout(m, 0.2, seed);
    const train = split.train;
    // The same seeded sample of test sources as bench/quality.ts (--eval-users), so the rows compare with its grid.
    const test = sampleTest(split.test, Number(arg('eval-users', '2000')), seed);
    console.log(`\n## ${name}: ${m.rows} sources, ${m.cols} targets, ${m.indptr[m.rows]} pairs; split seed ${seed}, holdout 0.2, k 10; tuning budget ${budgetSeconds} s, ${trials ?? 'default'} trials, seed ${tuneSeed}`);
    console.log('| row | settings | NDCG@10 | P@10 | wall s | search |\n|---|---|---|---|---|---|');
    const old = compileAlsOptions(TUNED_OLD_DEFAULTS);
    const t0 = performance.now();
    const r0 = await trainAls(train, old);
    const oldSeconds = (performance.now() - t0) / 1000;
    const oldMetrics = evaluateRanking({ ...r0, train, test, k: 10 });
    console.log(`| old fixed defaults | ${settingsOf(old)} | ${fmt(oldMetrics.ndcg_at_k)} | ${fmt(oldMetrics.precision_at_k)} | ${oldSeconds.toFixed(1)} | - |`);
    // The search starts where a Train call's does: trial 1 = the data-aware defaults (of the dataset, as bench/quality.ts's row)
    // (--base old: the fixed old defaults instead).
    const base = arg('base', 'data-aware') === 'old' ? old : compileAlsOptions(chooseDefaults(matrixStats(m), COMMON).options);
    if (base !== old) console.log(`| data-aware defaults (trial 1) | ${settingsOf(base)} | | | | - |`);
    const factors = arg('factors', '').split(',').filter(Boolean).map(Number);
    // With --factors: the default space's ranges and factors (an explicit search: all trials from the sequence).
    const search = factors.length ? [...DEFAULT_SEARCH.map((d) => ({ name: d.name, min: d.values ? null : d.min, max: d.values ? null : d.max, log: d.log, values: d.values ?? [] }) as unknown as SearchRange__Output), { name: 'factors', values: factors, log: false } as unknown as SearchRange__Output] : undefined;
    const tuned = await tunedRow(train, test, base, { budgetSeconds, trials, seed: tuneSeed, search, log: (l) => console.error(l) });
    const s = tuned.summary;
    console.log(`| tuning (${budgetSeconds} s budget${factors.length ? `, factors ${factors.join('/')} searched too` : ''}) | ${settingsOf(s.chosen)} (trial ${s.bestTrial}) | ${fmt(tuned.metrics.ndcg_at_k)} | ${fmt(tuned.metrics.precision_at_k)} | ${tuned.searchSeconds.toFixed(0)} + ${tuned.fitSeconds.toFixed(1)} | ${searchProgress(s)} |`);
    console.log(`tuned / old defaults NDCG@10 ${(tuned.metrics.ndcg_at_k / oldMetrics.ndcg_at_k).toFixed(3)}x, P@10 ${(tuned.metrics.precision_at_k / oldMetrics.precision_at_k).toFixed(3)}x`);
    for (const x of s.trials) console.log(`    trial ${x.trial} ${x.phase ?? 'global'} ${x.state} ${x.iterations} it validation ndcg ${fmt(x.metric)} ${x.seconds.toFixed(1)} s: ${settingsOf(x.hyperparameters)}`);
    (out.datasets as Record<string, unknown>)[name] = {
      old: { ndcg: oldMetrics.ndcg_at_k, p10: oldMetrics.precision_at_k, s: oldSeconds },
      tuned: { ndcg: tuned.metrics.ndcg_at_k, p10: tuned.metrics.precision_at_k, searchSeconds: tuned.searchSeconds, fitSeconds: tuned.fitSeconds, chosen: s.chosen, bestTrial: s.bestTrial, budgetExhausted: s.budgetExhausted, trials: s.trials },
    };
  }
  const json = arg('json', '');
  if (json) writeFileSync(json, JSON.stringify(out, null, 2));
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) await main();

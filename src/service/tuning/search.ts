/**
 * One hyperparameter search (TrainRequest.tuning): the validation split (validation-split.ts), the trials'
 * settings (trial 1 the job's own settings, each searched hyperparameter moved into its range, then the
 * seeded Sobol points of sampler.ts mapped by search-space.ts), successive halving on iterations in
 * brackets of 8 trials (halving.ts), within the trials and the time budget. Returns the trials table and the chosen settings; the caller retrains them
 * on the whole selection.
 *
 * Budget: a trial step (training a trial to its next checkpoint, then scoring it) starts only while the
 * time budget lasts; a step still training or scoring when it ends is stopped (the trial is "cancelled" at
 * its last checkpoint). The search is deterministic for a seed (same trials table and chosen settings on the same
 * backend) when the trials, not the clock, end it.
 *
 * Choice: of the trials trained furthest (the largest share of their own iterations: completed ones
 * first), the best validation metric (ties: the lower trial number), never one whose fit failed; but the
 * job's own settings (trial 1) unless that best beats them by more than KEEP_OWN_MARGIN (relative), and
 * the job's own settings when no trial could be scored.
 */
import type { FactorPair } from '../../engine/als-driver.js';
import type { CompiledAlsOptions } from '../../engine/options.js';
import type { AlsResult, CsrMatrix, TrainHooks } from '../../engine/types.js';
import { CancelledError, errorMessage } from '../../errors.js';
import type { RankingMetrics } from '../evaluation/metrics.js';
import { bracketSizes, plannedSearchIterations, rungIterations } from './halving.js';
import { sobolPoints } from './sampler.js';
import { projectInto, trialOptions } from './search-space.js';
import type { SplitCounts } from './tuning-protocol.js';
import type { TuningMetric, TuningParams } from './tuning-params.js';
import type { Validation } from './validation-worker.js';

/** Factors of all trials kept in memory at most (bytes); beyond, a trial's next step trains from the seeded start again. */
export const MAX_KEPT_FACTOR_BYTES = 512 * 1024 * 1024;

export type TrialState = 'completed' | 'stopped' | 'cancelled' | 'error';

/** One row of the trials table (proto TuningTrial). */
export interface TrialRecord {
  /** 1-based. */
  trial: number;
  hyperparameters: CompiledAlsOptions;
  /** The validation metric at the trial's last checkpoint (0 when none was reached). */
  metric: number;
  /** Iterations trained to that checkpoint. */
  iterations: number;
  state: TrialState;
  seconds: number;
  error?: string;
}

/** A search's outcome, as the model's metadata stores it (data/trained-model.ts ModelMeta.tuning). */
export interface TuningSummary {
  metric: TuningMetric;
  k: number;
  validationFraction: number;
  seed: number;
  trials: TrialRecord[];
  /** 0 when no trial was scored (the job's own settings were kept). */
  bestTrial: number;
  chosen: CompiledAlsOptions;
  seconds: number;
  budgetExhausted: boolean;
  split: SplitCounts;
}

/** Where a search is (TrainingStatus.tuning and the job's progress). */
export interface SearchProgress {
  /** 1-based trial in progress, of `trials`. */
  trial: number;
  trials: number;
  bestMetric?: number;
  /** Iterations trained so far (fractional within a step) and planned for the whole search. */
  doneIterations: number;
  plannedIterations: number;
  elapsedMs: number;
  /** Time budget left (ms). */
  budgetLeftMs: number;
}

export interface SearchDeps {
  /** Fits `matrix` (the fit takes it over) from `initial` factors when given (they move to the fit). */
  fit(matrix: CsrMatrix, options: CompiledAlsOptions, hooks: TrainHooks, initial?: FactorPair): Promise<AlsResult>;
  validation: Validation;
  signal?: AbortSignal;
  log?(msg: string, fields?: Record<string, unknown>): void;
  onProgress?(p: SearchProgress): void;
}

const METRIC_FIELD: Record<TuningMetric, keyof RankingMetrics> = { ndcg: 'ndcg_at_k', recall: 'recall_at_k', precision: 'precision_at_k', map: 'map_at_k' };

interface Trial {
  record: TrialRecord;
  rungs: number[];
  /** Checkpoint levels scored (the index of the next one). */
  level: number;
  factors?: FactorPair;
}

/** The job's own settings first (moved into the space), then the sequence's points. */
export function trialSettings(base: CompiledAlsOptions, t: TuningParams, shape: { rows: number; cols: number; nonzeros: number }): CompiledAlsOptions[] {
  const points = sobolPoints(t.maxTrials - 1, t.search.length, t.seed);
  return [projectInto(base, t.search), ...points.map((u) => trialOptions(base, t.search, u, shape))];
}

/** How much (relative) a trial must beat the job's own settings on validation to replace them. */
export const KEEP_OWN_MARGIN = 0.01;

export async function runSearch(
  matrix: CsrMatrix, base: CompiledAlsOptions, t: TuningParams, o: { evaluation?: { holdoutFraction: number; seed: number } }, deps: SearchDeps,
): Promise<TuningSummary> {
  const started = performance.now();
  const deadline = started + t.timeBudgetSeconds * 1000;
  const { signal } = deps;
  const split = await deps.validation.prepare(matrix, { evaluation: o.evaluation, validationFraction: t.validationFraction, seed: t.seed }, signal);
  const shape = { rows: matrix.rows, cols: matrix.cols, nonzeros: split.trainPairs };
  const sizes = bracketSizes(t.maxTrials);
  const trials: Trial[] = trialSettings(base, t, shape).map((h, i) => ({
    record: { trial: i + 1, hyperparameters: h, metric: 0, iterations: 0, state: 'stopped', seconds: 0 },
    rungs: rungIterations(h.iterations, sizes[Math.floor(i / sizes[0]!)]!), level: 0,
  }));
  const keptBytes = sizes[0]! * (matrix.rows + matrix.cols) * Math.max(...trials.map((x) => x.record.hyperparameters.factors)) * 4;
  const warm = keptBytes <= MAX_KEPT_FACTOR_BYTES;
  const planned = plannedSearchIterations(trials.length, Math.max(...trials.map((x) => x.record.hyperparameters.iterations)), warm);
  const field = METRIC_FIELD[t.metric];
  let done = 0, best: Trial | undefined, budgetExhausted = false;
  // The best: the furthest trained (share of its own iterations: a completed trial beats one stopped early), then the metric, then the lower trial.
  const reached = (x: Trial) => x.record.iterations / x.record.hyperparameters.iterations;
  const better = (a: Trial, b: Trial | undefined) => !b || reached(a) > reached(b) || (reached(a) === reached(b) && (a.record.metric > b.record.metric || (a.record.metric === b.record.metric && a.record.trial < b.record.trial)));
  // The job's own settings (trial 1) stay unless a trial trained as far beats them on validation by more than
  // KEEP_OWN_MARGIN: the best of many noisy validation scores overstates its trial (the winner's curse), and
  // the own settings (the data-aware defaults) are the known-good choice.
  const own = trials[0];
  const pickBest = () => {
    const b = trials.filter((x) => x.level > 0 && x.record.state !== 'error').reduce<Trial | undefined>((p, x) => (better(x, p) ? x : p), undefined);
    const keepOwn = b && own && b !== own && own.level > 0 && own.record.state !== 'error' && reached(own) === reached(b) && b.record.metric <= own.record.metric * (1 + KEEP_OWN_MARGIN);
    return keepOwn ? own : b;
  };
  const progress = (trial: number, doneIterations: number) => deps.onProgress?.({
    trial, trials: trials.length, bestMetric: best?.record.metric, doneIterations, plannedIterations: planned,
    elapsedMs: performance.now() - started, budgetLeftMs: Math.max(0, deadline - performance.now()),
  });

  /** Trains `x` to its next checkpoint and scores it; false when the budget ended it. */
  const step = async (x: Trial): Promise<boolean> => {
    const h = x.record.hyperparameters;
    const target = x.rungs[x.level]!;
    const from = x.factors ? x.record.iterations : 0;
    const iterations = target - from;
    const stepStart = performance.now();
    const budget = new AbortController();
    const timer = setTimeout(() => budget.abort(new CancelledError('tuning time budget spent')), Math.max(0, deadline - stepStart));
    const stop = () => budget.abort(signal?.reason);
    signal?.addEventListener('abort', stop, { once: true });
    const doneBefore = done;
    try {
      progress(x.record.trial, done);
      const fitted = await deps.fit(await deps.validation.trainMatrix(signal), { ...h, iterations }, {
        signal: budget.signal,
        onProgress: (p) => progress(x.record.trial, doneBefore + p.fraction * iterations),
      }, x.factors);
      x.factors = undefined;
      const scored = await deps.validation.score(fitted, t.k, budget.signal);
      x.record.metric = scored.metrics[field];
      x.record.iterations = target;
      x.level++;
      x.factors = warm && x.level < x.rungs.length ? { sourceFactors: scored.sourceFactors, targetFactors: scored.targetFactors } : undefined;
      x.record.state = x.level === x.rungs.length ? 'completed' : 'stopped';
      best = pickBest();
      deps.log?.('tuning trial step', { trial: x.record.trial, iterations: target, metric: x.record.metric });
      return true;
    } catch (err) {
      x.factors = undefined;
      if (signal?.aborted) throw err instanceof CancelledError ? err : new CancelledError('training cancelled', { cause: signal.reason });
      if (budget.signal.aborted) { x.record.state = 'cancelled'; return false; }
      x.record.state = 'error';
      x.record.error = errorMessage(err);
      best = pickBest();
      deps.log?.('tuning trial failed', { trial: x.record.trial, err: x.record.error });
      return true;
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', stop);
      x.record.seconds += (performance.now() - stepStart) / 1000;
      done = doneBefore + (x.record.state === 'cancelled' ? 0 : iterations);
    }
  };

  const started_: Trial[] = [];
  search: for (let b = 0, first = 0; b < sizes.length; first += sizes[b]!, b++) {
    let alive = trials.slice(first, first + sizes[b]!);
    for (let level = 0; alive.length > 0; level++) {
      for (const x of alive) {
        signal?.throwIfAborted();
        if (performance.now() >= deadline) { budgetExhausted = true; break search; }
        if (level === 0) started_.push(x);
        if (!(await step(x))) { budgetExhausted = true; break search; }
      }
      // The better half (rounded up) of the bracket's trials scored at this level go on, unless they are done.
      const scored = alive.filter((x) => x.level === level + 1 && x.record.state !== 'error').sort((p, q) => q.record.metric - p.record.metric || p.record.trial - q.record.trial);
      const keep = scored.slice(0, Math.ceil(scored.length / 2));
      for (const x of scored.slice(keep.length)) x.factors = undefined;
      alive = keep.filter((x) => x.level < x.rungs.length);
    }
  }
  for (const x of trials) x.factors = undefined;
  progress(best?.record.trial ?? 0, done);
  const chosen = best ? best.record.hyperparameters : base;
  return {
    metric: t.metric, k: t.k, validationFraction: t.validationFraction, seed: t.seed,
    trials: started_.map((x) => x.record), bestTrial: best?.record.trial ?? 0, chosen,
    seconds: (performance.now() - started) / 1000, budgetExhausted, split,
  };
}

/**
 * One hyperparameter search (TrainRequest.tuning): the validation split (validation-split.ts), then two
 * phases of trials, each run with successive halving on iterations in brackets of 8 trials (halving.ts),
 * within the trials and the time budget:
 *
 *   global  trial 1 the job's own settings (each searched hyperparameter moved into its range), then the
 *           seeded Sobol points of sampler.ts mapped by search-space.ts over the whole space: all the
 *           trials of a search of at most 2 brackets, else half of them (whole brackets); it also ends,
 *           at a bracket's end, once half the time budget is spent, so that the local phase gets time;
 *   local   brackets of neighbours of the leader (the best trial so far on validation, trained furthest):
 *           Sobol points read as steps of at most `radius` around it (search-space.ts neighbourOptions:
 *           multiplicative in log ranges, log_scaling flipped with probability radius), radius
 *           LOCAL_RADIUS first, halved after each bracket that found no new leader; it ends when the
 *           radius reaches LOCAL_MIN_RADIUS (3 brackets in a row without progress) or the trials or the
 *           time run out.
 *
 * Returns the trials table (each trial's phase) and the chosen settings; the caller retrains them on the
 * whole selection.
 *
 * Budget: a trial step (training a trial to its next checkpoint, then scoring it) starts only while the
 * time budget lasts; a step still training or scoring when it ends is stopped (the trial is "cancelled" at
 * its last checkpoint). The search is deterministic for a seed (same trials table and chosen settings on the same
 * backend) when the trials or the local phase's radius, not the clock, end it (and the clock did not cut
 * the global phase short).
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
import { BRACKET_TRIALS, bracketSizes, plannedSearchIterations, rungIterations } from './halving.js';
import { sobolPoints } from './sampler.js';
import { neighbourOptions, projectInto, trialOptions } from './search-space.js';
import type { SplitCounts } from './tuning-protocol.js';
import type { TuningMetric, TuningParams } from './tuning-params.js';
import type { Validation } from './validation-worker.js';

/** Factors of all trials kept in memory at most (bytes); beyond, a trial's next step trains from the seeded start again. */
export const MAX_KEPT_FACTOR_BYTES = 512 * 1024 * 1024;

export type TrialState = 'completed' | 'stopped' | 'cancelled' | 'error';
/** Which phase of the search drew a trial (module comment). */
export type TrialPhase = 'global' | 'local';

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
  /** Absent in models stored before the local phase (all their trials were global). */
  phase?: TrialPhase;
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

/** The global phase's `count` trials: the job's own settings first (moved into the space), then the sequence's points. */
export function trialSettings(base: CompiledAlsOptions, t: TuningParams, shape: { rows: number; cols: number; nonzeros: number }, count = t.maxTrials): CompiledAlsOptions[] {
  const points = sobolPoints(count - 1, t.search.length, t.seed);
  return [projectInto(base, t.search), ...points.map((u) => trialOptions(base, t.search, u, shape))];
}

/** Trials of the global phase of a search of `trials` trials: all up to 2 brackets, else half (rounded up to whole brackets). */
export function globalTrials(trials: number): number {
  return trials <= 2 * BRACKET_TRIALS ? trials : Math.ceil(trials / 2 / BRACKET_TRIALS) * BRACKET_TRIALS;
}

/** The local phase's first radius (share of each range) and the one at which it ends (3 brackets in a row without a new leader). */
export const LOCAL_RADIUS = 0.25;
export const LOCAL_MIN_RADIUS = LOCAL_RADIUS / 8;
/** Share of the time budget after which the global phase starts no new bracket when a local phase is planned. */
export const GLOBAL_TIME_SHARE = 0.5;

/** The seed of local round `round`'s steps (a different sequence from the global phase's and every other round's). */
function localSeed(seed: number, round: number): number {
  return (Math.imul(seed ^ 0x5bd1e995, 0x27d4eb2d) + Math.imul(round + 1, 0x165667b1)) >>> 0;
}

/** Identity of a trial's settings (the local phase never runs the same settings twice). */
const settingsKey = (h: CompiledAlsOptions) => JSON.stringify(h);

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
  const total = t.maxTrials;
  const global = trialSettings(base, t, shape, globalTrials(total));
  const dim = (name: string) => t.search.find((d) => d.name === name);
  const maxFactors = dim('factors')?.max ?? base.factors;
  const maxIterations = dim('iterations')?.max ?? base.iterations;
  const keptBytes = Math.min(BRACKET_TRIALS, total) * (matrix.rows + matrix.cols) * maxFactors * 4;
  const warm = keptBytes <= MAX_KEPT_FACTOR_BYTES;
  const planned = plannedSearchIterations(total, maxIterations, warm);
  /** Every trial of the brackets started so far, in trial order. */
  const trials: Trial[] = [];
  const addBracket = (settings: CompiledAlsOptions[], phase: TrialPhase): Trial[] => {
    const bracket = settings.map((h, i) => ({
      record: { trial: trials.length + i + 1, hyperparameters: h, metric: 0, iterations: 0, state: 'stopped' as TrialState, seconds: 0, phase },
      rungs: rungIterations(h.iterations, settings.length), level: 0,
    }));
    trials.push(...bracket);
    return bracket;
  };
  const field = METRIC_FIELD[t.metric];
  let done = 0, best: Trial | undefined, budgetExhausted = false;
  // The best: the furthest trained (share of its own iterations: a completed trial beats one stopped early), then the metric, then the lower trial.
  const reached = (x: Trial) => x.record.iterations / x.record.hyperparameters.iterations;
  const better = (a: Trial, b: Trial | undefined) => !b || reached(a) > reached(b) || (reached(a) === reached(b) && (a.record.metric > b.record.metric || (a.record.metric === b.record.metric && a.record.trial < b.record.trial)));
  // The job's own settings (trial 1) stay unless a trial trained as far beats them on validation by more than
  // KEEP_OWN_MARGIN: the best of many noisy validation scores overstates its trial (the winner's curse), and
  // the own settings (the data-aware defaults) are the known-good choice.
  const leader = () => trials.filter((x) => x.level > 0 && x.record.state !== 'error').reduce<Trial | undefined>((p, x) => (better(x, p) ? x : p), undefined);
  const pickBest = () => {
    const own = trials[0];
    const b = leader();
    const keepOwn = b && own && b !== own && own.level > 0 && own.record.state !== 'error' && reached(own) === reached(b) && b.record.metric <= own.record.metric * (1 + KEEP_OWN_MARGIN);
    return keepOwn ? own : b;
  };
  const progress = (trial: number, doneIterations: number) => deps.onProgress?.({
    trial, trials: total, bestMetric: best?.record.metric, doneIterations, plannedIterations: planned,
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
  /** Runs one bracket with successive halving; false when the time budget ended it. */
  const runBracket = async (bracket: Trial[]): Promise<boolean> => {
    let alive = bracket;
    for (let level = 0; alive.length > 0; level++) {
      for (const x of alive) {
        signal?.throwIfAborted();
        if (performance.now() >= deadline) return false;
        if (level === 0) started_.push(x);
        if (!(await step(x))) return false;
      }
      // The better half (rounded up) of the bracket's trials scored at this level go on, unless they are done.
      const scored = alive.filter((x) => x.level === level + 1 && x.record.state !== 'error').sort((p, q) => q.record.metric - p.record.metric || p.record.trial - q.record.trial);
      const keep = scored.slice(0, Math.ceil(scored.length / 2));
      for (const x of scored.slice(keep.length)) x.factors = undefined;
      alive = keep.filter((x) => x.level < x.rungs.length);
    }
    return true;
  };

  let ended = false;
  // Global phase: whole brackets of the sequence; with a local phase to come, none started after half the time budget.
  for (const size of bracketSizes(global.length)) {
    signal?.throwIfAborted();
    if (performance.now() >= deadline) { ended = true; break; }
    if (trials.length > 0 && global.length < total && performance.now() - started >= GLOBAL_TIME_SHARE * t.timeBudgetSeconds * 1000) break;
    if (!(await runBracket(addBracket(global.slice(trials.length, trials.length + size), 'global')))) { ended = true; break; }
  }
  // Local phase: brackets of the leader's neighbours, the radius halved after a bracket that found no new leader.
  for (let radius = LOCAL_RADIUS, round = 0; !ended && trials.length < total && radius > LOCAL_MIN_RADIUS; round++) {
    signal?.throwIfAborted();
    const center = leader();
    if (!center) break;
    if (performance.now() >= deadline) { ended = true; break; }
    const seen = new Set(trials.map((x) => settingsKey(x.record.hyperparameters)));
    const settings: CompiledAlsOptions[] = [];
    for (const u of sobolPoints(Math.min(BRACKET_TRIALS, total - trials.length), t.search.length, localSeed(t.seed, round))) {
      const h = neighbourOptions(center.record.hyperparameters, t.search, u, radius, shape);
      if (!seen.has(settingsKey(h))) { seen.add(settingsKey(h)); settings.push(h); }
    }
    if (settings.length > 0 && !(await runBracket(addBracket(settings, 'local')))) { ended = true; break; }
    deps.log?.('tuning local round', { round, radius, center: center.record.trial, trials: settings.length, leader: leader()?.record.trial });
    if (leader() === center) radius /= 2;
  }
  budgetExhausted = ended;
  for (const x of trials) x.factors = undefined;
  progress(best?.record.trial ?? 0, done);
  const chosen = best ? best.record.hyperparameters : base;
  return {
    metric: t.metric, k: t.k, validationFraction: t.validationFraction, seed: t.seed,
    trials: started_.map((x) => x.record), bestTrial: best?.record.trial ?? 0, chosen,
    seconds: (performance.now() - started) / 1000, budgetExhausted, split,
  };
}

/**
 * The pipeline's `tune` step (service/jobs/training-pipeline.ts), when the Train call has `tuning`: the
 * search (search.ts) on the selection, the trials fitted by the job's trainer (the training worker) and
 * the validation split and ranking on a tuning worker; then `params.als` becomes the chosen settings,
 * which the `train` step retrains on the whole selection (and `evaluate` on its split). While it runs the
 * job's phase is "tuning", TrainingStatus.tuning says trial i of n and the best metric so far, progress
 * counts the search's iterations before the fits', and the ETA is the search's (at most the time budget
 * left) plus the fits' at the search's pace.
 */
import { totalIterationsOf } from '../jobs/job-work.js';
import type { PipelineStep, TrainingRun } from '../jobs/training-pipeline.js';
import type { TrainParams } from '../jobs/train-params.js';
import { plannedSearchIterations } from './halving.js';
import { runSearch, type SearchProgress } from './search.js';
import { WorkerValidation } from './validation-worker.js';

/** The search's planned iterations for a job's parameters (0 without tuning): all trials, halved, at the largest iterations searched. */
export function plannedSearchIterationsOf(params: Pick<TrainParams, 'als' | 'tuning'>): number {
  const t = params.tuning;
  if (!t) return 0;
  const searched = t.search.find((d) => d.name === 'iterations');
  return plannedSearchIterations(t.maxTrials, searched ? searched.max : params.als.iterations, true);
}

function onSearchProgress(r: TrainingRun, p: SearchProgress): void {
  const { job, work } = r;
  job.tuning = { trial: p.trial, trials: p.trials, metric: r.params.tuning!.metric, ...(p.bestMetric === undefined ? {} : { bestMetric: p.bestMetric }) };
  work.searchIterations = p.plannedIterations;
  const total = totalIterationsOf(work);
  job.totalIterations = total;
  job.iteration = Math.floor(p.doneIterations);
  job.progress = Math.min(99, Math.max(job.progress, (p.doneIterations / total) * 100));
  if (p.doneIterations > 0) {
    const perIteration = p.elapsedMs / p.doneIterations;
    const search = Math.min(p.budgetLeftMs, (p.plannedIterations - p.doneIterations) * perIteration);
    job.etaSeconds = (search + work.fits * work.fitIterations * perIteration) / 1000;
  }
  r.report(false);
}

export const tuneStep: PipelineStep = {
  name: 'tune',
  applies: (r) => r.params.tuning !== undefined,
  async run(r) {
    const t = r.params.tuning;
    if (!t) return;
    const sel = r.selection;
    if (!sel) throw new Error('pipeline: selection missing (a step is out of order)');
    const trainer = r.pipeline.trainerFor(r.params);
    const engineLog = (msg: string, fields?: Record<string, unknown>) => r.log.debug(fields ?? {}, msg);
    const validation = new WorkerValidation();
    let summary, trained = 0;
    try {
      summary = await runSearch(sel.matrix, r.params.als, t, { evaluation: r.params.evaluation }, {
        fit: (m, o, hooks, initial) => trainer(m, o, { ...hooks, log: engineLog, label: `${r.job.modelId}/${r.job.jobId}` }, { moveMatrix: true, initial }),
        validation,
        signal: r.signal,
        log: (msg, fields) => r.log.info(fields ?? {}, msg),
        onProgress: (p) => { trained = p.doneIterations; onSearchProgress(r, p); },
      });
    } finally {
      await validation.close();
    }
    // What the search trained is its part of the job's work from now on; the fits train the chosen settings.
    r.work.searchIterations = Math.round(trained);
    r.params.als = { ...summary.chosen };
    r.work.fitIterations = summary.chosen.iterations;
    r.tuning = summary;
    const best = summary.trials.find((x) => x.trial === summary.bestTrial);
    r.job.tuning = { trial: summary.trials.length, trials: t.maxTrials, metric: t.metric, ...(best ? { bestMetric: best.metric } : {}) };
    r.job.totalIterations = totalIterationsOf(r.work);
    const c = summary.chosen;
    r.log.info({
      trials: summary.trials.length, bestTrial: summary.bestTrial, metric: `${t.metric}@${t.k}`, best: best?.metric, seconds: summary.seconds, budgetExhausted: summary.budgetExhausted,
      chosen: { factors: c.factors, regularization: c.regularization, alpha: c.alpha, iterations: c.iterations, logScaling: c.logScaling, logEpsilon: c.logEpsilon, regularizationExponent: c.regularizationExponent, unobservedWeight: c.unobservedWeight },
    }, 'tuning search done; retraining the chosen settings on the whole selection');
    r.report(true);
  },
};

import type { ServiceError } from '@grpc/grpc-js';
import type { Model__Output } from '../../gen/recommender/v1/Model.js';
import type { SearchRange } from '../../gen/recommender/v1/SearchRange.js';
import type { TrainingStatus__Output } from '../../gen/recommender/v1/TrainingStatus.js';
import type { TrainRequest } from '../../gen/recommender/v1/TrainRequest.js';
import type { TuningOptions } from '../../gen/recommender/v1/TuningOptions.js';
import type { TuningResult__Output } from '../../gen/recommender/v1/TuningResult.js';
import { CLIENT_FLAGS, CLIENT_HELP, CLIENT_USAGE, parse, runClient } from '../args.js';
import { SELECTION_FLAGS, SELECTION_USAGE, selectionFlagOf, selectionOf } from '../selection-flags.js';
import { formatStatus } from './status.js';

const HELP = `usage: recommender train [--model-id M] ${SELECTION_USAGE}
                         [--factors K] [--iterations N] [--regularization R] [--alpha A] [--cg-steps S] [--seed S]
                         [--backend B] [--solver cg|pcg|hybrid|subspace|auto] [--block-size B] [--log-scaling on|off]
                         [--regularization-exponent NU] [--unobserved-weight A0] [--type-weight type=w ...]
                         [--holdout F] [--eval-k K]
                         [--promote always|if-better [--promote-metric ndcg|precision|recall|map] [--promote-tolerance T]]
                         [--callback-url URL] [--request-id ID] [--watch] [--json]
                         [--tune [--trials N] [--time-budget S] [--metric ndcg|recall|precision|map] [--tune-k K]
                                 [--validation F] [--tune-seed S] [--search name=min:max[:log] | name=v1,v2,... ...]]
                         ${CLIENT_USAGE}
--filters takes the DataFilters message as JSON, e.g. '{"interactions":{"types":["view"]}}'.
--watch shows a live progress bar on stderr; exit code 0 when the job completes, 1 otherwise.
--tune searches the hyperparameters the call leaves unset before training (README "Hyperparameter search"):
  at most --trials trials (default: one per 3 s of the budget, 16..1000) within --time-budget seconds (default 300), scored by --metric at --tune-k
  (default ndcg at 10) on a validation share --validation (default 0.1) of each source's interactions; the best
  settings are then trained on the whole selection. --search names what to search (default: regularization,
  alpha, log_scaling, regularization_exponent, unobserved_weight), e.g. --search regularization=1:300:log
  --search log_scaling=0,1. --tune implies --watch and prints the trials table when the job completes.
${CLIENT_HELP}`;

function num(name: string, v: string | undefined, int = false): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || (int && !Number.isInteger(n))) throw new Error(`--${name} must be a${int ? 'n integer' : ' number'}, got "${v}"`);
  return n;
}

/** The flag a Train request field comes from (`hyperparameters.cg_steps` -> `--cg-steps`). */
const FLAGS: Record<string, string> = {
  model_id: '--model-id', callback_url: '--callback-url', request_id: '--request-id', 'evaluation.holdout_fraction': '--holdout', 'evaluation.k': '--eval-k',
  'hyperparameters.type_weights': '--type-weight', 'hyperparameters.log_scaling': '--log-scaling', promote: '--promote',
  promote_metric: '--promote-metric', promote_tolerance: '--promote-tolerance', tuning: '--tune', 'tuning.max_trials': '--trials', 'tuning.time_budget_seconds': '--time-budget',
  'tuning.metric': '--metric', 'tuning.k': '--tune-k', 'tuning.validation_fraction': '--validation', 'tuning.seed': '--tune-seed',
};
function flagOf(field: string): string | undefined {
  const selection = selectionFlagOf(field);
  if (selection) return selection;
  if (field.startsWith('tuning.search')) return '--search';
  const hp = /^hyperparameters\.(factors|iterations|regularization|alpha|cg_steps|seed|backend|solver|block_size|regularization_exponent|unobserved_weight)$/.exec(field)?.[1];
  return FLAGS[field] ?? FLAGS[field.replace(/\[.*$/, '')] ?? (hp ? `--${hp.replaceAll('_', '-')}` : undefined);
}

/** What a job is doing before its first iteration, from the status fields it has so far ('' once it iterates). */
function phase(s: TrainingStatus__Output): string {
  if (s.status === 'QUEUED') return ' waiting for a training slot';
  if (s.status !== 'RUNNING' || s.iteration > 0) return '';
  if (!s.data) return ' selecting the data';
  const n = (v: string | number) => Number(v).toLocaleString('en-US');
  return ` selected ${n(s.data.interactions)} interactions (${n(s.data.sources)} sources x ${n(s.data.targets)} targets); starting the ${s.backend || 'training'} backend`;
}

/**
 * One progress line. The ETA shows once an iteration has completed (a loss is known): the first samples
 * of an iteration extrapolate the backend's start-up over the whole run and overshoot wildly.
 */
function bar(s: TrainingStatus__Output): string {
  const width = 30;
  const filled = Math.round((s.progress / 100) * width);
  const tuning = s.phase === 'tuning' && s.tuning ? s.tuning : undefined;
  // A search reports no loss (each trial has its own objective); its ETA is the search's pace from the first step on.
  const iterated = (s.loss !== undefined && s.loss !== null) || (tuning !== undefined && s.iteration > 0);
  const eta = iterated && s.eta_seconds !== undefined && s.eta_seconds !== null && Number.isFinite(s.eta_seconds) && s.status === 'RUNNING'
    ? ` eta ${s.eta_seconds < 60 ? `${s.eta_seconds.toFixed(0)}s` : `${(s.eta_seconds / 60).toFixed(1)}m`}` : '';
  const loss = !tuning && iterated ? ` loss ${s.loss!.toPrecision(5)}` : '';
  const trial = tuning ? ` tuning trial ${tuning.trial}/${tuning.trials}${tuning.best_metric !== undefined && tuning.best_metric !== null ? ` best ${tuning.metric} ${tuning.best_metric.toFixed(4)}` : ''}` : '';
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${s.progress.toFixed(0).padStart(3)}% ${s.status.toLowerCase()} it ${s.iteration}/${s.total_iterations}${trial}${loss}${eta}${tuning ? '' : phase(s)}`;
}

/** `--search name=min:max[:log]` or `name=v1,v2,...` as a SearchRange. */
export function searchRangeOf(spec: string): SearchRange {
  const m = /^([a-z_]+)=(.+)$/.exec(spec);
  if (!m) throw new Error(`--search must look like name=min:max[:log] or name=v1,v2,..., got "${spec}"`);
  const [, name, rest] = m as unknown as [string, string, string];
  const n = (v: string) => { const x = Number(v); if (v.trim() === '' || !Number.isFinite(x)) throw new Error(`--search ${name}: "${v}" is not a number`); return x; };
  if (rest.includes(':')) {
    const [min, max, log, ...more] = rest.split(':');
    if (max === undefined || more.length > 0 || (log !== undefined && log !== 'log')) throw new Error(`--search ${name}: a range is min:max or min:max:log, got "${rest}"`);
    return { name, min: n(min!), max: n(max), log: log === 'log' };
  }
  return { name, values: rest.split(',').map(n) };
}

const cell = (v: number | undefined | null, digits = 4) => (v === undefined || v === null ? '-' : Number.isInteger(v) ? String(v) : v.toPrecision(digits));

/** The trials table of a tuned model (GetModel's Model.tuning), best trial marked. */
export function formatTrials(t: TuningResult__Output): string {
  const head = ['trial', 'phase', 'state', 'its', `${t.metric}@${t.k}`, 'seconds', 'regularization', 'alpha', 'log', 'nu', 'alpha0', 'factors'];
  const rows = t.trials.map((x) => {
    const h = x.hyperparameters;
    return [`${x.trial === t.best_trial ? '*' : ' '}${x.trial}`, x.phase || 'global', x.state, String(x.iterations), x.metric.toFixed(4), x.seconds.toFixed(1),
      cell(h?.regularization), cell(h?.alpha), h?.log_scaling ? `on(${cell(h.log_epsilon, 3)})` : 'off', cell(h?.regularization_exponent, 3), cell(h?.unobserved_weight, 3), cell(h?.factors)];
  });
  const widths = head.map((c, i) => Math.max(c.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => c.padStart(widths[i]!)).join('  ');
  const summary = `tuning: ${t.trials.length} trials in ${t.seconds.toFixed(1)} s${t.budget_exhausted ? ' (time budget spent)' : ''}, validation ${t.validation_fraction} of each source; `
    + (t.best_trial ? `trial ${t.best_trial} chosen and retrained on the whole selection` : 'no trial scored: the job\'s own settings were trained');
  return [summary, line(head), ...rows.map(line)].join('\n');
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    ...CLIENT_FLAGS,
    ...SELECTION_FLAGS, 'model-id': { type: 'string' },
    factors: { type: 'string' }, iterations: { type: 'string' }, regularization: { type: 'string' }, alpha: { type: 'string' },
    'cg-steps': { type: 'string' }, seed: { type: 'string' }, backend: { type: 'string' }, 'type-weight': { type: 'string', multiple: true },
    holdout: { type: 'string' }, 'eval-k': { type: 'string' }, 'callback-url': { type: 'string' },
    'request-id': { type: 'string' }, watch: { type: 'boolean', default: false }, json: { type: 'boolean', default: false },
    tune: { type: 'boolean', default: false }, trials: { type: 'string' }, 'time-budget': { type: 'string' }, metric: { type: 'string' },
    'tune-k': { type: 'string' }, validation: { type: 'string' }, 'tune-seed': { type: 'string' }, search: { type: 'string', multiple: true },
    solver: { type: 'string' }, 'block-size': { type: 'string' }, 'log-scaling': { type: 'string' }, 'regularization-exponent': { type: 'string' },
    'unobserved-weight': { type: 'string' }, promote: { type: 'string' }, 'promote-metric': { type: 'string' }, 'promote-tolerance': { type: 'string' },
  });
  if (values.help) { console.log(HELP); return 0; }
  let req: TrainRequest;
  try {
    const typeWeights: Record<string, number> = {};
    for (const tw of values['type-weight'] ?? []) {
      const [k, v] = tw.split('=');
      if (!k || v === undefined) throw new Error(`--type-weight must look like type=weight, got "${tw}"`);
      typeWeights[k] = num('type-weight', v)!;
    }
    const holdout = num('holdout', values.holdout);
    const logScaling = values['log-scaling'];
    if (logScaling !== undefined && logScaling !== 'on' && logScaling !== 'off') throw new Error(`--log-scaling must be on or off, got "${logScaling}"`);
    const promote = values.promote;
    if (promote !== undefined && promote !== 'always' && promote !== 'if-better') throw new Error(`--promote must be always or if-better, got "${promote}"`);
    const tuneFlags = ['trials', 'time-budget', 'metric', 'tune-k', 'validation', 'tune-seed', 'search'] as const;
    const stray = tuneFlags.find((f) => values[f] !== undefined);
    if (stray && !values.tune) throw new Error(`--${stray} needs --tune`);
    const tuning: TuningOptions | undefined = values.tune ? {
      max_trials: num('trials', values.trials, true), time_budget_seconds: num('time-budget', values['time-budget'], true), metric: values.metric ?? '',
      k: num('tune-k', values['tune-k'], true), validation_fraction: num('validation', values.validation), seed: num('tune-seed', values['tune-seed'], true),
      search: (values.search ?? []).map(searchRangeOf),
    } : undefined;
    req = {
      model_id: values['model-id'] ?? '', ...selectionOf(values),
      callback_url: values['callback-url'] ?? '', request_id: values['request-id'] ?? '',
      hyperparameters: {
        factors: num('factors', values.factors, true), iterations: num('iterations', values.iterations, true),
        regularization: num('regularization', values.regularization), alpha: num('alpha', values.alpha),
        cg_steps: num('cg-steps', values['cg-steps'], true), seed: num('seed', values.seed, true), backend: values.backend ?? '',
        solver: values.solver ?? '', block_size: num('block-size', values['block-size'], true),
        regularization_exponent: num('regularization-exponent', values['regularization-exponent']),
        unobserved_weight: num('unobserved-weight', values['unobserved-weight']),
        ...(logScaling === undefined ? {} : { log_scaling: logScaling === 'on' }),
        type_weights: typeWeights,
      },
      ...(promote === undefined ? {} : { promote: promote === 'if-better' ? 'PROMOTE_IF_BETTER' : 'PROMOTE_ALWAYS' }),
      promote_metric: values['promote-metric'] ?? '', promote_tolerance: num('promote-tolerance', values['promote-tolerance']),
      evaluation: holdout !== undefined ? { holdout_fraction: holdout, k: num('eval-k', values['eval-k'], true) } : undefined,
      ...(tuning ? { tuning } : {}),
    };
  } catch (err) {
    console.error(`recommender train: ${(err as Error).message}\n${HELP}`);
    return 2;
  }
  return runClient('train', values, async (client) => {
    const started = await new Promise<TrainingStatus__Output>((resolve, reject) => {
      client.Train(req, (err: ServiceError | null, r?: TrainingStatus__Output) => (err ? reject(err) : resolve(r!)));
    });
    if (!values.watch && !values.tune) {
      console.log(values.json ? JSON.stringify(started, null, 2) : `started job ${started.job_id} for model ${started.model_id} (${started.status})`);
      return 0;
    }
    const tty = process.stderr.isTTY;
    const final = await new Promise<TrainingStatus__Output>((resolve, reject) => {
      let last = started;
      const stream = client.WatchStatus({ job_id: started.job_id });
      stream.on('data', (s: TrainingStatus__Output) => {
        last = s;
        if (tty) process.stderr.write(`\r${bar(s)}\x1b[K`);
        else if (!s.heartbeat) process.stderr.write(`${bar(s)}\n`);
      });
      stream.on('end', () => resolve(last));
      stream.on('error', reject);
    });
    if (tty) process.stderr.write('\n');
    if (values.tune && final.status === 'COMPLETED') {
      const model = await new Promise<Model__Output>((resolve, reject) => {
        client.GetModel({ model_id: final.model_id }, (err: ServiceError | null, r?: Model__Output) => (err ? reject(err) : resolve(r!)));
      });
      if (values.json) {
        console.log(JSON.stringify({ status: final, tuning: model.tuning }, null, 2));
        return 0;
      }
      console.log(formatStatus(final));
      if (model.tuning) console.log(formatTrials(model.tuning));
      return 0;
    }
    console.log(values.json ? JSON.stringify(final, null, 2) : formatStatus(final));
    return final.status === 'COMPLETED' ? 0 : 1;
  }, flagOf);
}

import type { ServiceError } from '@grpc/grpc-js';
import type { TrainingStatus__Output } from '../../gen/recommender/v1/TrainingStatus.js';
import type { TrainRequest } from '../../gen/recommender/v1/TrainRequest.js';
import { CLIENT_FLAGS, CLIENT_HELP, CLIENT_USAGE, parse, runClient } from '../args.js';
import { formatStatus } from './status.js';

const HELP = `usage: recommender train [--model-id M] [--tags a,b] [--tag-match all|any] [--max-age-days N]
                         [--factors K] [--iterations N] [--regularization R] [--alpha A] [--cg-steps S] [--seed S]
                         [--backend B] [--type-weight type=w ...] [--filters JSON] [--holdout F] [--eval-k K]
                         [--callback-url URL] [--request-id ID] [--watch] [--json]
                         ${CLIENT_USAGE}
--filters takes the DataFilters message as JSON, e.g. '{"interactions":{"types":["view"]}}'.
--watch shows a live progress bar on stderr; exit code 0 when the job completes, 1 otherwise.
${CLIENT_HELP}`;

function num(name: string, v: string | undefined, int = false): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || (int && !Number.isInteger(n))) throw new Error(`--${name} must be a${int ? 'n integer' : ' number'}, got "${v}"`);
  return n;
}

/** The flag a Train request field comes from (`hyperparameters.cg_steps` -> `--cg-steps`). */
const FLAGS: Record<string, string> = {
  model_id: '--model-id', data_tags: '--tags', tag_match: '--tag-match', maximum_interaction_age_days: '--max-age-days',
  callback_url: '--callback-url', request_id: '--request-id', 'evaluation.holdout_fraction': '--holdout', 'evaluation.k': '--eval-k',
  'hyperparameters.type_weights': '--type-weight',
};
function flagOf(field: string): string | undefined {
  if (field.startsWith('data_filters')) return '--filters';
  const hp = /^hyperparameters\.(factors|iterations|regularization|alpha|cg_steps|seed|backend)$/.exec(field)?.[1];
  return FLAGS[field] ?? FLAGS[field.replace(/\[.*$/, '')] ?? (hp ? `--${hp.replace('_', '-')}` : undefined);
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
  const iterated = s.loss !== undefined && s.loss !== null;
  const eta = iterated && s.eta_seconds !== undefined && s.eta_seconds !== null && Number.isFinite(s.eta_seconds) && s.status === 'RUNNING'
    ? ` eta ${s.eta_seconds < 60 ? `${s.eta_seconds.toFixed(0)}s` : `${(s.eta_seconds / 60).toFixed(1)}m`}` : '';
  const loss = iterated ? ` loss ${s.loss!.toPrecision(5)}` : '';
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${s.progress.toFixed(0).padStart(3)}% ${s.status.toLowerCase()} it ${s.iteration}/${s.total_iterations}${loss}${eta}${phase(s)}`;
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    ...CLIENT_FLAGS,
    'model-id': { type: 'string' }, tags: { type: 'string' }, 'tag-match': { type: 'string', default: 'all' }, 'max-age-days': { type: 'string' },
    factors: { type: 'string' }, iterations: { type: 'string' }, regularization: { type: 'string' }, alpha: { type: 'string' },
    'cg-steps': { type: 'string' }, seed: { type: 'string' }, backend: { type: 'string' }, 'type-weight': { type: 'string', multiple: true },
    filters: { type: 'string' }, holdout: { type: 'string' }, 'eval-k': { type: 'string' }, 'callback-url': { type: 'string' },
    'request-id': { type: 'string' }, watch: { type: 'boolean', default: false }, json: { type: 'boolean', default: false },
  });
  if (values.help) { console.log(HELP); return 0; }
  let req: TrainRequest;
  try {
    const tagMatch = values['tag-match'];
    if (tagMatch !== 'all' && tagMatch !== 'any') throw new Error('--tag-match must be all or any');
    const typeWeights: Record<string, number> = {};
    for (const tw of values['type-weight'] ?? []) {
      const [k, v] = tw.split('=');
      if (!k || v === undefined) throw new Error(`--type-weight must look like type=weight, got "${tw}"`);
      typeWeights[k] = num('type-weight', v)!;
    }
    const holdout = num('holdout', values.holdout);
    req = {
      model_id: values['model-id'] ?? '', data_tags: values.tags ? values.tags.split(',').map((t) => t.trim()).filter(Boolean) : [],
      tag_match: tagMatch === 'any' ? 'TAG_MATCH_ANY' : 'TAG_MATCH_ALL',
      maximum_interaction_age_days: num('max-age-days', values['max-age-days'], true),
      data_filters: values.filters ? JSON.parse(values.filters) : undefined,
      callback_url: values['callback-url'] ?? '', request_id: values['request-id'] ?? '',
      hyperparameters: {
        factors: num('factors', values.factors, true), iterations: num('iterations', values.iterations, true),
        regularization: num('regularization', values.regularization), alpha: num('alpha', values.alpha),
        cg_steps: num('cg-steps', values['cg-steps'], true), seed: num('seed', values.seed, true), backend: values.backend ?? '',
        type_weights: typeWeights,
      },
      evaluation: holdout !== undefined ? { holdout_fraction: holdout, k: num('eval-k', values['eval-k'], true) } : undefined,
    };
  } catch (err) {
    console.error(`recommender train: ${(err as Error).message}\n${HELP}`);
    return 2;
  }
  return runClient('train', values, async (client) => {
    const started = await new Promise<TrainingStatus__Output>((resolve, reject) => {
      client.Train(req, (err: ServiceError | null, r?: TrainingStatus__Output) => (err ? reject(err) : resolve(r!)));
    });
    if (!values.watch) {
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
    console.log(values.json ? JSON.stringify(final, null, 2) : formatStatus(final));
    return final.status === 'COMPLETED' ? 0 : 1;
  }, flagOf);
}

import type { ServiceError } from '@grpc/grpc-js';
import type { TrainingStatus__Output } from '../../gen/recommender/v1/TrainingStatus.js';
import type { TrainRequest } from '../../gen/recommender/v1/TrainRequest.js';
import { createClient } from '../../transport/client.js';
import { CLIENT_FLAGS, parse, reportCallError } from '../args.js';
import { formatStatus } from './status.js';

export const summary = 'start a training job (optionally --watch its progress until it ends)';

const HELP = `usage: recommender train [--model-id M] [--tags a,b] [--tag-match all|any] [--max-age-days N]
                         [--factors K] [--iterations N] [--regularization R] [--alpha A] [--cg-steps S] [--seed S]
                         [--backend B] [--type-weight type=w ...] [--filters JSON] [--holdout F] [--eval-k K]
                         [--callback-url URL] [--request-id ID] [--watch] [--json]
                         [--server host:port] [--api-key K] [--tls] [--ca-file F]
--filters takes the DataFilters message as JSON, e.g. '{"interactions":{"types":["view"]}}'.
--watch shows a live progress bar on stderr; exit code 0 when the job completes, 1 otherwise.`;

function num(name: string, v: string | undefined, int = false): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || (int && !Number.isInteger(n))) throw new Error(`--${name} must be a${int ? 'n integer' : ' number'}, got "${v}"`);
  return n;
}

function bar(s: TrainingStatus__Output): string {
  const width = 30;
  const filled = Math.round((s.progress / 100) * width);
  const eta = s.eta_seconds !== undefined ? ` eta ${s.eta_seconds < 60 ? `${s.eta_seconds.toFixed(0)}s` : `${(s.eta_seconds / 60).toFixed(1)}m`}` : '';
  const loss = s.loss !== undefined ? ` loss ${s.loss.toPrecision(5)}` : '';
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${s.progress.toFixed(0).padStart(3)}% ${s.status.toLowerCase()} it ${s.iteration}/${s.total_iterations}${loss}${eta}`;
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
  const client = createClient({ address: values.server, apiKey: values['api-key'], tls: values.tls, caFile: values['ca-file'] });
  try {
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
  } catch (err) {
    reportCallError('train', err);
    return 1;
  } finally {
    client.close();
  }
}

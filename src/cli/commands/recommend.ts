import type { ServiceError } from '@grpc/grpc-js';
import type { RecommendResponse__Output } from '../../gen/recommender/v1/RecommendResponse.js';
import { CLIENT_FLAGS, CLIENT_HELP, CLIENT_USAGE, parse, runClient } from '../args.js';

const HELP = `usage: recommender recommend --model-id M --source-id S [--source-id S2 ...] [--k 10]
                           [--target-type T] [--include-seen] [--strict] [--exact] [--json]
                           ${CLIENT_USAGE}
Prints rank, target id, score (and the strategy: model, fold_in or popularity for an unknown source).
--exact scores every target even where the model has an approximate (HNSW) index.
${CLIENT_HELP}`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    ...CLIENT_FLAGS,
    'model-id': { type: 'string' }, 'source-id': { type: 'string', multiple: true }, k: { type: 'string', default: '10' },
    'target-type': { type: 'string' }, 'include-seen': { type: 'boolean', default: false }, strict: { type: 'boolean', default: false },
    exact: { type: 'boolean', default: false }, json: { type: 'boolean', default: false },
  });
  if (values.help) { console.log(HELP); return 0; }
  const sources = values['source-id'] ?? [];
  if (!values['model-id'] || sources.length === 0) { console.error(`recommender recommend: --model-id and --source-id are required\n${HELP}`); return 2; }
  const k = Number(values.k);
  if (!Number.isInteger(k) || k < 1) { console.error('recommender recommend: --k must be a positive integer'); return 2; }
  return runClient('recommend', values, async (client) => {
    const res = await new Promise<RecommendResponse__Output>((resolve, reject) => {
      client.Recommend({
        model_id: values['model-id'], source_ids: sources, max_recommendations: k, exclude_seen: !values['include-seen'],
        target_type: values['target-type'] ?? '', strict: values.strict, exact: values.exact,
      }, (err: ServiceError | null, r?: RecommendResponse__Output) => (err ? reject(err) : resolve(r!)));
    });
    if (values.json) { console.log(JSON.stringify(res, null, 2)); return 0; }
    console.log(`model ${res.model_id} (job ${res.job_id})`);
    for (const r of res.results) {
      console.log(`\nsource ${r.source_id} [${r.strategy}]`);
      for (const x of r.recommendations) console.log(`${String(x.rank).padStart(4)}  ${x.target_id.padEnd(24)} ${x.score.toFixed(4)}`);
      if (r.recommendations.length === 0) console.log('  (no candidates)');
    }
    return 0;
  }, (field) => {
    const i = field === 'source_id' ? 0 : Number(/^source_ids\[(\d+)\]$/.exec(field)?.[1] ?? NaN);
    if (Number.isInteger(i)) return `--source-id ${sources[i] ?? ''}${values.strict ? ' (with --strict an unknown source is an error; without it, it gets the most popular targets)' : ''}`;
    return { model_id: '--model-id', max_recommendations: '--k', target_type: '--target-type' }[field];
  });
}

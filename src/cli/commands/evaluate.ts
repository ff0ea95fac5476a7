import type { ServiceError } from '@grpc/grpc-js';
import type { Model__Output } from '../../gen/recommender/v1/Model.js';
import type { RankingMetrics__Output } from '../../gen/recommender/v1/RankingMetrics.js';
import { CLIENT_FLAGS, CLIENT_HELP, CLIENT_USAGE, parse, runClient } from '../args.js';

const HELP = `usage: recommender evaluate --model-id M [--json] ${CLIENT_USAGE}
Prints precision@k, recall@k, NDCG@k, MAP@k and catalog coverage of the served model and of the
most-popular baseline on the same holdout split. A model has them when it was trained with a holdout:
recommender train --model-id M --holdout 0.2 [--eval-k 10] (Train's evaluation.holdout_fraction).
${CLIENT_HELP}`;

const ROWS: Array<[keyof RankingMetrics__Output, string]> = [
  ['precision_at_k', 'precision@k'], ['recall_at_k', 'recall@k'], ['ndcg_at_k', 'NDCG@k'], ['map_at_k', 'MAP@k'], ['catalog_coverage', 'coverage'],
];

export function formatEvaluation(model: Model__Output): string {
  const ev = model.evaluation;
  if (!ev || !ev.model) return `model ${model.model_id}: no evaluation: train it with a holdout, e.g. recommender train --model-id ${model.model_id} --holdout 0.2 (Train's evaluation.holdout_fraction)`;
  const lines = [
    `model ${model.model_id} (job ${model.job_id}), k = ${ev.k}, holdout ${ev.holdout_fraction} (seed ${ev.seed}): ${ev.test_interactions} test interactions over ${ev.test_sources} sources`,
    `${'metric'.padEnd(14)}${'model'.padStart(10)}${'baseline'.padStart(10)}${'ratio'.padStart(8)}`,
  ];
  for (const [key, label] of ROWS) {
    const m = Number(ev.model[key]);
    const b = Number(ev.baseline?.[key] ?? NaN);
    lines.push(`${label.padEnd(14)}${m.toFixed(4).padStart(10)}${b.toFixed(4).padStart(10)}${(b > 0 ? (m / b).toFixed(2) + 'x' : '-').padStart(8)}`);
  }
  return lines.join('\n');
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parse(argv, { ...CLIENT_FLAGS, 'model-id': { type: 'string' }, json: { type: 'boolean', default: false } });
  if (values.help) { console.log(HELP); return 0; }
  if (!values['model-id']) { console.error(`recommender evaluate: --model-id is required\n${HELP}`); return 2; }
  return runClient('evaluate', values, async (client) => {
    const model = await new Promise<Model__Output>((resolve, reject) => {
      client.GetModel({ model_id: values['model-id'] }, (err: ServiceError | null, r?: Model__Output) => (err ? reject(err) : resolve(r!)));
    });
    console.log(values.json ? JSON.stringify(model.evaluation ?? null, null, 2) : formatEvaluation(model));
    return model.evaluation ? 0 : 1;
  });
}

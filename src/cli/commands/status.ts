import type { ServiceError } from '@grpc/grpc-js';
import type { TrainingStatus__Output } from '../../gen/recommender/v1/TrainingStatus.js';
import { CLIENT_FLAGS, CLIENT_HELP, CLIENT_USAGE, parse, runClient } from '../args.js';
import { timestampToIso as iso } from '../../transport/timestamp.js';

const HELP = `usage: recommender status <model_id> | --job-id J [--json] ${CLIENT_USAGE}
Exit code 0 when the job completed, 3 when it is still queued or running, 1 on error/cancelled.
${CLIENT_HELP}`;

export function formatStatus(s: TrainingStatus__Output): string {
  const lines = [
    `model ${s.model_id}  job ${s.job_id}  ${s.status}${s.error ? `: ${s.error}` : ''}`,
    `progress ${s.progress.toFixed(1)}%  iteration ${s.iteration}/${s.total_iterations}${s.loss !== undefined ? `  loss ${s.loss.toPrecision(6)}` : ''}${s.eta_seconds !== undefined ? `  eta ${s.eta_seconds.toFixed(0)} s` : ''}`,
    `created ${iso(s.create_time)}  started ${iso(s.start_time)}  ended ${iso(s.end_time)}`,
  ];
  if (s.backend) lines.push(`backend ${s.backend} (${s.device})`);
  if (s.data) {
    const d = s.data;
    lines.push(`data: ${d.interactions} interactions, ${d.pairs} pairs, ${d.sources} sources, ${d.targets} targets, ${d.entities} entities; dropped ${d.dropped_by_age} by age, ${d.dropped_by_filter} by filters`);
  }
  if (s.batch_ids.length) lines.push(`batches: ${s.batch_ids.join(', ')}`);
  if (s.tuning) {
    const t = s.tuning;
    lines.push(`tuning: trial ${t.trial} of ${t.trials}${t.best_metric !== undefined && t.best_metric !== null ? `, best ${t.metric} ${t.best_metric.toFixed(4)}` : ''}`);
  }
  if (s.callback) lines.push(`callback ${s.callback.url}: ${s.callback.state} (${s.callback.attempts} attempts${s.callback.last_http_status ? `, last HTTP ${s.callback.last_http_status}` : ''})`);
  if (s.evaluation?.model) {
    const e = s.evaluation;
    lines.push(`evaluation@${e.k}: precision ${e.model!.precision_at_k.toFixed(4)} (baseline ${e.baseline?.precision_at_k.toFixed(4)}), ndcg ${e.model!.ndcg_at_k.toFixed(4)} (baseline ${e.baseline?.ndcg_at_k.toFixed(4)})`);
  }
  return lines.join('\n');
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { ...CLIENT_FLAGS, 'job-id': { type: 'string' }, json: { type: 'boolean', default: false } });
  if (values.help) { console.log(HELP); return 0; }
  const modelId = positionals[0];
  if (!modelId && !values['job-id']) { console.error(`recommender status: give a model id or --job-id\n${HELP}`); return 2; }
  return runClient('status', values, async (client) => {
    const s = await new Promise<TrainingStatus__Output>((resolve, reject) => {
      client.GetStatus({ model_id: modelId ?? '', job_id: values['job-id'] ?? '' }, (err: ServiceError | null, r?: TrainingStatus__Output) => (err ? reject(err) : resolve(r!)));
    });
    console.log(values.json ? JSON.stringify(s, null, 2) : formatStatus(s));
    return s.status === 'COMPLETED' ? 0 : s.status === 'QUEUED' || s.status === 'RUNNING' ? 3 : 1;
  });
}

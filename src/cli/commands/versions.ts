import type { ServiceError } from '@grpc/grpc-js';
import type { ListModelVersionsResponse__Output } from '../../gen/recommender/v1/ListModelVersionsResponse.js';
import { timestampToIso as iso } from '../../transport/timestamp.js';
import { CLIENT_FLAGS, CLIENT_HELP, CLIENT_USAGE, parse, runClient } from '../args.js';

const HELP = `usage: recommender versions <model_id> [--json] ${CLIENT_USAGE}
Lists the kept versions of a model, newest first: which one serves, its job, size, NDCG@k against the
popularity baseline (when it was trained with a holdout) and why it does not serve (promote gate).
Roll back with: recommender rollback <model_id> --version N
${CLIENT_HELP}`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { ...CLIENT_FLAGS, json: { type: 'boolean', default: false } });
  if (values.help) { console.log(HELP); return 0; }
  const modelId = positionals[0];
  if (!modelId) { console.error(`recommender versions: give a model id\n${HELP}`); return 2; }
  return runClient('versions', values, async (client) => {
    const res = await new Promise<ListModelVersionsResponse__Output>((resolve, reject) => {
      client.ListModelVersions({ model_id: modelId }, (err: ServiceError | null, r?: ListModelVersionsResponse__Output) => (err ? reject(err) : resolve(r!)));
    });
    if (values.json) { console.log(JSON.stringify(res.versions, null, 2)); return 0; }
    if (res.versions.length === 0) { console.log(`model ${modelId}: no completed version yet`); return 0; }
    const rows = [['VERSION', 'SERVING', 'JOB', 'TRAINED', 'FACTORS', 'SOURCES', 'TARGETS', 'NDCG (BASELINE)', 'NOT SERVING BECAUSE']];
    for (const v of res.versions) {
      const ev = v.evaluation;
      rows.push([String(v.version), v.serving ? '*' : '', v.job_id, iso(v.trained_time), String(v.factors), v.source_count, v.target_count,
        ev?.model ? `${ev.model.ndcg_at_k.toFixed(4)} (${ev.baseline?.ndcg_at_k.toFixed(4)})` : '-', v.promotion]);
    }
    const widths = rows[0]!.map((_, j) => Math.max(...rows.map((r) => r[j]!.length)));
    console.log(rows.map((r) => r.map((c, j) => c.padEnd(widths[j]!)).join('  ').trimEnd()).join('\n'));
    return 0;
  });
}

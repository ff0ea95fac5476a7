import type { ServiceError } from '@grpc/grpc-js';
import type { DatasetDescription__Output } from '../../gen/recommender/v1/DatasetDescription.js';
import type { DescribeDatasetRequest } from '../../gen/recommender/v1/DescribeDatasetRequest.js';
import type { Distribution__Output } from '../../gen/recommender/v1/Distribution.js';
import { CLIENT_FLAGS, CLIENT_HELP, CLIENT_USAGE, parse, runClient } from '../args.js';
import { SELECTION_FLAGS, SELECTION_USAGE, selectionFlagOf, selectionOf } from '../selection-flags.js';

const HELP = `usage: recommender describe ${SELECTION_USAGE} [--json]
                            ${CLIENT_USAGE}
The dataset a Train with the same selection would see (DescribeDataset): its size, the training matrix's
statistics the data-aware defaults read (weight shape, density, weight and row-length distributions), and the
hyperparameters a Train that sets none would choose from them, with the reasons (README "Data-aware defaults").
--filters takes the DataFilters message as JSON, as train does.
${CLIENT_HELP}`;

const n = (v: string | number) => Number(v).toLocaleString('en-US');
const sig = (x: number) => (Number.isInteger(x) ? n(x) : String(+x.toPrecision(3)));
const dist = (q: Distribution__Output | null) => (q ? `mean ${sig(q.mean)}, min ${sig(q.min)}, median ${sig(q.q50)}, q90 ${sig(q.q90)}, q99 ${sig(q.q99)}, max ${sig(q.max)}` : '-');

/** DescribeDataset's answer in words. */
export function formatDescription(d: DatasetDescription__Output): string {
  const lines = [
    `interactions      ${n(d.interaction_count)} (${n(d.pair_count)} distinct pairs)`,
    `sources           ${n(d.distinct_source_count)}`, `targets           ${n(d.distinct_target_count)}`, `entities          ${n(d.entity_count)}`,
    `dropped           ${n(d.dropped_by_age)} by age, ${n(d.dropped_by_filter)} by filters`, `batches           ${d.batch_ids.length}`,
  ];
  const s = d.statistics;
  if (s) {
    lines.push(
      `weight shape      ${s.weight_shape}`, `density           ${s.density.toExponential(3)}`,
      `weights           ${dist(s.weights)}`,
      `                  ${s.distinct_weights > 64 ? 'more than 64' : s.distinct_weights} distinct, ${(s.integer_weight_share * 100).toFixed(1)} % integers, mean log(1 + w) ${sig(s.mean_log_weight)}${Number(s.weight_sample) < Number(d.pair_count) ? ` (a sample of ${n(s.weight_sample)} pairs)` : ''}`,
      `pairs per source  ${dist(s.source_lengths)}`, `pairs per target  ${dist(s.target_lengths)}`,
    );
  }
  if (d.chosen_defaults.length === 0) lines.push('a Train with nothing set would choose nothing (no interaction is selected)');
  else {
    lines.push('a Train with nothing set would choose:');
    const w = Math.max(...d.chosen_defaults.map((c) => c.name.length)), v = Math.max(...d.chosen_defaults.map((c) => c.value.length));
    for (const c of d.chosen_defaults) lines.push(`  ${c.name.padEnd(w)}  ${c.value.padEnd(v)}  ${c.reason}`);
  }
  return lines.join('\n');
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    ...CLIENT_FLAGS,
    ...SELECTION_FLAGS, json: { type: 'boolean', default: false },
  });
  if (values.help) { console.log(HELP); return 0; }
  let req: DescribeDatasetRequest;
  try {
    req = selectionOf(values);
  } catch (err) {
    console.error(`recommender describe: ${(err as Error).message}\n${HELP}`);
    return 2;
  }
  return runClient('describe', values, async (client) => {
    const d = await new Promise<DatasetDescription__Output>((resolve, reject) => {
      client.DescribeDataset(req, (err: ServiceError | null, r?: DatasetDescription__Output) => (err ? reject(err) : resolve(r!)));
    });
    console.log(values.json ? JSON.stringify(d, null, 2) : formatDescription(d));
    return 0;
  }, selectionFlagOf);
}

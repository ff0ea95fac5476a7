import type { ServiceError } from '@grpc/grpc-js';
import type { Batch__Output } from '../../gen/recommender/v1/Batch.js';
import type { ListBatchesResponse__Output } from '../../gen/recommender/v1/ListBatchesResponse.js';
import { timestampToIso as iso } from '../../transport/timestamp.js';
import { CLIENT_FLAGS, CLIENT_HELP, CLIENT_USAGE, parse, runClient } from '../args.js';

const HELP = `usage: recommender batches [--tags a,b] [--kind interactions|entities] [--ids id1,id2] [--json]
                          ${CLIENT_USAGE}
Lists every batch carrying all the given tags (all pages), oldest first.
${CLIENT_HELP}`;

/** A human summary of one batch. */
export function formatBatch(b: Batch__Output): string {
  const lines = [
    `batch_id      ${b.batch_id}`, `kind          ${b.kind}`, `tags          ${b.tags.join(',') || '-'}`, `created       ${iso(b.timestamp)}`,
    b.kind === 'ENTITIES' ? `entities      ${b.entity_count}` : `interactions  ${b.interaction_count}`,
  ];
  if (b.kind !== 'ENTITIES') {
    lines.push(`sources       ${b.distinct_source_count}`, `targets       ${b.distinct_target_count}`,
      `time range    ${iso(b.min_interaction_time)} .. ${iso(b.max_interaction_time)} (${b.untimestamped_count} without timestamp)`);
  }
  lines.push(`stored bytes  ${b.bytes}`);
  if (b.request_id) lines.push(`request_id    ${b.request_id}`);
  return lines.join('\n');
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, j) => Math.max(...rows.map((r) => r[j]!.length)));
  return rows.map((r) => r.map((c, j) => (j >= 3 && j <= 6 ? c.padStart(widths[j]!) : c.padEnd(widths[j]!))).join('  ').trimEnd()).join('\n');
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    ...CLIENT_FLAGS,
    tags: { type: 'string', default: '' }, ids: { type: 'string', default: '' }, kind: { type: 'string' },
    json: { type: 'boolean', default: false },
  });
  if (values.help) { console.log(HELP); return 0; }
  const kind = values.kind?.toUpperCase();
  if (kind !== undefined && kind !== 'INTERACTIONS' && kind !== 'ENTITIES') { console.error('recommender batches: --kind must be interactions or entities'); return 2; }
  const split = (s: string) => s.split(',').map((t) => t.trim()).filter(Boolean);
  return runClient('batches', values, async (client) => {
    const all: Batch__Output[] = [];
    let token = '';
    do {
      const page = await new Promise<ListBatchesResponse__Output>((resolve, reject) => client.ListBatches(
        { tags: split(values.tags), batch_ids: split(values.ids), kind: (kind ?? 'BATCH_KIND_UNSPECIFIED') as never, page_size: 1000, page_token: token },
        (err: ServiceError | null, res?: ListBatchesResponse__Output) => (err ? reject(err) : resolve(res!)),
      ));
      all.push(...page.batches);
      token = page.next_page_token;
    } while (token);
    if (values.json) { console.log(JSON.stringify(all, null, 2)); return 0; }
    if (all.length === 0) { console.log('no batches'); return 0; }
    const rows = [['BATCH_ID', 'KIND', 'CREATED', 'ROWS', 'SOURCES', 'TARGETS', 'BYTES', 'TAGS']];
    for (const b of all) {
      rows.push([b.batch_id, b.kind.toLowerCase(), iso(b.timestamp), b.kind === 'ENTITIES' ? b.entity_count : b.interaction_count,
        b.distinct_source_count, b.distinct_target_count, b.bytes, b.tags.join(',')]);
    }
    console.log(table(rows));
    console.log(`${all.length} batch${all.length === 1 ? '' : 'es'}`);
    return 0;
  });
}

import type { ServiceError } from '@grpc/grpc-js';
import type { BatchKindName } from '../../data/layout.js';
import type { Batch__Output } from '../../gen/recommender/v1/Batch.js';
import { timestampToIso } from '../../transport/timestamp.js';
import { CLIENT_FLAGS, CLIENT_HELP, CLIENT_USAGE, describeCallError, parse, runClient } from '../args.js';
import { Progress } from '../import/progress.js';
import { formatBatch } from './batches.js';

const HELP = `usage: recommender import <file.csv|file.parquet|file.arrow> [--kind interactions|entities] [--tags a,b]
                         [--request-id ID] [--map csvName=column,...] [--timestamp-unit ms|s]
                         [--json] ${CLIENT_USAGE}
CSV needs the layout's header: interactions source_id,target_id[,type,timestamp,weight,metadata]
(timestamp: epoch ms or ISO-8601), entities id[,type,name,metadata,media_url]; --map renames other
headers, e.g. MovieLens ratings.csv: --map userId=source_id,movieId=target_id,rating=weight --timestamp-unit s. Progress goes to stderr;
the stored batch is printed on stdout (--json for JSON).
${CLIENT_HELP}`;

/** 1971-01-01 in epoch seconds. Epoch seconds read as milliseconds land in January 1970 (1.7e9 ms is 20 days). */
const END_OF_1970_S = 365 * 86_400;

/** A warning when the batch's timestamps fall in 1970 (epoch seconds imported as milliseconds, most likely). */
export function timestampWarning(batch: Batch__Output, unit: 'ms' | 's'): string | undefined {
  const min = batch.min_interaction_time;
  if (!min || Number(min.seconds) >= END_OF_1970_S || Number(min.seconds) < 0) return undefined;
  const max = batch.max_interaction_time;
  const all = max !== null && max !== undefined && Number(max.seconds) < END_OF_1970_S;
  return `warning: ${all ? 'every' : 'some'} timestamp of batch ${batch.batch_id} falls in 1970 (${timestampToIso(min)} .. ${timestampToIso(max)}): `
    + (unit === 'ms'
      ? 'were they epoch seconds? Then import the file again with --timestamp-unit s (and delete this batch with DeleteBatches)'
      : 'check the file\'s timestamp column');
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    ...CLIENT_FLAGS,
    kind: { type: 'string', default: 'interactions' },
    tags: { type: 'string', default: '' },
    'request-id': { type: 'string' },
    map: { type: 'string', default: '' },
    'timestamp-unit': { type: 'string', default: 'ms' },
    json: { type: 'boolean', default: false },
    quiet: { type: 'boolean', short: 'q', default: false },
  });
  if (values.help) { console.log(HELP); return 0; }
  if (positionals.length !== 1) { console.error(HELP); return 2; }
  const kind = values.kind.toUpperCase() as BatchKindName;
  if (kind !== 'INTERACTIONS' && kind !== 'ENTITIES') { console.error(`recommender import: --kind must be interactions or entities, got "${values.kind}"`); return 2; }
  const tags = values.tags.split(',').map((t) => t.trim()).filter(Boolean);

  const unit = values['timestamp-unit'];
  if (unit !== 'ms' && unit !== 's') { console.error(`recommender import: --timestamp-unit must be ms or s, got "${unit}"`); return 2; }
  // CSV parsing and Arrow encoding load only now (apache-arrow is large).
  const [{ CsvError, parseRename }, { fileSource }, { uploadArrow }] = await Promise.all([
    import('../import/csv-arrow.js'), import('../import/sources.js'), import('../import/upload.js'),
  ]);
  let rename: Record<string, string>;
  try { rename = parseRename(values.map); } catch (err) { console.error(`recommender import: ${(err as Error).message}`); return 2; }
  const source = fileSource(positionals[0]!, kind, undefined, { rename, timestampUnit: unit });
  return runClient('import', values, async (client, address) => {
    const progress = new Progress(`import ${source.format}`, source.totalBytes);
    let fileBytes = 0;
    try {
      const pieces = source.pieces((n) => { fileBytes += n; progress.bytes = fileBytes; if (!values.quiet) progress.update(); }, (n) => { progress.rows += n; });
      const batch = await uploadArrow(client, { kind, tags, request_id: values['request-id'] ?? '' }, pieces);
      if (!values.quiet) progress.done();
      console.log(values.json ? JSON.stringify(batch) : formatBatch(batch));
      const warning = kind === 'INTERACTIONS' ? timestampWarning(batch, unit) : undefined;
      if (warning) console.error(`recommender import: ${warning}`);
      return 0;
    } catch (err) {
      if (!values.quiet) progress.done();
      const e = err as ServiceError;
      if (err instanceof CsvError) console.error(`recommender import: ${positionals[0]}: ${err.message}`);
      else if (typeof e.code === 'number' && e.code !== 14) console.error(`recommender import: server refused the batch: ${describeCallError(err, address)}`);
      else console.error(`recommender import: ${describeCallError(err, address)}`);
      return 1;
    }
  });
}

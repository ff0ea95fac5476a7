import type { ServiceError } from '@grpc/grpc-js';
import type { BatchKindName } from '../../data/layout.js';
import { createClient } from '../../transport/client.js';
import { CLIENT_FLAGS, parse } from '../args.js';
import { CsvError, parseRename } from '../import/csv-arrow.js';
import { Progress } from '../import/progress.js';
import { fileSource } from '../import/sources.js';
import { uploadArrow } from '../import/upload.js';
import { formatBatch } from './batches.js';

export const summary = 'import a .csv, .parquet or .arrow file as a batch (streamed to the server)';

const HELP = `usage: recommender import <file.csv|file.parquet|file.arrow> [--kind interactions|entities] [--tags a,b]
                         [--request-id ID] [--map csvName=column,...] [--timestamp-unit ms|s]
                         [--json] [--server host:port] [--api-key K] [--tls] [--ca-file F]
CSV needs the layout's header: interactions source_id,target_id[,type,timestamp,weight,metadata]
(timestamp: epoch ms or ISO-8601), entities id[,type,name,metadata,media_url]; --map renames other
headers, e.g. MovieLens ratings.csv: --map userId=source_id,movieId=target_id,rating=weight --timestamp-unit s. Progress goes to stderr;
the stored batch is printed on stdout (--json for JSON).`;

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
  let rename: Record<string, string>;
  try { rename = parseRename(values.map); } catch (err) { console.error(`recommender import: ${(err as Error).message}`); return 2; }
  const source = fileSource(positionals[0]!, kind, undefined, { rename, timestampUnit: unit });
  const client = createClient({ address: values.server, apiKey: values['api-key'], tls: values.tls, caFile: values['ca-file'] });
  const progress = new Progress(`import ${source.format}`, source.totalBytes);
  let fileBytes = 0;
  try {
    const pieces = source.pieces((n) => { fileBytes += n; progress.bytes = fileBytes; if (!values.quiet) progress.update(); }, (n) => { progress.rows += n; });
    const batch = await uploadArrow(client, { kind, tags, request_id: values['request-id'] ?? '' }, pieces);
    if (!values.quiet) progress.done();
    console.log(values.json ? JSON.stringify(batch) : formatBatch(batch));
    return 0;
  } catch (err) {
    if (!values.quiet) progress.done();
    const e = err as ServiceError;
    if (err instanceof CsvError) console.error(`recommender import: ${positionals[0]}: ${err.message}`);
    else if (typeof e.code === 'number') console.error(`recommender import: server refused the batch: ${e.details || e.message}`);
    else console.error(`recommender import: ${(err as Error).message}`);
    return 1;
  } finally {
    client.close();
  }
}

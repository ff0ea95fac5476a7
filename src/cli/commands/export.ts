import type { ServiceError } from '@grpc/grpc-js';
import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import type { ExportModelHeader__Output } from '../../gen/recommender/v1/ExportModelHeader.js';
import type { ExportModelResponse__Output } from '../../gen/recommender/v1/ExportModelResponse.js';
import { CLIENT_FLAGS, CLIENT_HELP, CLIENT_USAGE, parse, runClient } from '../args.js';

const HELP = `usage: recommender export <model_id> [--version N] --out FILE|- ${CLIENT_USAGE}
Writes a model version's source and target factors with their ids (default: the serving version) as an
Arrow IPC stream file (columns side, id, factors; README "Exporting a model"), e.g. for your own vector
index: pyarrow.ipc.open_stream(open(FILE, 'rb')).read_all(). --out - writes to standard output.
${CLIENT_HELP}`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { ...CLIENT_FLAGS, version: { type: 'string' }, out: { type: 'string' } });
  if (values.help) { console.log(HELP); return 0; }
  const modelId = positionals[0];
  const version = values.version === undefined ? undefined : Number(values.version);
  if (!modelId || !values.out || (version !== undefined && !Number.isInteger(version))) { console.error(`recommender export: give a model id and --out FILE\n${HELP}`); return 2; }
  return runClient('export', values, async (client) => {
    const out: NodeJS.WritableStream | WriteStream = values.out === '-' ? process.stdout : createWriteStream(values.out!, { flags: 'w' });
    let header: ExportModelHeader__Output | undefined;
    let bytes = 0;
    const stream = client.ExportModel({ model_id: modelId, ...(version === undefined ? {} : { version }) });
    try {
      for await (const m of stream as AsyncIterable<ExportModelResponse__Output>) {
        if (m.header) { header = m.header; continue; }
        if (!m.arrow_chunk) continue;
        bytes += m.arrow_chunk.byteLength;
        if (!out.write(m.arrow_chunk)) await once(out, 'drain');
      }
    } catch (err) {
      if (out !== process.stdout) (out as WriteStream).destroy();
      throw err as ServiceError;
    }
    if (out !== process.stdout) { (out as WriteStream).end(); await once(out, 'finish'); }
    if (header) {
      console.error(`exported model ${header.model_id} version ${header.version} (job ${header.job_id}): ${header.source_count} sources and ${header.target_count} targets x ${header.factors} factors, ${bytes} bytes of Arrow IPC stream${values.out === '-' ? '' : ` to ${values.out}`}`);
    }
    return 0;
  }, (field) => (field === 'version' ? '--version' : undefined));
}

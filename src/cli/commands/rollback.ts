import type { ServiceError } from '@grpc/grpc-js';
import type { Model__Output } from '../../gen/recommender/v1/Model.js';
import { CLIENT_FLAGS, CLIENT_HELP, CLIENT_USAGE, parse, runClient } from '../args.js';

const HELP = `usage: recommender rollback <model_id> --version N ${CLIENT_USAGE}
Points serving at a kept version of the model (recommender versions <model_id> lists them), atomically:
Recommend calls switch at once. A training that completes later serves its own version (unless its promote
gate refuses it).
${CLIENT_HELP}`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { ...CLIENT_FLAGS, version: { type: 'string' } });
  if (values.help) { console.log(HELP); return 0; }
  const modelId = positionals[0];
  const version = Number(values.version);
  if (!modelId || values.version === undefined || !Number.isInteger(version)) { console.error(`recommender rollback: give a model id and --version N\n${HELP}`); return 2; }
  return runClient('rollback', values, async (client) => {
    const m = await new Promise<Model__Output>((resolve, reject) => {
      client.RollbackModel({ model_id: modelId, version }, (err: ServiceError | null, r?: Model__Output) => (err ? reject(err) : resolve(r!)));
    });
    console.log(`model ${m.model_id} now serves version ${m.version} (job ${m.job_id})`);
    return 0;
  }, (field) => (field === 'version' ? '--version' : undefined));
}

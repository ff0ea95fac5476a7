import type { ServiceError } from '@grpc/grpc-js';
import type { DeleteModelResponse__Output } from '../../gen/recommender/v1/DeleteModelResponse.js';
import { CLIENT_FLAGS, CLIENT_HELP, CLIENT_USAGE, parse, runClient } from '../args.js';

const HELP = `usage: recommender delete-model <model_id> [--force] ${CLIENT_USAGE}
Deletes every version of a model: its files and catalog rows (its jobs' too). A model with a queued or
running job is refused unless --force, which cancels that job first.
${CLIENT_HELP}`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { ...CLIENT_FLAGS, force: { type: 'boolean', default: false } });
  if (values.help) { console.log(HELP); return 0; }
  const modelId = positionals[0];
  if (!modelId) { console.error(`recommender delete-model: give a model id\n${HELP}`); return 2; }
  return runClient('delete-model', values, async (client) => {
    const r = await new Promise<DeleteModelResponse__Output>((resolve, reject) => {
      client.DeleteModel({ model_id: modelId, force: values.force }, (err: ServiceError | null, res?: DeleteModelResponse__Output) => (err ? reject(err) : resolve(res!)));
    });
    const cancelled = r.cancelled_job_id ? `; cancelled job ${r.cancelled_job_id}` : '';
    console.log(`deleted model ${r.model_id}: versions ${r.deleted_versions.join(', ') || 'none'}${cancelled}`);
    return 0;
  }, (field) => (field === 'force' ? '--force' : undefined));
}

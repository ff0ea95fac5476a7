import type { handleUnaryCall } from '@grpc/grpc-js';
import { InvalidArgumentError } from '../../errors.js';
import type { ListModelsRequest__Output } from '../../gen/recommender/v1/ListModelsRequest.js';
import type { ListModelsResponse } from '../../gen/recommender/v1/ListModelsResponse.js';
import type { Logger } from '../../log.js';
import type { JobScheduler } from '../../service/jobs/job-scheduler.js';
import type { ModelRegistry } from '../../service/models/model-registry.js';
import { unary } from '../call.js';
import { modelMessage } from './get-model.js';

/** Models (a served model or any job) in model_id order; page_size default 100, max 1000. */
export function listModelsHandler(log: Logger, jobs: JobScheduler, models: ModelRegistry): handleUnaryCall<ListModelsRequest__Output, ListModelsResponse> {
  return unary(log, 'ListModels', async (req: ListModelsRequest__Output) => {
    const size = req.page_size || 100;
    if (!Number.isInteger(size) || size < 1 || size > 1000) throw new InvalidArgumentError(`page_size must be in 1..1000, got ${req.page_size}`, { field: 'page_size' });
    let after = '';
    if (req.page_token) {
      try { after = Buffer.from(req.page_token, 'base64url').toString('utf8'); } catch { /* checked below */ }
      if (!after.startsWith('m:')) throw new InvalidArgumentError('page_token is not a token this server returned', { field: 'page_token' });
      after = after.slice(2);
    }
    const rows = models.list(after, size + 1);
    const page = rows.slice(0, size);
    return {
      models: page.map((r) => modelMessage(jobs, r)),
      next_page_token: rows.length > size ? Buffer.from(`m:${page[page.length - 1]!.modelId}`).toString('base64url') : '',
    };
  });
}

import type { handleUnaryCall } from '@grpc/grpc-js';
import type { GetStatusRequest__Output } from '../../gen/recommender/v1/GetStatusRequest.js';
import type { TrainingStatus } from '../../gen/recommender/v1/TrainingStatus.js';
import type { Logger } from '../../log.js';
import type { JobScheduler } from '../../service/jobs/job-scheduler.js';
import { unary } from '../call.js';
import { jobStatusMessage } from './job-status-message.js';

export function getStatusHandler(log: Logger, jobs: JobScheduler): handleUnaryCall<GetStatusRequest__Output, TrainingStatus> {
  return unary(log, 'GetStatus', async (req: GetStatusRequest__Output) => {
    const job = jobs.resolve(req);
    return jobStatusMessage(job, jobs.callbackState(job.jobId));
  });
}

import type { handleUnaryCall } from '@grpc/grpc-js';
import type { TrainingStatus } from '../../gen/recommender/v1/TrainingStatus.js';
import type { TrainRequest__Output } from '../../gen/recommender/v1/TrainRequest.js';
import type { Logger } from '../../log.js';
import type { JobScheduler } from '../../service/jobs/job-scheduler.js';
import { unary } from '../call.js';
import { jobStatusMessage } from './job-status-message.js';

export function trainHandler(log: Logger, jobs: JobScheduler): handleUnaryCall<TrainRequest__Output, TrainingStatus> {
  return unary(log, 'Train', async (req: TrainRequest__Output) => {
    const job = jobs.train(req);
    return jobStatusMessage(job, jobs.callbackState(job.jobId));
  });
}

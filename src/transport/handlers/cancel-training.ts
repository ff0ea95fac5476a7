import type { handleUnaryCall } from '@grpc/grpc-js';
import type { CancelTrainingRequest__Output } from '../../gen/recommender/v1/CancelTrainingRequest.js';
import type { TrainingStatus } from '../../gen/recommender/v1/TrainingStatus.js';
import type { Logger } from '../../log.js';
import type { JobScheduler } from '../../service/jobs/job-scheduler.js';
import { unary } from '../call.js';
import { jobStatusMessage } from './job-status-message.js';

/** QUEUED -> CANCELLED at once; RUNNING -> returns RUNNING, becomes CANCELLED when the worker stops (watch it). */
export function cancelTrainingHandler(log: Logger, jobs: JobScheduler): handleUnaryCall<CancelTrainingRequest__Output, TrainingStatus> {
  return unary(log, 'CancelTraining', async (req: CancelTrainingRequest__Output) => {
    const job = jobs.cancel(req);
    return jobStatusMessage(job, jobs.callbackState(job.jobId));
  });
}

import type { handleServerStreamingCall, ServerWritableStream } from '@grpc/grpc-js';
import { errorMessage, InvalidArgumentError } from '../../errors.js';
import { grpcCodeOf, toServiceError } from '../grpc-status.js';
import type { TrainingStatus } from '../../gen/recommender/v1/TrainingStatus.js';
import type { WatchStatusRequest__Output } from '../../gen/recommender/v1/WatchStatusRequest.js';
import type { Logger } from '../../log.js';
import type { JobScheduler } from '../../service/jobs/job-scheduler.js';
import { isTerminal, type JobRecord } from '../../service/jobs/job-record.js';
import { serverStreaming, writeWithBackpressure } from '../call.js';
import { jobStatusMessage } from './job-status-message.js';

export const DEFAULT_HEARTBEAT_MS = 5000;
export const MIN_HEARTBEAT_MS = 100;

function validate(req: WatchStatusRequest__Output, jobs: JobScheduler): { heartbeatMs: number; first: JobRecord } {
  const heartbeatMs = req.heartbeat_ms || DEFAULT_HEARTBEAT_MS;
  if (!Number.isInteger(heartbeatMs) || heartbeatMs < MIN_HEARTBEAT_MS) {
    throw new InvalidArgumentError(`heartbeat_ms must be an integer >= ${MIN_HEARTBEAT_MS}, got ${req.heartbeat_ms}`, { field: 'heartbeat_ms' });
  }
  return { heartbeatMs: Math.min(heartbeatMs, 3_600_000), first: jobs.resolve(req) };
}

/**
 * The current status at once, then every change; a heartbeat (same status, heartbeat = true) when
 * nothing was sent for heartbeat_ms; ends after sending the terminal state. Backpressure: at most one
 * pending status per watcher (the latest); older unsent ones are dropped, never queued.
 */
export function watchStatusHandler(log: Logger, jobs: JobScheduler): handleServerStreamingCall<WatchStatusRequest__Output, TrainingStatus> {
  const stream = serverStreaming(log, 'WatchStatus', async (call: ServerWritableStream<WatchStatusRequest__Output, TrainingStatus>, ctx) => {
    const { heartbeatMs, first } = validate(call.request, jobs);
    const jobId = first.jobId;

    await new Promise<void>((resolve) => {
      let pending: JobRecord | undefined;
      let last: JobRecord = first;
      let lastSentSeq = -1;
      let writing = false;
      let done = false;
      let lastWriteMs = Date.now();
      const finish = () => {
        if (done) return;
        done = true;
        unsubscribe();
        clearInterval(timer);
        ctx.signal.removeEventListener('abort', finish);
        jobs.shutdownSignal.removeEventListener('abort', finish);
        resolve();
      };
      const write = (msg: TrainingStatus, terminal: boolean) => {
        writing = true;
        lastWriteMs = Date.now();
        writeWithBackpressure(call, msg).then(() => {
          writing = false;
          lastWriteMs = Date.now();
          if (terminal) finish();
          else pump();
        }, finish);
      };
      const pump = () => {
        if (done || writing || !pending) return;
        const job = pending;
        pending = undefined;
        if (job.sequence <= lastSentSeq) return;
        lastSentSeq = job.sequence;
        write(jobStatusMessage(job, jobs.callbackState(jobId)), isTerminal(job.status));
      };
      const unsubscribe = jobs.hub.subscribe(jobId, (job) => {
        last = job;
        if (!pending || job.sequence > pending.sequence) pending = job;
        pump();
      });
      const timer = setInterval(() => {
        if (done || writing || pending) return;
        if (Date.now() - lastWriteMs >= heartbeatMs) write(jobStatusMessage(last, jobs.callbackState(jobId), true), false);
      }, Math.max(50, Math.floor(heartbeatMs / 4)));
      ctx.signal.addEventListener('abort', finish);
      jobs.shutdownSignal.addEventListener('abort', finish);
      if (ctx.signal.aborted || jobs.shutdownSignal.aborted) { finish(); return; }
      // Snapshot after subscribing, so no change between the two is lost (duplicates are skipped by sequence).
      const now = jobs.get(jobId) ?? first;
      last = now;
      if (!pending || now.sequence >= pending.sequence) pending = now;
      pump();
    });
  });
  // Bad requests are answered here with their status: the `serverStreaming` wrapper's `call.destroy(err)`
  // does not send the error's status to the client (grpc-js sends a status only via emit('error') / end()).
  return (call) => {
    try {
      validate(call.request, jobs);
    } catch (err) {
      log.info({ method: 'WatchStatus', code: grpcCodeOf(err), err: errorMessage(err) }, 'call failed');
      call.emit('error', toServiceError(err));
      return;
    }
    stream(call);
  };
}

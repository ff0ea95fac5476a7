/**
 * The JSON body of a training callback. One event per finished job (completed, error or cancelled).
 * The body is serialised once, persisted, and re-sent byte for byte on every retry (the signature
 * covers the exact bytes, so the receiver can verify each attempt and dedupe by `webhook-id`).
 */

/** One per terminal job status. */
export type TrainingEventType = 'training.completed' | 'training.error' | 'training.cancelled';
export type TerminalJobStatus = 'COMPLETED' | 'ERROR' | 'CANCELLED';

export interface TrainingEvent {
  type: TrainingEventType;
  /** When the event was created (ISO 8601, UTC). */
  timestamp: string;
  data: {
    model_id: string;
    job_id: string;
    status: TerminalJobStatus;
    /** Present only for status ERROR (and CANCELLED when a reason is known). */
    error?: string;
    /** ISO 8601, or null when the job never started (e.g. cancelled while queued). */
    start_time: string | null;
    end_time: string | null;
    /** 0-100. */
    progress: number;
    batch_ids: string[];
    /** COMPLETED only: the model version the job produced, whether it serves, and the promote gate's reason ('' without a gate). */
    version?: number;
    promoted?: boolean;
    promotion?: string;
  };
}

/** Plain fields the job manager passes (times as Date, epoch ms or ISO string). */
export interface TrainingEventFields {
  modelId: string;
  jobId: string;
  status: TerminalJobStatus;
  error?: string;
  startTime?: Date | number | string | null;
  endTime?: Date | number | string | null;
  progress: number;
  batchIds: readonly string[];
  version?: number;
  promoted?: boolean;
  promotion?: string;
}

const TYPE_OF: Record<TerminalJobStatus, TrainingEventType> = {
  COMPLETED: 'training.completed',
  ERROR: 'training.error',
  CANCELLED: 'training.cancelled',
};

function iso(t: Date | number | string | null | undefined): string | null {
  if (t === undefined || t === null) return null;
  const d = t instanceof Date ? t : new Date(t);
  if (Number.isNaN(d.getTime())) throw new RangeError(`invalid time: ${String(t)}`);
  return d.toISOString();
}

export function buildTrainingEvent(f: TrainingEventFields, now: Date = new Date()): TrainingEvent {
  const type = TYPE_OF[f.status];
  if (!type) throw new RangeError(`not a terminal job status: ${String(f.status)}`);
  const data: TrainingEvent['data'] = {
    model_id: f.modelId,
    job_id: f.jobId,
    status: f.status,
    start_time: iso(f.startTime),
    end_time: iso(f.endTime),
    progress: Math.max(0, Math.min(100, f.progress)),
    batch_ids: [...f.batchIds],
  };
  if (f.error) data.error = f.error;
  if (f.status === 'COMPLETED' && f.version !== undefined) {
    data.version = f.version;
    data.promoted = f.promoted ?? true;
    data.promotion = f.promotion ?? '';
  }
  return { type, timestamp: now.toISOString(), data };
}

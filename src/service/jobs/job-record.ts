import type { SelectionCounts } from '../../data/selection.js';
/** A training job as the service holds it (table `jobs`). Times are epoch ms. */
export type JobState = 'QUEUED' | 'RUNNING' | 'COMPLETED' | 'ERROR' | 'CANCELLED';
export const TERMINAL_STATES: ReadonlySet<JobState> = new Set(['COMPLETED', 'ERROR', 'CANCELLED']);

/** The selection's counts, as stored with the job. */
export type DataCountsRecord = SelectionCounts;

export interface JobRecord {
  jobId: string;
  modelId: string;
  requestId?: string;
  status: JobState;
  createMs: number;
  startMs?: number;
  endMs?: number;
  error: string;
  /** 0-100. */
  progress: number;
  iteration: number;
  totalIterations: number;
  loss?: number;
  etaSeconds?: number;
  backend: string;
  device: string;
  data?: DataCountsRecord;
  batchIds: string[];
  callbackUrl: string;
  /** The Train request as received (JSON), to run it later. */
  requestJson: string;
  /** Evaluation (the proto Evaluation message as plain JSON) when the job ran one. */
  evaluation?: unknown;
  lossCurve: number[];
  /** Increases on every change. */
  sequence: number;
}

export function isTerminal(s: JobState): boolean {
  return TERMINAL_STATES.has(s);
}

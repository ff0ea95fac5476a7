/** A training job as the service holds it (table `jobs`: job-repo.ts). Times are epoch ms. */
import type { SelectionCounts } from '../../data/selection.js';
import type { EvaluationSummary } from '../evaluation/metrics.js';

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
  /** The evaluation (shaped as the proto Evaluation message) when the job ran one. */
  evaluation?: EvaluationSummary;
  /** Loss after each iteration of the main fit: grows while it trains (for the console's plot), final once COMPLETED. */
  lossCurve: number[];
  /** What a running job is doing (TrainingStatus.phase; training-pipeline.ts sets it, not stored in the catalog). */
  phase?: string;
  /** The search's progress (TrainingStatus.tuning) while it runs and after it, when the job tunes. */
  tuning?: TuningProgressRecord;
  /** Increases on every change. */
  sequence: number;
  /** The model version the job produced (0 until COMPLETED). */
  version?: number;
  /** Whether that version was made the served one when the job completed (promote IF_BETTER may refuse). */
  promoted?: boolean;
  /** The promote gate's reason (why it did or did not serve), '' without a gate. */
  promotion?: string;
}

/** Proto TuningProgress. */
export interface TuningProgressRecord {
  trial: number;
  trials: number;
  metric: string;
  bestMetric?: number;
}

export function isTerminal(s: JobState): boolean {
  return TERMINAL_STATES.has(s);
}

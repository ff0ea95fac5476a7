/**
 * A trained model as served: factors with the user's own ids, the training interactions per source
 * (for exclude_seen and fold-in), target popularity (for the cold-start fallback and the baseline), and
 * a snapshot of entity attributes (type, metadata) taken at training time, for filters.
 *
 * Stored under `<dataDir>/models/<model_id>/<job_id>/` (see data/model-file.ts), written to a temp
 * directory and renamed into place; the catalog's `models` row points at the served job only after.
 */
import type { HyperparameterChoice } from '../engine/defaults.js';
import type { CompiledAlsOptions } from '../engine/options.js';
import type { AlsResult } from '../engine/types.js';
import type { PackedEntityColumns, SelectionCounts } from './selection.js';
import type { PackedStrings } from './packed-strings.js';

/** The hyperparameters a model was trained with: the compiled engine options and the selection's per-type weights. */
export type ModelHyperparameters = CompiledAlsOptions & { typeWeights: Record<string, number> };

export interface ModelMeta {
  modelId: string;
  jobId: string;
  trainedMs: number;
  factors: number;
  backend: string;
  device: string;
  batchIds: string[];
  /** Effective hyperparameters (after defaults). */
  hyperparameters: ModelHyperparameters;
  /** The hyperparameters the data-aware defaults chose because the Train call left them unset (absent in models stored before them). */
  chosen?: HyperparameterChoice[];
  lossCurve: number[];
  lossKind: AlsResult['lossKind'];
  trainSeconds: number;
  /** Set when the job ran an evaluation (service/evaluation's EvaluationSummary, stored as the job reported it). */
  evaluation?: unknown;
  /** Data counts of the selection. */
  data: SelectionCounts;
  /**
   * The hyperparameter search, when the job tuned (service/tuning/search.ts TuningSummary: the trials
   * table, each trial's compiled options, and the chosen ones = `hyperparameters` less typeWeights).
   */
  tuning?: unknown;
}

export interface EntitySnapshot {
  /** null = the entity was never imported. */
  type: Array<string | null>;
  /** Raw JSON metadata strings (null = none). */
  metadata: Array<string | null>;
}

export interface TrainedModel {
  meta: ModelMeta;
  sourceIds: string[];
  targetIds: string[];
  /** Row-major, sourceIds.length x factors / targetIds.length x factors. */
  sourceFactors: Float32Array;
  targetFactors: Float32Array;
  /** Training interactions: CSR over sources (indices = target indices), with aggregated weights. */
  seen: { indptr: Int32Array; indices: Int32Array; data: Float32Array };
  /** Number of distinct sources that interacted with each target in training. */
  targetPopularity: Float32Array;
  sourceEntities: EntitySnapshot;
  targetEntities: EntitySnapshot;
}

/**
 * A trained model as it is handed to the model writer (data/model-write-in-worker.ts): ids and entity
 * attributes packed, target popularity computed from `seen` when absent. Written from another thread, its
 * buffers move there (transferred).
 */
export interface PackedModel {
  meta: ModelMeta;
  sourceIds: PackedStrings;
  targetIds: PackedStrings;
  sourceFactors: Float32Array;
  targetFactors: Float32Array;
  seen: { indptr: Int32Array; indices: Int32Array; data: Float32Array };
  targetPopularity?: Float32Array;
  sourceEntities: PackedEntityColumns;
  targetEntities: PackedEntityColumns;
}

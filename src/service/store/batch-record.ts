import type { BatchKindName } from '../../data/layout.js';

/** A committed batch as the catalog holds it (table `batches`). */
export interface BatchRecord {
  batchId: string;
  kind: BatchKindName;
  tags: string[];
  /** Creation (commit) time, epoch ms. */
  createdMs: number;
  requestId?: string;
  /** Path of the stored Arrow IPC stream file. */
  path: string;
  bytes: number;
  entityCount: number;
  interactionCount: number;
  minInteractionMs?: number;
  maxInteractionMs?: number;
  untimestampedCount: number;
  distinctSourceCount: number;
  distinctTargetCount: number;
}

/** How a list of tags selects batches: every tag (default) or any one of them. */
export type TagMatchMode = 'all' | 'any';

export interface BatchSelector {
  batchIds?: string[];
  tags?: string[];
  tagMatch?: TagMatchMode;
  kind?: BatchKindName;
}

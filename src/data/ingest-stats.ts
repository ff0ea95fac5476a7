import { Hash64Set } from './hash64-set.js';

/** What an import learns about its rows (becomes the batch's catalog row). */
export interface IngestStats {
  rows: number;
  /** Record batches of the upload. */
  inputBatches: number;
  /** Bytes of Arrow IPC received. */
  inputBytes: number;
  minInteractionMs?: number;
  maxInteractionMs?: number;
  untimestampedCount: number;
  /** Interactions: distinct source_id / target_id (exact up to 64-bit hash collisions, see hash64-set.ts). Entities: distinct id as source, 0 target. */
  distinctSourceCount: number;
  distinctTargetCount: number;
}

export class StatsAccumulator {
  rows = 0;
  inputBatches = 0;
  inputBytes = 0;
  min = Infinity;
  max = -Infinity;
  untimestamped = 0;
  readonly sources = new Hash64Set(1 << 12);
  readonly targets = new Hash64Set(1 << 12);

  timestamps(min: number, max: number, nulls: number): void {
    if (min < this.min) this.min = min;
    if (max > this.max) this.max = max;
    this.untimestamped += nulls;
  }

  result(): IngestStats {
    return {
      rows: this.rows, inputBatches: this.inputBatches, inputBytes: this.inputBytes,
      minInteractionMs: Number.isFinite(this.min) ? this.min : undefined,
      maxInteractionMs: Number.isFinite(this.max) ? this.max : undefined,
      untimestampedCount: this.untimestamped,
      distinctSourceCount: this.sources.size, distinctTargetCount: this.targets.size,
    };
  }
}

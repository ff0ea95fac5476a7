/**
 * Tests' view of a stored record batch: each column of the normalized layout decoded on first access,
 * through the same column readers as the selection (src/data/batch-reader.ts).
 */
import type { RecordBatch } from 'apache-arrow';
import { stringColumn, timestampMsColumn, weightColumn } from '../../src/data/batch-reader.js';

/** The columns of one stored interactions record batch, each decoded on first access. */
export class InteractionColumns {
  private cache = new Map<string, unknown>();
  constructor(readonly batch: RecordBatch) {}
  get length(): number { return this.batch.numRows; }
  private memo<T>(key: string, f: () => T): T {
    if (!this.cache.has(key)) this.cache.set(key, f());
    return this.cache.get(key) as T;
  }
  /** Never null (required at import). */
  get sourceId(): string[] { return this.memo('source_id', () => stringColumn(this.batch, 'source_id') as string[]); }
  get targetId(): string[] { return this.memo('target_id', () => stringColumn(this.batch, 'target_id') as string[]); }
  get type(): (string | null)[] { return this.memo('type', () => stringColumn(this.batch, 'type')); }
  get timestampMs(): Float64Array { return this.memo('timestamp_ms', () => timestampMsColumn(this.batch)); }
  get weight(): Float32Array { return this.memo('weight', () => weightColumn(this.batch)); }
  get metadata(): (string | null)[] { return this.memo('metadata', () => stringColumn(this.batch, 'metadata')); }
}

/** The columns of one stored entities record batch, each decoded on first access. */
export class EntityColumns {
  private cache = new Map<string, (string | null)[]>();
  constructor(readonly batch: RecordBatch) {}
  get length(): number { return this.batch.numRows; }
  private col(name: string): (string | null)[] {
    let v = this.cache.get(name);
    if (!v) { v = stringColumn(this.batch, name); this.cache.set(name, v); }
    return v;
  }
  /** Never null (required at import). */
  get id(): string[] { return this.col('id') as string[]; }
  get type(): (string | null)[] { return this.col('type'); }
  get name(): (string | null)[] { return this.col('name'); }
  get metadata(): (string | null)[] { return this.col('metadata'); }
  get mediaUrl(): (string | null)[] { return this.col('media_url'); }
}

export function interactionColumns(batch: RecordBatch): InteractionColumns { return new InteractionColumns(batch); }
export function entityColumns(batch: RecordBatch): EntityColumns { return new EntityColumns(batch); }

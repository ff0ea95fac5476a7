/**
 * The data layout: the columns users send (the product's names; keep them) and the normalized form we
 * store, in one table (`LAYOUT`). The upload's schema check (ingest-schema.ts), the conversions
 * (ingest.ts), the stored schema (`storedSchemaOf`) and the CLI's CSV reader (cli/import/csv-arrow.ts)
 * all derive from it.
 *
 * Each column is read as one of three kinds; the accepted input types per kind are in ingest-schema.ts:
 *   string     utf8 / large utf8 / dictionary of either;
 *   timestamp  an Arrow timestamp of any unit, date64, int64 epoch milliseconds, or int32 epoch
 *              SECONDS (an int32 can hold epoch seconds up to 2038 but epoch milliseconds only up to
 *              25 January 1970, so an int32 column is read as seconds); null = no timestamp;
 *   weight     any float or int; null = 1.
 * A column that is not nullable is required: present, and a non-empty value in every row.
 *
 * Stored: one Arrow IPC *stream* file per batch (its path: data-dir.ts), columns in table order with
 * the stored names and types, so readers need no conversions; record batches of at most
 * STORED_BATCH_ROWS rows. Dictionary-encoded strings are decoded, extra input columns dropped.
 */
import { type DataType, Field, Float32, Float64, Schema, Utf8 } from 'apache-arrow';

export type BatchKindName = 'INTERACTIONS' | 'ENTITIES';

export type ColumnKind = 'string' | 'timestamp' | 'weight';

export interface LayoutColumn {
  /** The name in uploads (and in a CSV header). */
  readonly input: string;
  /** The name in the stored file. */
  readonly stored: string;
  readonly kind: ColumnKind;
  /** The stored Arrow type. */
  readonly type: DataType;
  /** false: required (present, non-empty in every row). */
  readonly nullable: boolean;
  /** An id column whose distinct values an import counts (the batch's distinct source / target counts). */
  readonly distinct?: 'sources' | 'targets';
}

const string = (name: string, nullable: boolean, distinct?: 'sources' | 'targets'): LayoutColumn =>
  ({ input: name, stored: name, kind: 'string', type: new Utf8(), nullable, distinct });

export const LAYOUT: Readonly<Record<BatchKindName, readonly LayoutColumn[]>> = {
  INTERACTIONS: [
    string('source_id', false, 'sources'),
    string('target_id', false, 'targets'),
    string('type', true),
    { input: 'timestamp', stored: 'timestamp_ms', kind: 'timestamp', type: new Float64(), nullable: true },
    { input: 'weight', stored: 'weight', kind: 'weight', type: new Float32(), nullable: true },
    string('metadata', true),
  ],
  ENTITIES: [
    string('id', false, 'sources'),
    string('type', true),
    string('name', true),
    string('metadata', true),
    string('media_url', true),
  ],
};

/** The input names of the required columns of a kind. */
export function requiredColumns(kind: BatchKindName): string[] {
  return LAYOUT[kind].filter((c) => !c.nullable).map((c) => c.input);
}

const storedSchemas = new Map<BatchKindName, Schema>();

/** The Arrow schema of the stored files of a kind: what the importer writes and readers expect. */
export function storedSchemaOf(kind: BatchKindName): Schema {
  let s = storedSchemas.get(kind);
  if (!s) {
    s = new Schema(LAYOUT[kind].map((c) => new Field(c.stored, c.type, c.nullable)));
    storedSchemas.set(kind, s);
  }
  return s;
}

export const STORED_BATCH_ROWS = 65_536;

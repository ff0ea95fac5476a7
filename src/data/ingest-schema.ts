import { DataType, DateUnit, TimeUnit, type Field, type Schema } from 'apache-arrow';
import { InvalidArgumentError } from '../errors.js';
import type { BatchKindName } from './layout.js';

/**
 * Checks the schema of an upload (the schema message that precedes the first record batch) against the
 * layout (layout.ts) and returns a plan: for each stored column, where it comes from and how to convert.
 *
 * Accepted input types:
 *   strings (ids, type, name, metadata, media_url): Utf8, LargeUtf8, Dictionary<any int, Utf8|LargeUtf8>;
 *   timestamp: Timestamp of any unit (timezone ignored: values are UTC epoch), Int64 / Int32 epoch
 *              milliseconds, Date64;
 *   weight: any Float (16/32/64) or Int (8..64, signed or not).
 * Required columns: source_id + target_id (interactions), id (entities). Extra columns are ignored.
 */
export type StringSource = 'utf8' | 'largeUtf8' | 'dictionary';
export type TimestampSource = { kind: 'int64'; msPerUnit: number } | { kind: 'int32' };
export type NumberSource = 'float16' | 'float32' | 'float64' | 'int' | 'int64' | 'uint64';

export type ColumnSource =
  | { column: string; index: number; as: 'string'; from: StringSource }
  | { column: string; index: number; as: 'timestamp'; from: TimestampSource }
  | { column: string; index: number; as: 'weight'; from: NumberSource };

export interface IngestPlan {
  kind: BatchKindName;
  /** Stored column name -> its source (absent = all null). */
  columns: Map<string, ColumnSource>;
}

interface Spec { name: string; stored: string; as: 'string' | 'timestamp' | 'weight'; required: boolean }

const INTERACTION_SPECS: Spec[] = [
  { name: 'source_id', stored: 'source_id', as: 'string', required: true },
  { name: 'target_id', stored: 'target_id', as: 'string', required: true },
  { name: 'type', stored: 'type', as: 'string', required: false },
  { name: 'timestamp', stored: 'timestamp_ms', as: 'timestamp', required: false },
  { name: 'weight', stored: 'weight', as: 'weight', required: false },
  { name: 'metadata', stored: 'metadata', as: 'string', required: false },
];
const ENTITY_SPECS: Spec[] = [
  { name: 'id', stored: 'id', as: 'string', required: true },
  { name: 'type', stored: 'type', as: 'string', required: false },
  { name: 'name', stored: 'name', as: 'string', required: false },
  { name: 'metadata', stored: 'metadata', as: 'string', required: false },
  { name: 'media_url', stored: 'media_url', as: 'string', required: false },
];

const MS_PER_UNIT: Record<number, number> = {
  [TimeUnit.SECOND]: 1000, [TimeUnit.MILLISECOND]: 1, [TimeUnit.MICROSECOND]: 1e-3, [TimeUnit.NANOSECOND]: 1e-6,
};

function bad(field: Field, expected: string): InvalidArgumentError {
  return new InvalidArgumentError(`column "${field.name}" has type ${String(field.type)}; expected ${expected}`, { field: field.name });
}

function stringSource(f: Field): StringSource {
  const t = f.type;
  if (DataType.isUtf8(t)) return 'utf8';
  if (DataType.isLargeUtf8(t)) return 'largeUtf8';
  if (DataType.isDictionary(t) && (DataType.isUtf8(t.dictionary) || DataType.isLargeUtf8(t.dictionary))) return 'dictionary';
  throw bad(f, 'a string (utf8, large_utf8 or dictionary of utf8)');
}

function timestampSource(f: Field): TimestampSource {
  const t = f.type;
  const expected = 'a timestamp (any unit), int64/int32 epoch milliseconds or date64';
  if (DataType.isTimestamp(t)) return { kind: 'int64', msPerUnit: MS_PER_UNIT[t.unit]! };
  if (DataType.isDate(t) && t.unit === DateUnit.MILLISECOND) return { kind: 'int64', msPerUnit: 1 };
  if (DataType.isInt(t) && t.isSigned && t.bitWidth === 64) return { kind: 'int64', msPerUnit: 1 };
  if (DataType.isInt(t) && t.isSigned && t.bitWidth === 32) return { kind: 'int32' };
  throw bad(f, expected);
}

function numberSource(f: Field): NumberSource {
  const t = f.type;
  if (DataType.isFloat(t)) return t.precision === 0 ? 'float16' : t.precision === 1 ? 'float32' : 'float64';
  if (DataType.isInt(t)) return t.bitWidth === 64 ? (t.isSigned ? 'int64' : 'uint64') : 'int';
  throw bad(f, 'a number (float or int)');
}

export function checkSchema(schema: Schema, kind: BatchKindName): IngestPlan {
  const specs = kind === 'INTERACTIONS' ? INTERACTION_SPECS : ENTITY_SPECS;
  const columns = new Map<string, ColumnSource>();
  const byName = new Map<string, number>();
  schema.fields.forEach((f, i) => { if (!byName.has(f.name)) byName.set(f.name, i); });
  for (const spec of specs) {
    const index = byName.get(spec.name);
    if (index === undefined) {
      if (spec.required) {
        throw new InvalidArgumentError(
          `required column "${spec.name}" is missing (${kind.toLowerCase()} need ${specs.filter((s) => s.required).map((s) => s.name).join(', ')}; got ${schema.fields.map((f) => f.name).join(', ') || 'no columns'})`,
          { field: spec.name },
        );
      }
      continue;
    }
    const f = schema.fields[index]!;
    if (spec.as === 'string') columns.set(spec.stored, { column: spec.name, index, as: 'string', from: stringSource(f) });
    else if (spec.as === 'timestamp') columns.set(spec.stored, { column: spec.name, index, as: 'timestamp', from: timestampSource(f) });
    else columns.set(spec.stored, { column: spec.name, index, as: 'weight', from: numberSource(f) });
  }
  return { kind, columns };
}

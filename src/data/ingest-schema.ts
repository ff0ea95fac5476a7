/**
 * Checks the schema of an upload (the schema message that precedes the first record batch) against the
 * layout's table (layout.ts) and returns a plan: for each stored column, where it comes from and how to
 * convert.
 *
 * Accepted input types, by the column's kind:
 *   string: Utf8, LargeUtf8, Dictionary<any int, Utf8|LargeUtf8>;
 *   timestamp: Timestamp of any unit (timezone ignored: values are UTC epoch), Date64, Int64 epoch
 *              milliseconds, Int32 epoch seconds;
 *   weight: any Float (16/32/64) or Int (8..64, signed or not).
 * Required columns (not nullable in the table) must be present. Extra columns are ignored.
 */
import { DataType, DateUnit, TimeUnit, type Field, type Schema } from 'apache-arrow';
import { InvalidArgumentError } from '../errors.js';
import { LAYOUT, requiredColumns, type BatchKindName, type LayoutColumn } from './layout.js';

export type StringSource = 'utf8' | 'largeUtf8' | 'dictionary';
/** Integer values (64- or 32-bit) times msPerUnit = epoch milliseconds. */
export interface TimestampSource { bits: 64 | 32; msPerUnit: number }
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
  const expected = 'a timestamp (any unit), date64, int64 epoch milliseconds or int32 epoch seconds';
  if (DataType.isTimestamp(t)) return { bits: 64, msPerUnit: MS_PER_UNIT[t.unit]! };
  if (DataType.isDate(t) && t.unit === DateUnit.MILLISECOND) return { bits: 64, msPerUnit: 1 };
  if (DataType.isInt(t) && t.isSigned && t.bitWidth === 64) return { bits: 64, msPerUnit: 1 };
  // int32 epoch milliseconds would end on 25 January 1970: an int32 timestamp is epoch seconds.
  if (DataType.isInt(t) && t.isSigned && t.bitWidth === 32) return { bits: 32, msPerUnit: 1000 };
  throw bad(f, expected);
}

function numberSource(f: Field): NumberSource {
  const t = f.type;
  if (DataType.isFloat(t)) return t.precision === 0 ? 'float16' : t.precision === 1 ? 'float32' : 'float64';
  if (DataType.isInt(t)) return t.bitWidth === 64 ? (t.isSigned ? 'int64' : 'uint64') : 'int';
  throw bad(f, 'a number (float or int)');
}

function sourceOf(c: LayoutColumn, f: Field, index: number): ColumnSource {
  const column = c.input;
  if (c.kind === 'string') return { column, index, as: 'string', from: stringSource(f) };
  if (c.kind === 'timestamp') return { column, index, as: 'timestamp', from: timestampSource(f) };
  return { column, index, as: 'weight', from: numberSource(f) };
}

export function checkSchema(schema: Schema, kind: BatchKindName): IngestPlan {
  const columns = new Map<string, ColumnSource>();
  const byName = new Map<string, number>();
  schema.fields.forEach((f, i) => { if (!byName.has(f.name)) byName.set(f.name, i); });
  for (const c of LAYOUT[kind]) {
    const index = byName.get(c.input);
    if (index === undefined) {
      if (!c.nullable) {
        throw new InvalidArgumentError(
          `required column "${c.input}" is missing (${kind.toLowerCase()} need ${requiredColumns(kind).join(', ')}; got ${schema.fields.map((f) => f.name).join(', ') || 'no columns'})`,
          { field: c.input },
        );
      }
      continue;
    }
    columns.set(c.stored, sourceOf(c, schema.fields[index]!, index));
  }
  return { kind, columns };
}

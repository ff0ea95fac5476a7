/**
 * CSV with the layout's header (the input names of data/layout.ts's table) -> Arrow record batches of
 * `batchRows` rows, streaming (the file is never held whole). RFC 4180 quoting ("a,b", "say ""hi""",
 * newlines inside quotes). Empty fields are null (required columns' stay "" so the server reports the
 * row). Columns not in the layout are ignored. Interactions: `timestamp` is epoch milliseconds (an
 * integer; `timestampUnit: 's'` for seconds) or an ISO-8601 date-time; `weight` a number.
 */
import { StringDecoder } from 'node:string_decoder';
import { Field, Float32, makeData, RecordBatch, Schema, Struct, TimestampMillisecond, Utf8, type Data } from 'apache-arrow';
import { LAYOUT, requiredColumns, type BatchKindName, type ColumnKind } from '../../data/layout.js';

export class CsvError extends Error {}

function utf8Data(values: (string | null)[], n: number): Data<Utf8> {
  const offsets = new Int32Array(n + 1);
  const valid = new Uint8Array((n + 7) >> 3);
  let nulls = 0;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v === null || v === undefined) { nulls++; continue; }
    valid[i >> 3]! |= 1 << (i & 7);
    total += v.length;
  }
  // Joined once; byte offsets equal char offsets when the text is ASCII, else per-value byte lengths.
  const joined = values.slice(0, n).map((v) => v ?? '').join('');
  const bytes = Buffer.from(joined, 'utf8');
  let pos = 0;
  const ascii = bytes.length === total;
  for (let i = 0; i < n; i++) {
    offsets[i] = pos;
    const v = values[i];
    if (v) pos += ascii ? v.length : Buffer.byteLength(v, 'utf8');
  }
  offsets[n] = pos;
  return makeData({ type: new Utf8(), length: n, nullCount: nulls, nullBitmap: nulls ? valid : null, valueOffsets: offsets, data: bytes });
}

interface ColumnSpec { name: string; kind: ColumnKind; required: boolean }

function specsOf(kind: BatchKindName): ColumnSpec[] {
  return LAYOUT[kind].map((c) => ({ name: c.input, kind: c.kind, required: !c.nullable }));
}

function arrowType(c: ColumnSpec) {
  return c.kind === 'timestamp' ? new TimestampMillisecond() : c.kind === 'weight' ? new Float32() : new Utf8();
}

/** Splits one CSV record (no trailing newline) into fields. */
function splitRecord(line: string, out: string[]): number {
  let n = 0;
  if (line.indexOf('"') < 0) {
    let start = 0;
    for (;;) {
      const comma = line.indexOf(',', start);
      if (comma < 0) { out[n++] = line.slice(start); return n; }
      out[n++] = line.slice(start, comma);
      start = comma + 1;
    }
  }
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let v = '';
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) throw new CsvError('unterminated quoted field');
        v += line.slice(i, q);
        if (line[q + 1] === '"') { v += '"'; i = q + 2; continue; }
        i = q + 1;
        break;
      }
      out[n++] = v;
      if (i >= line.length) return n;
      if (line[i] !== ',') throw new CsvError(`unexpected character after a quoted field at column ${i + 1}`);
      i++;
    } else {
      const comma = line.indexOf(',', i);
      if (comma < 0) { out[n++] = line.slice(i); return n; }
      out[n++] = line.slice(i, comma);
      i = comma + 1;
    }
  }
}

function countQuotes(s: string): number {
  let c = 0;
  for (let i = s.indexOf('"'); i >= 0; i = s.indexOf('"', i + 1)) c++;
  return c;
}

/** Records (logical CSV lines, quotes balanced) of a byte stream. */
async function* records(input: AsyncIterable<Buffer | string>): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  let rest = '';
  let first = true;
  for await (const chunk of input) {
    let text = rest + (typeof chunk === 'string' ? chunk : decoder.write(chunk));
    if (first) { if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); first = false; }
    let start = 0;
    let pending = '';
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl < 0) break;
      let line = text.slice(start, nl);
      start = nl + 1;
      if (pending) line = `${pending}\n${line}`;
      if (line.indexOf('"') >= 0 && countQuotes(line) % 2 === 1) { pending = line; continue; }
      pending = '';
      if (line.endsWith('\r')) line = line.slice(0, -1);
      yield line;
    }
    rest = (pending ? `${pending}\n` : '') + text.slice(start);
  }
  rest += decoder.end();
  if (rest.length > 0) {
    if (countQuotes(rest) % 2 === 1) throw new CsvError('unterminated quoted field at the end of the file');
    yield rest.endsWith('\r') ? rest.slice(0, -1) : rest;
  }
}

/** How a CSV that does not use the layout's names maps onto it. */
export interface CsvMapping {
  /** CSV header name -> layout column name, e.g. { userId: 'source_id', movieId: 'target_id', rating: 'weight' }. */
  rename?: Record<string, string>;
  /** Unit of integer timestamps: 'ms' (default) or 's' (multiplied by 1000). */
  timestampUnit?: 'ms' | 's';
}

/** Parses `a=b,c=d` (the CLI's --map flag) into a rename table. */
export function parseRename(spec: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of spec.split(',').map((p) => p.trim()).filter(Boolean)) {
    const eq = pair.indexOf('=');
    if (eq <= 0 || eq === pair.length - 1) throw new CsvError(`--map entries look like csvName=layoutName, got "${pair}"`);
    out[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
  }
  return out;
}

/** The record batches of a CSV stream (at least one, possibly empty, so the schema is always known). */
export async function* csvRecordBatches(input: AsyncIterable<Buffer | string>, kind: BatchKindName, batchRows = 65_536, mapping: CsvMapping = {}): AsyncGenerator<RecordBatch> {
  const specs = specsOf(kind);
  const rename = mapping.rename ?? {};
  for (const target of Object.values(rename)) {
    if (!specs.some((s) => s.name === target)) throw new CsvError(`--map target "${target}" is not a column of the ${kind.toLowerCase()} layout (${specs.map((s) => s.name).join(', ')})`);
  }
  const tsScale = mapping.timestampUnit === 's' ? 1000 : 1;
  let header: string[] | undefined;
  let present: { spec: ColumnSpec; at: number }[] = [];
  let schema: Schema | undefined;
  let cols: (string | null)[][] = [];
  let ts = new Float64Array(0);
  let w = new Float32Array(0);
  let tsValid = new Uint8Array(0);
  let wValid = new Uint8Array(0);
  let n = 0;
  let line = 1;
  let total = 0;
  const fields: string[] = [];

  const reset = () => {
    cols = present.map(() => new Array<string | null>(batchRows));
    ts = new Float64Array(batchRows); w = new Float32Array(batchRows);
    tsValid = new Uint8Array((batchRows + 7) >> 3); wValid = new Uint8Array((batchRows + 7) >> 3);
    n = 0;
  };
  const build = (): RecordBatch => {
    const children = present.map(({ spec }, j) => {
      if (spec.kind === 'string') return utf8Data(cols[j]!, n);
      const valid = spec.kind === 'timestamp' ? tsValid : wValid;
      let nulls = 0;
      for (let i = 0; i < n; i++) if (!(valid[i >> 3]! & (1 << (i & 7)))) nulls++;
      const bitmap = nulls ? valid.slice(0, (n + 7) >> 3) : null;
      if (spec.kind === 'weight') return makeData({ type: new Float32(), length: n, nullCount: nulls, nullBitmap: bitmap, data: w.slice(0, n) });
      const words = new Int32Array(n * 2);
      for (let i = 0; i < n; i++) { const v = ts[i]!; const hi = Math.floor(v / 4294967296); words[2 * i] = v - hi * 4294967296; words[2 * i + 1] = hi; }
      return makeData({ type: new TimestampMillisecond(), length: n, nullCount: nulls, nullBitmap: bitmap, data: new BigInt64Array(words.buffer) as never });
    });
    return new RecordBatch(schema!, makeData({ type: new Struct(schema!.fields), length: n, nullCount: 0, children: children as Data[] }));
  };

  for await (const rec of records(input)) {
    line++;
    if (!header) {
      header = rec.split(',').map((h) => h.trim().replace(/^"(.*)"$/, '$1')).map((h) => rename[h] ?? h);
      present = specs.filter((s) => header!.includes(s.name)).map((spec) => ({ spec, at: header!.indexOf(spec.name) }));
      const missing = requiredColumns(kind).filter((r) => !header!.includes(r));
      if (missing.length) {
        // Suggest a --map pairing the header's unknown columns, in order, with the missing ones.
        const unknown = header.filter((h) => !specs.some((s) => s.name === h));
        const example = missing.map((m, i) => `${unknown[i] ?? 'csvName'}=${m}`).join(',');
        throw new CsvError(`the CSV header lacks ${missing.join(', ')} (header: ${header.join(',')}; expected the layout's columns: ${specs.map((s) => s.name).join(',')}); rename yours with --map, e.g. --map ${example}`);
      }
      schema = new Schema(present.map(({ spec }) => new Field(spec.name, arrowType(spec), true)));
      reset();
      line = 1;
      continue;
    }
    if (rec.length === 0) continue;
    let count: number;
    try { count = splitRecord(rec, fields); } catch (err) { throw new CsvError(`line ${line}: ${(err as Error).message}`); }
    for (let j = 0; j < present.length; j++) {
      const { spec, at } = present[j]!;
      const raw = at < count ? fields[at]! : '';
      if (spec.kind === 'string') {
        cols[j]![n] = raw === '' && !spec.required ? null : raw;
      } else if (raw !== '') {
        let v: number;
        if (spec.kind === 'timestamp') {
          v = /^-?\d+$/.test(raw) ? Number(raw) * tsScale : Date.parse(raw);
          if (!Number.isFinite(v)) throw new CsvError(`line ${line}: timestamp "${raw}" is neither epoch milliseconds nor an ISO-8601 date-time`);
          ts[n] = v; tsValid[n >> 3]! |= 1 << (n & 7);
        } else {
          v = Number(raw);
          if (!Number.isFinite(v)) throw new CsvError(`line ${line}: weight "${raw}" is not a number`);
          w[n] = v; wValid[n >> 3]! |= 1 << (n & 7);
        }
      }
    }
    total++;
    if (++n === batchRows) { yield build(); reset(); }
  }
  if (!header) throw new CsvError('the CSV file is empty (no header line)');
  if (n > 0 || total === 0) yield build(); // a header-only CSV still yields its (empty) schema
}

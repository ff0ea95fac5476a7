/**
 * Import of one upload: Arrow IPC *stream* bytes in chunks with arbitrary boundaries -> the normalized
 * stored stream (layout.ts) written to `out` while reading, plus stats. Memory is bounded by the largest
 * record batch of the upload (Arrow decodes whole messages), never the whole upload.
 *
 * Rules (each violation is an InvalidArgumentError naming the column and/or the 0-based row):
 *   - no bytes at all, garbage, the Arrow *file* format, a truncated stream (no end-of-stream marker),
 *     compressed (LZ4/ZSTD) buffers: rejected;
 *   - every message validated (ipc-validator.ts) before arrow-js reads it: claimed lengths, buffer positions,
 *     validity bitmaps, offsets, UTF-8, dictionary indices; so the cost of a batch is bounded by its bytes;
 *   - schema checked (ingest-schema.ts) before the first record batch;
 *   - ids (source_id, target_id / id) non-null and non-empty; weights finite; timestamps inside what the
 *     catalog and google.protobuf.Timestamp represent (years 1..9999);
 *   - metadata is stored as given (not parsed: filters treat invalid JSON as "no metadata");
 *   - a schema-only stream (zero rows) is a valid, empty batch.
 */
import { makeData, RecordBatch, RecordBatchReader, Struct, type Data } from 'apache-arrow';
import { CancelledError, InvalidArgumentError, RecommenderError, errorMessage } from '../errors.js';
import { LAYOUT, STORED_BATCH_ROWS, storedSchemaOf, type BatchKindName } from './layout.js';
import { checkSchema, type IngestPlan } from './ingest-schema.js';
import { nullColumn, toTimestampMs, toUtf8, toWeight } from './ingest-normalize.js';
import { StatsAccumulator, type IngestStats } from './ingest-stats.js';
import { IpcStreamEncoder } from './ipc-encoder.js';
import { IpcStreamValidator, validatedMessages } from './ipc-validator.js';

export interface IngestOptions {
  signal?: AbortSignal;
  /** Rows after which distinct ids are counted on a worker thread (ingest-stats.ts; default DISTINCT_OFFLOAD_AFTER_ROWS). */
  distinctOffloadAfterRows?: number;
}
export interface ByteSink {
  write(chunk: Uint8Array): Promise<void>;
  /** Optional gather write of consecutive pieces (else they are concatenated and given to write()). */
  writev?(chunks: Uint8Array[]): Promise<void>;
}

/**
 * Writes record batches one ahead: the write of batch k runs (libuv thread pool) while batch k+1 is
 * decoded; at most one write is in flight and writes stay in order. `settle()` waits for it.
 */
class WriteAhead {
  private inflight: Promise<void> | undefined;
  constructor(private readonly out: ByteSink) {}

  async write(pieces: Uint8Array[]): Promise<void> {
    await this.settle();
    const p = this.out.writev ? this.out.writev(pieces) : this.out.write(pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces));
    p.catch(() => undefined); // observed by the next write() / settle()
    this.inflight = p;
  }

  async settle(): Promise<void> {
    const p = this.inflight;
    this.inflight = undefined;
    if (p) await p;
  }
}

const FILE_MAGIC = [0x41, 0x52, 0x52, 0x4f, 0x57, 0x31]; // "ARROW1"

/** Counts bytes, keeps the first few (to tell the file format), and stops with CancelledError when the signal aborts. */
class InputTap implements AsyncIterable<Uint8Array> {
  bytes = 0;
  readonly head: number[] = [];
  private readonly it: AsyncIterator<Uint8Array>;
  private prefix: Uint8Array[] = [];
  private done = false;

  constructor(source: AsyncIterable<Uint8Array>, private readonly signal?: AbortSignal) {
    this.it = source[Symbol.asyncIterator]();
  }

  async pull(): Promise<Uint8Array | undefined> {
    if (this.done) return undefined;
    if (this.signal?.aborted) throw new CancelledError('upload cancelled by the client', { cause: this.signal.reason });
    const next = this.signal ? await raceAbort(this.it.next(), this.signal) : await this.it.next();
    if (next.done) { this.done = true; return undefined; }
    const c = next.value;
    this.bytes += c.byteLength;
    for (let i = 0; i < c.byteLength && this.head.length < 8; i++) this.head.push(c[i]!);
    return c;
  }

  /** Reads until at least n bytes were seen (for sniffing), keeping the chunks to replay. */
  async peek(n: number): Promise<void> {
    while (this.head.length < n) {
      const c = await this.pull();
      if (!c) return;
      this.prefix.push(c);
    }
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array> {
    while (this.prefix.length > 0) yield this.prefix.shift()!;
    for (;;) {
      const c = await this.pull();
      if (!c) return;
      if (c.byteLength > 0) yield c;
    }
  }
}

function raceAbort<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new CancelledError('upload cancelled by the client', { cause: signal.reason }));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    p.then((v) => { signal.removeEventListener('abort', onAbort); resolve(v); },
      (e) => { signal.removeEventListener('abort', onAbort); reject(e); });
  });
}

function arrowError(err: unknown, rowBase: number): RecommenderError {
  if (err instanceof RecommenderError) return err;
  const msg = errorMessage(err);
  if (/compressed/i.test(msg)) {
    return new InvalidArgumentError('the Arrow stream uses compressed buffers (LZ4/ZSTD), which are not supported: write it uncompressed', { field: 'arrow_chunk', cause: err });
  }
  return new InvalidArgumentError(`invalid Arrow IPC stream after ${rowBase} rows: ${msg}`, { field: 'arrow_chunk', cause: err });
}

function normalize(plan: IngestPlan, batch: RecordBatch, rowBase: number, stats: StatsAccumulator): Data[] {
  const n = batch.numRows;
  const input = batch.data.children as Data[];
  const children: Data[] = [];
  for (const c of LAYOUT[plan.kind]) {
    const src = plan.columns.get(c.stored);
    if (!src) {
      children.push(nullColumn(c.kind, n));
      if (c.kind === 'timestamp') stats.untimestamped += n;
      continue;
    }
    const d = input[src.index]!;
    if (src.as === 'string') {
      const out = toUtf8(d, src.from, src.column, rowBase, !c.nullable);
      children.push(out.data);
      if (c.distinct) stats.ids(c.distinct, out.offsets, out.bytes, n);
    } else if (src.as === 'timestamp') {
      const t = toTimestampMs(d, src.from, src.column, rowBase);
      stats.timestamps(t.min, t.max, t.nulls);
      children.push(t.data);
    } else {
      children.push(toWeight(d, src.from, src.column, rowBase));
    }
  }
  return children;
}

/** Reads the upload, writes the normalized stream to `out`, returns the stats. Throws domain errors. */
export async function ingestArrowStream(source: AsyncIterable<Uint8Array>, kind: BatchKindName, out: ByteSink, opts: IngestOptions = {}): Promise<IngestStats> {
  const stats = new StatsAccumulator(opts.distinctOffloadAfterRows);
  const writer = new WriteAhead(out);
  try {
    return await ingest(source, kind, out, writer, opts, stats);
  } finally {
    await writer.settle().catch(() => undefined); // never leave a write running on a file the caller may abort
    await stats.close();
  }
}

async function ingest(source: AsyncIterable<Uint8Array>, kind: BatchKindName, out: ByteSink, writer: WriteAhead, opts: IngestOptions, stats: StatsAccumulator): Promise<IngestStats> {
  const tap = new InputTap(source, opts.signal);
  const schema = storedSchemaOf(kind);
  await tap.peek(8);
  if (tap.bytes === 0) throw new InvalidArgumentError('the upload has no Arrow bytes (send arrow_chunk messages after the header)', { field: 'arrow_chunk' });
  if (FILE_MAGIC.every((b, i) => tap.head[i] === b)) {
    throw new InvalidArgumentError('this is the Arrow IPC *file* format; send the IPC *stream* format', { field: 'arrow_chunk' });
  }
  const validator = new IpcStreamValidator();
  let ended = false;
  async function* validated(): AsyncGenerator<Uint8Array> {
    for await (const m of validatedMessages(tap, validator)) yield m.bytes;
    ended = true;
  }
  let reader: Awaited<ReturnType<typeof RecordBatchReader.from>>;
  try {
    reader = await RecordBatchReader.from(validated());
    await reader.open();
  } catch (err) {
    throw arrowError(err, 0);
  }
  if (!reader.schema) throw new InvalidArgumentError('invalid Arrow IPC stream: no schema message', { field: 'arrow_chunk' });
  const plan = checkSchema(reader.schema, kind);

  const encoder = new IpcStreamEncoder(schema);
  await out.write(encoder.start());
  const structType = new Struct(schema.fields);
  try {
    for await (const batch of reader as AsyncIterable<RecordBatch>) {
      const n = batch.numRows;
      const children = normalize(plan, batch, stats.rows, stats);
      const normalized = new RecordBatch(schema, makeData({ type: structType, length: n, nullCount: 0, children }));
      for (let a = 0; a < n; a += STORED_BATCH_ROWS) {
        await writer.write(encoder.encodePieces(n <= STORED_BATCH_ROWS ? normalized : normalized.slice(a, Math.min(n, a + STORED_BATCH_ROWS))));
      }
      stats.rows += n;
      stats.inputBatches++;
      await stats.keepUp();
    }
  } catch (err) {
    throw arrowError(err, stats.rows);
  }
  if (!ended) throw new InvalidArgumentError(`the Arrow stream ended early (${stats.rows} rows read)`, { field: 'arrow_chunk' });
  await writer.settle();
  await out.write(encoder.end());
  stats.inputBytes = tap.bytes;
  return stats.result();
}

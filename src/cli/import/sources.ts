import { createReadStream, openSync, readSync, closeSync, statSync, readFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { extname } from 'node:path';
import { RecordBatchReader, type RecordBatch } from 'apache-arrow';
import type { BatchKindName } from '../../data/layout.js';
import { IpcStreamEncoder } from '../../data/ipc-encoder.js';
import { csvRecordBatches, type CsvMapping } from './csv-arrow.js';

/**
 * A local file as Arrow IPC *stream* bytes for ImportBatch, plus progress callbacks.
 *   .csv             parsed streaming (csv-arrow.ts), 64k-row record batches;
 *   .arrow/.arrows/.ipc/.feather   IPC stream: sent as is, read in 1 MiB pieces; IPC file (ARROW1
 *                    magic): its record batches re-encoded as a stream, read batch by batch;
 *   .parquet         parquet-wasm: the whole file is read and decoded in memory (its API takes a buffer),
 *                    then sent as an IPC stream.
 */
export interface FileSource {
  format: 'csv' | 'arrow-stream' | 'arrow-file' | 'parquet';
  totalBytes: number;
  /** The IPC stream bytes. `onInput(bytes)` reports file bytes consumed; `onRows(n)` rows encoded (when known). */
  pieces(onInput: (n: number) => void, onRows: (n: number) => void): AsyncIterable<Uint8Array>;
}

function isArrowFileFormat(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(6);
    return readSync(fd, head, 0, 6, 0) === 6 && head.toString('latin1') === 'ARROW1';
  } finally { closeSync(fd); }
}

async function* encodeBatches(batches: AsyncIterable<RecordBatch> | Iterable<RecordBatch>, onRows: (n: number) => void): AsyncGenerator<Uint8Array> {
  let enc: IpcStreamEncoder | undefined;
  for await (const b of batches) {
    if (!enc) { enc = new IpcStreamEncoder(b.schema); yield enc.start(); }
    yield enc.encode(b);
    onRows(b.numRows);
  }
  if (enc) yield enc.end();
}

export function fileSource(path: string, kind: BatchKindName, batchRows = 65_536, csv: CsvMapping = {}): FileSource {
  const totalBytes = statSync(path).size;
  const ext = extname(path).toLowerCase();
  if (ext === '.csv') {
    return {
      format: 'csv', totalBytes,
      pieces: (onInput, onRows) => {
        const stream = createReadStream(path, { highWaterMark: 1 << 20 });
        stream.on('data', (c) => onInput(c.length));
        return encodeBatches(csvRecordBatches(stream as AsyncIterable<Buffer>, kind, batchRows, csv), onRows);
      },
    };
  }
  if (ext === '.parquet') {
    return {
      format: 'parquet', totalBytes,
      pieces: (onInput, onRows) => (async function* () {
        const { readParquet } = await import('parquet-wasm');
        const buf = readFileSync(path);
        onInput(buf.length);
        const ipc = readParquet(buf).intoIPCStream();
        // Re-read as record batches to report rows; the bytes go out as parquet-wasm wrote them.
        let rows = 0;
        for (const b of RecordBatchReader.from(ipc)) rows += b.numRows;
        yield ipc;
        onRows(rows);
      })(),
    };
  }
  if (['.arrow', '.arrows', '.ipc', '.feather'].includes(ext)) {
    if (isArrowFileFormat(path)) {
      return {
        format: 'arrow-file', totalBytes,
        pieces: (onInput, onRows) => (async function* () {
          const fh = await open(path, 'r');
          try {
            const reader = await RecordBatchReader.from(fh);
            yield* encodeBatches(reader as AsyncIterable<RecordBatch>, onRows);
            onInput(totalBytes);
          } finally { await fh.close(); }
        })(),
      };
    }
    return {
      format: 'arrow-stream', totalBytes,
      pieces: (onInput) => (async function* () {
        for await (const c of createReadStream(path, { highWaterMark: 1 << 20 })) { onInput((c as Buffer).length); yield c as Buffer; }
      })(),
    };
  }
  throw new Error(`unsupported file type "${ext || path}": use .csv, .parquet or .arrow (IPC stream or file)`);
}

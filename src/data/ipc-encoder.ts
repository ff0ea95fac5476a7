import { AsyncByteQueue, RecordBatchStreamWriter, type RecordBatch, type Schema } from 'apache-arrow';

/** Collects what the Arrow writer emits synchronously (the writer otherwise queues it for async readers). */
class CollectingSink extends AsyncByteQueue {
  chunks: Uint8Array[] = [];
  size = 0;
  override write(value: Uint8Array): void {
    if (value.byteLength === 0) return;
    this.chunks.push(value);
    this.size += value.byteLength;
  }
  take(): Uint8Array {
    const out = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.size);
    this.chunks = [];
    this.size = 0;
    return out;
  }
  /** The pieces as emitted (views of the batch's buffers: no copy); they stay valid, the writer allocates anew for every message. */
  takePieces(): Uint8Array[] {
    const out = this.chunks;
    this.chunks = [];
    this.size = 0;
    return out;
  }
}

/**
 * Arrow IPC *stream* encoding one piece at a time: `start()` gives the schema message, `encode(batch)`
 * the bytes of one record batch (with any dictionaries), `end()` the end-of-stream marker.
 */
export class IpcStreamEncoder {
  private readonly sink = new CollectingSink();
  private readonly writer = new RecordBatchStreamWriter();
  constructor(readonly schema: Schema) {}

  start(): Uint8Array {
    this.writer.reset(this.sink, this.schema);
    return this.sink.take();
  }

  encode(batch: RecordBatch): Uint8Array {
    this.writer.write(batch);
    return this.sink.take();
  }

  /** Like encode(), as the pieces the writer emitted (metadata, body buffers, padding) to write with writev: no concatenation copy. */
  encodePieces(batch: RecordBatch): Uint8Array[] {
    this.writer.write(batch);
    return this.sink.takePieces();
  }

  end(): Uint8Array {
    this.writer.finish();
    return this.sink.take();
  }
}

/**
 * Worker-thread entry of the import (ingest-in-worker.ts): validates, decodes, hashes and writes one upload
 * (ingest.ts) off the server's event loop, then commits the batch file (fsync, rename) and answers the stats.
 */
import { diskFullError } from '../data-dir.js';
import { AtomicFileWriter } from '../util/atomic-file.js';
import { serveWorker } from '../util/worker-rpc.js';
import { ingestArrowStream } from './ingest.js';
import { INGEST_READ_AHEAD_BYTES, type IngestProtocol } from './ingest-protocol.js';

/** The chunks of one upload as they are pushed; a push resolves once the queue is below the read-ahead bound. */
class ChunkQueue implements AsyncIterable<Uint8Array> {
  private readonly chunks: Uint8Array[] = [];
  private bytes = 0;
  private ended = false;
  private closed = false;
  private wake: (() => void) | undefined;
  private readonly room: (() => void)[] = [];

  push(chunk: Uint8Array | null): Promise<null> | null {
    if (this.closed) return null;
    if (chunk === null) this.ended = true;
    else { this.chunks.push(chunk); this.bytes += chunk.byteLength; }
    this.wake?.();
    if (this.bytes <= INGEST_READ_AHEAD_BYTES) return null;
    return new Promise((resolve) => this.room.push(() => resolve(null)));
  }

  /** The upload ended (done or failed): waiting pushes are answered, later ones dropped. */
  close(): void {
    this.closed = true;
    this.chunks.length = 0;
    this.bytes = 0;
    for (const r of this.room.splice(0)) r();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array> {
    for (;;) {
      const c = this.chunks.shift();
      if (c) {
        this.bytes -= c.byteLength;
        if (this.bytes <= INGEST_READ_AHEAD_BYTES) for (const r of this.room.splice(0)) r();
        yield c;
        continue;
      }
      if (this.ended || this.closed) return;
      await new Promise<void>((r) => { this.wake = r; });
      this.wake = undefined;
    }
  }
}

const uploads = new Map<number, ChunkQueue>();

serveWorker<IngestProtocol>({
  ingest: async (req, ctx) => {
    const queue = new ChunkQueue();
    uploads.set(req.id, queue); // before any await: its pushes may be next in line
    try {
      const file = await AtomicFileWriter.create(req.path, req.tempPath);
      try {
        const stats = await ingestArrowStream(queue, req.kind, file, { signal: ctx.signal, distinctOffloadAfterRows: req.distinctOffloadAfterRows });
        await file.commit();
        return { stats, bytes: file.bytesWritten };
      } catch (err) {
        await file.abort();
        throw err;
      }
    } catch (err) {
      throw diskFullError(err, req.dataDir);
    } finally {
      uploads.delete(req.id);
      queue.close();
    }
  },
  push: ({ id, chunk }) => uploads.get(id)?.push(chunk) ?? null,
});

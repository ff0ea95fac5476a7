/**
 * Durable writes: a file or directory is written under a temp name beside its final path, fsynced,
 * renamed into place and its directory fsynced, so a reader (or a restart) sees it whole or not at all.
 */
import { closeSync, fsyncSync, openSync } from 'node:fs';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { TEMP_PREFIX } from '../data-dir.js';

/** The temp path of `finalPath`: `TEMP_PREFIX<random>-<final name>` in the same directory (data-dir.ts). */
export function tempPathFor(finalPath: string): string {
  return join(dirname(finalPath), `${TEMP_PREFIX}${randomBytes(6).toString('hex')}-${basename(finalPath)}`);
}

/** fsync a directory so a rename inside it is durable. */
export function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try { fsyncSync(fd); } finally { closeSync(fd); }
}

/**
 * A file being written: appended to, then either committed (fsync, rename into place, fsync the
 * directory) or aborted (deleted). Readers never see it before commit.
 */
export class AtomicFileWriter {
  readonly tempPath: string;
  bytesWritten = 0;
  private constructor(readonly finalPath: string, private fh: FileHandle | undefined, tempPath: string) { this.tempPath = tempPath; }

  /** `tempPath`: the temp name to use (default a fresh `tempPathFor(finalPath)`), e.g. one the caller removes if this thread dies. */
  static async create(finalPath: string, tempPath = tempPathFor(finalPath)): Promise<AtomicFileWriter> {
    const fh = await open(tempPath, 'wx');
    return new AtomicFileWriter(finalPath, fh, tempPath);
  }

  async write(chunk: Uint8Array): Promise<void> {
    if (!this.fh) throw new Error('write after commit/abort');
    let off = 0;
    while (off < chunk.byteLength) {
      const { bytesWritten } = await this.fh.write(chunk, off, chunk.byteLength - off);
      off += bytesWritten;
    }
    this.bytesWritten += chunk.byteLength;
  }

  /** Appends consecutive pieces with one gather write (no concatenation copy); a short write is finished piece by piece. */
  async writev(chunks: Uint8Array[]): Promise<void> {
    if (!this.fh) throw new Error('write after commit/abort');
    const total = chunks.reduce((n, c) => n + c.byteLength, 0);
    const { bytesWritten } = await this.fh.writev(chunks);
    if (bytesWritten < total) {
      let skip = bytesWritten;
      for (const c of chunks) {
        if (skip >= c.byteLength) { skip -= c.byteLength; continue; }
        await this.write(c.subarray(skip)); // counts its own bytes
        skip = 0;
      }
      this.bytesWritten += bytesWritten;
      return;
    }
    this.bytesWritten += total;
  }

  async commit(): Promise<void> {
    const fh = this.fh;
    if (!fh) throw new Error('commit after commit/abort');
    this.fh = undefined;
    await fh.sync();
    await fh.close();
    await rename(this.tempPath, this.finalPath);
    fsyncDir(dirname(this.finalPath));
  }

  async abort(): Promise<void> {
    const fh = this.fh;
    this.fh = undefined;
    if (fh) await fh.close().catch(() => undefined);
    await rm(this.tempPath, { force: true });
  }
}

/** Writes a whole buffer to `path` (a new file, e.g. inside a temp directory) and fsyncs it; no rename. */
export async function writeFileSynced(path: string, data: Uint8Array | string): Promise<void> {
  const fh = await open(path, 'wx');
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Directory version of the temp -> rename dance: `tempDir` (fully written, files fsynced, created with
 * `tempPathFor(finalDir)` so it sits beside it) is fsynced, renamed to `finalDir`, and the parent
 * fsynced. An existing `finalDir` is first moved aside and removed after the swap (rename cannot
 * replace a non-empty directory).
 */
export async function commitDirAtomic(tempDir: string, finalDir: string): Promise<void> {
  fsyncDir(tempDir);
  let aside: string | undefined;
  try {
    aside = tempPathFor(finalDir);
    await rename(finalDir, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    aside = undefined;
  }
  await rename(tempDir, finalDir);
  fsyncDir(dirname(finalDir));
  if (aside) await rm(aside, { recursive: true, force: true });
}

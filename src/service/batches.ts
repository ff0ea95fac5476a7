/**
 * Batches: import (streamed Arrow -> durable file -> catalog row), list, delete.
 *
 * Visibility: a batch exists only once its file is fsynced, renamed into place (dir fsynced) AND its
 * catalog row is committed. The upload is validated, decoded, hashed and written by an ingest worker
 * thread (data/ingest-in-worker.ts), never on the event loop. A failed, cancelled or killed upload leaves at most a temp file
 * (`.tmp-*`) or an orphan `.arrow` file, both removed when the service starts.
 *
 * Header rules: kind INTERACTIONS or ENTITIES; tags by the one rule of store/tags.ts; request_id at
 * most 128 characters. A request_id makes the upload idempotent per kind (AIP-155): when
 * a batch with that (kind, request_id) exists, it is returned and the new bytes are not read or stored.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { CompiledServerOptions } from '../config.js';
import type { BatchKindName } from '../data/layout.js';
import { IngestWorkers } from '../data/ingest-in-worker.js';
import { CancelledError, echo, InvalidArgumentError, NotFoundError, ResourceExhaustedError } from '../errors.js';
import type { Logger } from '../log.js';
import type { ServiceMetrics } from './metrics.js';
import { DataDir, diskFullError, isTempName } from '../data-dir.js';
import type { BatchRecord, BatchSelector } from './store/batch-record.js';
import { BatchRepo, type BatchPage } from './store/batch-repo.js';
import type { Db } from './store/catalog.js';
import { validateTags } from './store/tags.js';
import { BatchKind } from '../gen/recommender/v1/BatchKind.js';
import { enumName } from '../util/proto-enum.js';
import { validateBatchIds, validateRequestId } from './request-limits.js';
export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;

export interface ImportHeader {
  kind: BatchKindName | string | undefined;
  tags: string[];
  requestId?: string;
}

export interface ImportResult {
  batch: BatchRecord;
  /** True when the request_id matched an existing batch and nothing new was stored. */
  deduplicated: boolean;
}

function newBatchId(): string {
  // Time-ordered (ms, base36) + 48 random bits.
  return `b_${Date.now().toString(36).padStart(9, '0')}${randomBytes(6).toString('hex')}`;
}

/** Counts bytes and stops with RESOURCE_EXHAUSTED once more than `max` arrived. */
async function* limitBytes(source: AsyncIterable<Uint8Array>, max: number): AsyncGenerator<Uint8Array> {
  let total = 0;
  for await (const chunk of source) {
    total += chunk.byteLength;
    if (total > max) throw new ResourceExhaustedError(`upload exceeds the server's limit of ${max} bytes`, { field: 'arrow_chunk' });
    yield chunk;
  }
}

export class BatchService {
  readonly repo: BatchRepo;
  private readonly layout: DataDir;
  private readonly dir: string;
  private readonly ingest: IngestWorkers;

  constructor(private readonly options: Pick<CompiledServerOptions, 'dataDir' | 'maxUploadBytes' | 'maxWorkers'>, db: Db, private readonly log?: Logger, private readonly metrics?: ServiceMetrics) {
    this.ingest = new IngestWorkers(options.maxWorkers);
    this.repo = new BatchRepo(db, options.dataDir);
    this.layout = new DataDir(options.dataDir);
    this.dir = this.layout.batchesDir;
    mkdirSync(this.dir, { recursive: true });
    this.cleanLeftovers();
  }

  /** Removes temp files of interrupted uploads and files without a catalog row (crash between rename and commit, or after a delete). */
  cleanLeftovers(): { removed: string[] } {
    const known = this.repo.fileNames();
    const removed: string[] = [];
    for (const name of readdirSync(this.dir)) {
      const path = join(this.dir, name);
      if (isTempName(name) || (name.endsWith('.arrow') && !known.has(path))) {
        rmSync(path, { force: true, recursive: true });
        removed.push(name);
      }
    }
    if (removed.length > 0) this.log?.info({ removed }, 'removed leftover batch files');
    return { removed };
  }

  validateHeader(h: ImportHeader): { kind: BatchKindName; tags: string[]; requestId?: string } {
    const kind = enumName(h.kind, BatchKind, 'header.kind');
    if (kind === 'BATCH_KIND_UNSPECIFIED') throw new InvalidArgumentError('header.kind must be INTERACTIONS or ENTITIES, got BATCH_KIND_UNSPECIFIED', { field: 'header.kind' });
    const tags = validateTags(h.tags, 'header.tags');
    return { kind, tags, requestId: validateRequestId(h.requestId, 'header.request_id') };
  }

  /** The batch stored under this idempotency key, if any (checked before reading the upload). */
  existing(kind: BatchKindName, requestId: string | undefined): BatchRecord | undefined {
    return requestId ? this.repo.findByRequestId(kind, requestId) : undefined;
  }

  /**
   * Stores one upload. `chunks` are the Arrow bytes after the header. On any failure (bad bytes, limit,
   * cancel, disk full: RESOURCE_EXHAUSTED naming the data directory) the temp file is removed and nothing
   * becomes visible.
   */
  async importBatch(header: ImportHeader, chunks: AsyncIterable<Uint8Array>, signal?: AbortSignal): Promise<ImportResult> {
    const { kind, tags, requestId } = this.validateHeader(header);
    const prior = this.existing(kind, requestId);
    if (prior) return { batch: prior, deduplicated: true };

    const batchId = newBatchId();
    const path = this.layout.batchFile(batchId);
    const t0 = performance.now();
    const { stats, bytes } = await this.ingest.ingest({ kind, path, dataDir: this.options.dataDir, signal }, limitBytes(chunks, this.options.maxUploadBytes));
    const t1 = performance.now();
    const interactions = kind === 'INTERACTIONS';
    const record: BatchRecord = {
      batchId, kind, tags, createdMs: Date.now(), requestId, path, bytes,
      entityCount: interactions ? 0 : stats.rows, interactionCount: interactions ? stats.rows : 0,
      minInteractionMs: stats.minInteractionMs, maxInteractionMs: stats.maxInteractionMs,
      untimestampedCount: interactions ? stats.untimestampedCount : 0,
      distinctSourceCount: interactions ? stats.distinctSourceCount : 0,
      distinctTargetCount: interactions ? stats.distinctTargetCount : 0,
    };
    try {
      if (signal?.aborted) throw new CancelledError('upload cancelled by the client');
      this.repo.insert(record);
    } catch (err) {
      rmSync(path, { force: true });
      // A concurrent upload with the same request_id won the race: return its batch.
      const winner = err instanceof CancelledError ? undefined : this.existing(kind, requestId);
      if (winner) return { batch: winner, deduplicated: true };
      throw diskFullError(err, this.options.dataDir);
    }
    this.metrics?.importedRows.inc({ kind: kind.toLowerCase() }, stats.rows);
    this.metrics?.importedBytes.inc({ kind: kind.toLowerCase() }, stats.inputBytes);
    this.log?.info({ batch_id: batchId, kind, rows: stats.rows, bytes, input_bytes: stats.inputBytes,
      ingest_ms: Math.round(t1 - t0), commit_ms: Math.round(performance.now() - t1) }, 'batch imported');
    return { batch: record, deduplicated: false };
  }

  /** Ends the ingest workers (at shutdown; uploads still running fail). */
  close(): Promise<void> {
    return this.ingest.close();
  }

  list(selector: BatchSelector, pageSize: number | undefined, pageToken: string | undefined): BatchPage {
    if (selector.tags) selector = { ...selector, tags: validateTags(selector.tags, 'tags') };
    if (selector.batchIds) selector = { ...selector, batchIds: validateBatchIds(selector.batchIds, 'batch_ids') };
    let size = pageSize ?? 0;
    if (size < 0) throw new InvalidArgumentError(`page_size must be >= 0, got ${size}`, { field: 'page_size' });
    if (size === 0) size = DEFAULT_PAGE_SIZE;
    size = Math.min(size, MAX_PAGE_SIZE);
    return this.repo.select(selector, { pageSize: size, pageToken });
  }

  /**
   * Deletes the batches matching the selectors (ids AND tags). At least one selector; an unknown id is
   * NOT_FOUND (nothing deleted) unless `allowMissing`. Rows go first (one transaction), then the files.
   */
  delete(selector: { batchIds?: string[]; tags?: string[] }, allowMissing: boolean): string[] {
    const batchIds = validateBatchIds(selector.batchIds, 'batch_ids');
    const tags = validateTags(selector.tags, 'tags');
    if (batchIds.length === 0 && tags.length === 0) {
      throw new InvalidArgumentError('give batch_ids and/or tags: deleting every batch needs an explicit selector', { field: 'batch_ids' });
    }
    const missing = batchIds.filter((id) => !this.repo.get(id));
    if (missing.length > 0 && !allowMissing) {
      throw new NotFoundError(`unknown batch ${missing.length === 1 ? 'id' : 'ids'}: ${missing.slice(0, 10).map(echo).join(', ')}${missing.length > 10 ? ', ...' : ''}`, { field: 'batch_ids' });
    }
    const doomed = this.repo.selectAll({ batchIds: batchIds.length > 0 ? batchIds : undefined, tags });
    if (batchIds.length > 0 && doomed.length === 0) return [];
    const deleted = this.repo.delete(doomed.map((b) => b.batchId));
    for (const b of doomed) rmSync(b.path, { force: true });
    this.log?.info({ deleted }, 'batches deleted');
    return deleted;
  }
}

/**
 * The batch catalog: tables `batches` and `batch_tags` (migration 001_batches in schema.ts). Rows store
 * the file path relative to the data directory (data-dir.ts names the file).
 */
import { isAbsolute, relative, resolve } from 'node:path';
import type { BatchKindName } from '../../data/layout.js';
import { InvalidArgumentError } from '../../errors.js';
import type { Db } from './catalog.js';
import type { BatchRecord, BatchSelector } from './batch-record.js';

interface BatchRow {
  batch_id: string; kind: BatchKindName; tags_json: string; created_ms: number; request_id: string | null; path: string;
  bytes: number; entity_count: number; interaction_count: number; min_interaction_ms: number | null; max_interaction_ms: number | null;
  untimestamped_count: number; distinct_source_count: number; distinct_target_count: number;
}

export interface PageRequest {
  pageSize: number;
  /** Opaque token from a previous page ('' or undefined = first page). */
  pageToken?: string;
}
export interface BatchPage {
  batches: BatchRecord[];
  /** '' when this is the last page. */
  nextPageToken: string;
  /** Batches matching the selector, all pages. */
  totalSize: number;
}

/** Keyset page token: base64url of JSON [createdMs, batchId] of the last row returned. */
function encodeToken(r: BatchRecord): string {
  return Buffer.from(JSON.stringify([r.createdMs, r.batchId])).toString('base64url');
}
function decodeToken(token: string): [number, string] {
  try {
    const v = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'number' && typeof v[1] === 'string') return [v[0], v[1]];
  } catch { /* fall through */ }
  throw new InvalidArgumentError('page_token is not a token this server returned', { field: 'page_token' });
}

/**
 * The batch catalog. Order is stable everywhere: creation time, then batch id. Tag selection:
 * 'all' (default; ListBatches semantics) = the batch carries every given tag; 'any' = at least one.
 * An empty or absent `tags` / `batchIds` list does not restrict.
 */
export class BatchRepo {
  private readonly dataDir: string;
  private readonly insertRow;
  private readonly insertTag;
  private readonly getRow;
  private readonly byRequestId;
  private readonly byRequestIdAnyKind;
  private readonly deleteRow;

  constructor(private readonly db: Db, dataDir: string) {
    this.dataDir = resolve(dataDir);
    this.insertRow = db.prepare(`INSERT INTO batches (batch_id, kind, tags_json, created_ms, request_id, path, bytes, entity_count,
      interaction_count, min_interaction_ms, max_interaction_ms, untimestamped_count, distinct_source_count, distinct_target_count)
      VALUES (@batch_id, @kind, @tags_json, @created_ms, @request_id, @path, @bytes, @entity_count, @interaction_count,
      @min_interaction_ms, @max_interaction_ms, @untimestamped_count, @distinct_source_count, @distinct_target_count)`);
    this.insertTag = db.prepare('INSERT OR IGNORE INTO batch_tags (batch_id, tag) VALUES (?, ?)');
    this.getRow = db.prepare('SELECT * FROM batches WHERE batch_id = ?');
    this.byRequestId = db.prepare('SELECT * FROM batches WHERE kind = ? AND request_id = ?');
    this.byRequestIdAnyKind = db.prepare('SELECT * FROM batches WHERE request_id = ? ORDER BY created_ms, batch_id LIMIT 1');
    this.deleteRow = db.prepare('DELETE FROM batches WHERE batch_id = ?');
  }

  /** Commits a batch row and its tags in one transaction. Throws SQLite's constraint error on a duplicate id or (kind, request_id). */
  insert(record: BatchRecord): void {
    const rel = relative(this.dataDir, resolve(record.path));
    this.db.transaction(() => {
      this.insertRow.run({
        batch_id: record.batchId, kind: record.kind, tags_json: JSON.stringify(record.tags), created_ms: record.createdMs,
        request_id: record.requestId || null, path: rel, bytes: record.bytes, entity_count: record.entityCount,
        interaction_count: record.interactionCount, min_interaction_ms: record.minInteractionMs ?? null,
        max_interaction_ms: record.maxInteractionMs ?? null, untimestamped_count: record.untimestampedCount,
        distinct_source_count: record.distinctSourceCount, distinct_target_count: record.distinctTargetCount,
      });
      for (const tag of record.tags) this.insertTag.run(record.batchId, tag);
    })();
  }

  get(batchId: string): BatchRecord | undefined {
    const row = this.getRow.get(batchId) as BatchRow | undefined;
    return row && this.toRecord(row);
  }

  /** The batch stored under this idempotency key (of this kind, or of any kind when `kind` is undefined). */
  findByRequestId(kind: BatchKindName | undefined, requestId: string): BatchRecord | undefined {
    if (!requestId) return undefined;
    const row = (kind ? this.byRequestId.get(kind, requestId) : this.byRequestIdAnyKind.get(requestId)) as BatchRow | undefined;
    return row && this.toRecord(row);
  }

  /** One page of the batches matching `selector`, in (created, id) order. */
  select(selector: BatchSelector, page: PageRequest): BatchPage {
    const { where, params } = this.whereOf(selector);
    const totalSize = (this.db.prepare(`SELECT COUNT(*) AS n FROM batches b WHERE ${where}`).get(...params) as { n: number }).n;
    let pageWhere = where;
    const pageParams = [...params];
    if (page.pageToken) {
      const [c, id] = decodeToken(page.pageToken);
      pageWhere += ' AND (b.created_ms > ? OR (b.created_ms = ? AND b.batch_id > ?))';
      pageParams.push(c, c, id);
    }
    const rows = this.db.prepare(`SELECT b.* FROM batches b WHERE ${pageWhere} ORDER BY b.created_ms, b.batch_id LIMIT ?`)
      .all(...pageParams, page.pageSize + 1) as BatchRow[];
    const more = rows.length > page.pageSize;
    const batches = rows.slice(0, page.pageSize).map((r) => this.toRecord(r));
    return { batches, nextPageToken: more ? encodeToken(batches[batches.length - 1]!) : '', totalSize };
  }

  /** Every batch matching `selector`, in (created, id) order (no paging; used by training and DescribeDataset). */
  selectAll(selector: BatchSelector): BatchRecord[] {
    const { where, params } = this.whereOf(selector);
    return (this.db.prepare(`SELECT b.* FROM batches b WHERE ${where} ORDER BY b.created_ms, b.batch_id`).all(...params) as BatchRow[])
      .map((r) => this.toRecord(r));
  }

  /** Deletes the rows (tags cascade) in one transaction; returns the ids that existed. Files are the caller's. */
  delete(ids: readonly string[]): string[] {
    const deleted: string[] = [];
    this.db.transaction(() => {
      for (const id of ids) if (this.deleteRow.run(id).changes > 0) deleted.push(id);
    })();
    return deleted;
  }

  /** Stored batches per kind: how many, their rows (interactions or entities) and file bytes (metrics). */
  totals(): Array<{ kind: string; batches: number; rows: number; bytes: number }> {
    return (this.db.prepare(`SELECT kind, COUNT(*) AS batches, SUM(interaction_count + entity_count) AS rows, SUM(bytes) AS bytes
      FROM batches GROUP BY kind`).all() as Array<{ kind: string; batches: number; rows: number; bytes: number }>)
      .map((r) => ({ ...r, kind: r.kind.toLowerCase() }));
  }

  /** File names (not paths) of every committed batch, to find orphan files at start. */
  fileNames(): Set<string> {
    const rows = this.db.prepare('SELECT path FROM batches').all() as { path: string }[];
    return new Set(rows.map((r) => resolve(this.dataDir, r.path)));
  }

  private whereOf(s: BatchSelector): { where: string; params: unknown[] } {
    const parts: string[] = ['1 = 1'];
    const params: unknown[] = [];
    if (s.kind) { parts.push('b.kind = ?'); params.push(s.kind); }
    if (s.batchIds && s.batchIds.length > 0) {
      parts.push('b.batch_id IN (SELECT value FROM json_each(?))');
      params.push(JSON.stringify(s.batchIds));
    }
    const tags = [...new Set(s.tags ?? [])];
    if (tags.length > 0) {
      if ((s.tagMatch ?? 'all') === 'all') {
        parts.push('(SELECT COUNT(*) FROM batch_tags t WHERE t.batch_id = b.batch_id AND t.tag IN (SELECT value FROM json_each(?))) = ?');
        params.push(JSON.stringify(tags), tags.length);
      } else {
        parts.push('EXISTS (SELECT 1 FROM batch_tags t WHERE t.batch_id = b.batch_id AND t.tag IN (SELECT value FROM json_each(?)))');
        params.push(JSON.stringify(tags));
      }
    }
    return { where: parts.join(' AND '), params };
  }

  private toRecord(r: BatchRow): BatchRecord {
    return {
      batchId: r.batch_id, kind: r.kind, tags: JSON.parse(r.tags_json) as string[], createdMs: r.created_ms,
      requestId: r.request_id ?? undefined, path: isAbsolute(r.path) ? r.path : resolve(this.dataDir, r.path),
      bytes: r.bytes, entityCount: r.entity_count, interactionCount: r.interaction_count,
      minInteractionMs: r.min_interaction_ms ?? undefined, maxInteractionMs: r.max_interaction_ms ?? undefined,
      untimestampedCount: r.untimestamped_count, distinctSourceCount: r.distinct_source_count,
      distinctTargetCount: r.distinct_target_count,
    };
  }
}

/**
 * The SQLite catalog of the embedded store (its file: data-dir.ts), in WAL mode with full sync so a
 * committed row survives power loss. Arrow files live beside it; a row is committed only after its file
 * is durable (written by util/atomic-file.ts), so the catalog never points at a half-written file.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { DataDir } from '../../data-dir.js';
import { MIGRATIONS, type Migration } from './schema.js';

export type Db = Database.Database;

export function openCatalog(dataDir: string, migrations: Migration[] = MIGRATIONS): Db {
  const layout = new DataDir(dataDir);
  mkdirSync(layout.root, { recursive: true });
  const db = new Database(layout.catalogFile);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)');
  const applied = new Set((db.prepare('SELECT name FROM schema_migrations').all() as { name: string }[]).map((r) => r.name));
  const record = db.prepare('INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)');
  for (const m of migrations) {
    if (applied.has(m.name)) continue;
    db.transaction(() => { db.exec(m.sql); record.run(m.name, Date.now()); })();
  }
  return db;
}

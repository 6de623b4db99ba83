import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';

export type Db = Database.Database;

export interface Migration {
  /** 1, 2, 3… with no gaps: the array index + 1. */
  version: number;
  name: string;
  up(db: Db): void;
}

export class StoreError extends Error {
  override readonly name = 'StoreError';
  constructor(
    readonly code: 'DB_FROM_FUTURE' | 'MIGRATION_FAILED' | 'BAD_MIGRATIONS',
    message: string,
  ) {
    super(message);
  }
}

/**
 * Opens (creating if needed) a SQLite file with the pragmas a kiosk needs and brings its schema up to date.
 * WAL + synchronous=FULL: a committed transaction survives a power cut (a kiosk loses power), at the cost of an
 * fsync per commit, which the bench measures.
 */
export function openDatabase(file: string, migrations: readonly Migration[]): Db {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    migrate(db, migrations);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/** Runs every pending migration in one transaction, so a crash mid-way leaves the old schema intact. */
export function migrate(db: Db, migrations: readonly Migration[]): void {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new StoreError('BAD_MIGRATIONS', `migration #${i} has version ${m.version}, expected ${i + 1}`);
  });
  const current = schemaVersion(db);
  const latest = migrations.length;
  if (current > latest) {
    throw new StoreError(
      'DB_FROM_FUTURE',
      `database schema version ${current} is newer than this software understands (${latest}); refusing to open it. Install the newer version or restore a backup.`,
    );
  }
  if (current === latest) return;
  const pending = migrations.slice(current);
  const run = db.transaction(() => {
    for (const m of pending) {
      try {
        m.up(db);
      } catch (err) {
        throw new StoreError('MIGRATION_FAILED', `migration ${m.version} (${m.name}) failed: ${(err as Error).message}`);
      }
    }
    db.pragma(`user_version = ${latest}`);
  });
  run();
}

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
    /**
     * DB_FROM_FUTURE, MIGRATION_FAILED, BAD_MIGRATIONS: the schema. CORRUPT: quick_check failed or the file is not a
     * database. UNWRITABLE: the file cannot be opened or written at start (disk full, read-only, I/O error).
     * DATA_DIR_LOCKED: another kiosk process owns the data dir. SECRET_MISSING: enrolled, but the secret file is gone.
     * STORE_LOST: a secret file is there but the store says never enrolled (the database, or its WAL, was lost).
     * Every message is one line a person on site can act on; start-up prints it and exits 2.
     */
    readonly code:
      | 'DB_FROM_FUTURE'
      | 'MIGRATION_FAILED'
      | 'BAD_MIGRATIONS'
      | 'CORRUPT'
      | 'UNWRITABLE'
      | 'DATA_DIR_LOCKED'
      | 'SECRET_MISSING'
      | 'STORE_LOST',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * How long one statement may wait for another connection's lock before SQLITE_BUSY, in ms. better-sqlite3 waits
 * synchronously, so this is how long the whole main process (doors, API, sync) can stall on the database: kept
 * short, and callers retry asynchronously instead (api/dispatch.ts; docs/adr, store-errors).
 */
export const STORE_BUSY_TIMEOUT_MS = 50;

/**
 * The size the `-wal` file is cut back to whenever SQLite restarts it (`journal_size_limit`), in bytes: 4 MiB, about
 * four automatic checkpoints' worth (1000 pages of 4 KiB). Without it the file keeps the largest size it ever reached,
 * e.g. 46 MB after a reader held a transaction through a burst of writes (issue 14); store/wal.ts checkpoints on a
 * schedule so it shrinks back even when no write comes (ADR disk-bounds).
 */
export const WAL_CAP_BYTES = 4 * 1024 * 1024;

export interface OpenOptions {
  /** Default STORE_BUSY_TIMEOUT_MS. */
  busyTimeoutMs?: number;
  /** Run `PRAGMA quick_check` before anything else and refuse a damaged file (StoreError CORRUPT). Default false. */
  quickCheck?: boolean;
  /**
   * Run `PRAGMA integrity_check` instead (a superset: it also finds an index that disagrees with its table, which
   * quick_check cannot). ~0.35 s on a store of 100,000 parcels on a loaded 2-core machine, against ~0.12 s for
   * quick_check (tests/foundation/store-integrity.test.ts prints the figures): cheap enough for every kiosk start.
   */
  integrityCheck?: boolean;
}

/**
 * Opens (creating if needed) a SQLite file with the pragmas a kiosk needs and brings its schema up to date.
 * WAL + synchronous=FULL: a committed transaction survives a power cut (a kiosk loses power), at the cost of an
 * fsync per commit, which the bench measures.
 * Throws StoreError: CORRUPT (quick_check or not a database), UNWRITABLE (cannot open/write: disk full, read-only,
 * I/O), or a schema code; each message is one line naming the file.
 */
export function openDatabase(file: string, migrations: readonly Migration[], opts: OpenOptions = {}): Db {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
  let db: Db;
  try {
    db = new Database(file);
  } catch (err) {
    throw openFailure(file, err);
  }
  try {
    db.pragma(`busy_timeout = ${Math.max(0, Math.trunc(opts.busyTimeoutMs ?? STORE_BUSY_TIMEOUT_MS))}`);
    if (opts.quickCheck || opts.integrityCheck) checkIntegrity(db, file, opts.integrityCheck ? 'integrity_check' : 'quick_check');
    db.pragma('journal_mode = WAL');
    db.pragma(`journal_size_limit = ${WAL_CAP_BYTES}`);
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    migrate(db, migrations);
    return db;
  } catch (err) {
    db.close();
    throw openFailure(file, err);
  }
}

/**
 * `PRAGMA quick_check`: every page and index structure, without the cross-checks; `integrity_check` adds them (an
 * index entry for every row and no other: red-team finding 8). Both O(size), well under a second for a kiosk's
 * database. A damaged page found only at the first pickup would answer INTERNAL to every customer while the screen
 * says "ready"; refusing at start tells the technician instead.
 */
function checkIntegrity(db: Db, file: string, pragma: 'quick_check' | 'integrity_check'): void {
  const rows = db.pragma(pragma) as Array<Record<string, string>>;
  const first = rows.map((r) => Object.values(r)[0]).find((v) => v !== 'ok');
  if (first !== undefined) throw corrupt(file, first);
}

function corrupt(file: string, detail: string): StoreError {
  return new StoreError(
    'CORRUPT',
    `the database ${file} is damaged (${detail.replace(/\s+/g, ' ').slice(0, 120)}); restore it from a backup or re-provision this kiosk, then start again`,
  );
}

/** A failure while opening, as one line: schema errors as they are, SQLite's codes as CORRUPT or UNWRITABLE. */
function openFailure(file: string, err: unknown): unknown {
  if (err instanceof StoreError) {
    if (err.code !== 'MIGRATION_FAILED') return err;
    // A migration that died of a full disk is the disk's fault, not the migration's.
    const cause = (err as { cause?: unknown }).cause;
    return cause && sqliteCodeOf(cause) ? openFailure(file, cause) : err;
  }
  const code = sqliteCodeOf(err);
  if (!code) return err;
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') return corrupt(file, code);
  return new StoreError(
    'UNWRITABLE',
    `cannot open the database ${file} for writing (${code}${code.startsWith('SQLITE_FULL') || diskFull(file) ? ': the disk is full' : ''}); free disk space or fix the disk, then start again`,
  );
}

/**
 * Whether the file system holding `file` has no space left for us. SQLite reports a full disk as SQLITE_FULL only
 * for page writes; growing the WAL index (-shm) on a full disk is SQLITE_IOERR_SHMSIZE, so the line asks the disk.
 */
export function diskFull(file: string): boolean {
  try {
    const st = fs.statfsSync(path.dirname(file));
    return st.bavail * st.bsize < 64 * 1024;
  } catch {
    return false;
  }
}

/** The SQLite code of a failure of the file or the disk (not of the SQL): those become CORRUPT or UNWRITABLE. */
function sqliteCodeOf(err: unknown): string | null {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^SQLITE_(FULL|IOERR|READONLY|CANTOPEN|CORRUPT|NOTADB|BUSY|LOCKED|PERM)/.test(code) ? code : null;
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
        throw new StoreError('MIGRATION_FAILED', `migration ${m.version} (${m.name}) failed: ${(err as Error).message}`, { cause: err });
      }
    }
    db.pragma(`user_version = ${latest}`);
  });
  run();
}

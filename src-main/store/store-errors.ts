import { KioskError } from '../../src-shared/errors';
import { StoreError } from './sqlite';

/** The store failures a screen can explain; everything else stays INTERNAL. See docs/adr (store-errors). */
export type StoreErrorCode = 'STORE_FULL' | 'STORE_BUSY' | 'STORE_UNAVAILABLE';

/**
 * Maps a better-sqlite3 error to the code the kiosk reports, from its SQLite result code (`err.code`, e.g.
 * `SQLITE_FULL`, `SQLITE_IOERR_WRITE`, `SQLITE_BUSY_SNAPSHOT`; extended codes keep their primary prefix):
 * - FULL (disk or `max_page_count` reached) → STORE_FULL: nothing new can be written, reads still work.
 * - BUSY / LOCKED (another connection holds the lock past our short busy timeout) → STORE_BUSY: retryable.
 * - CORRUPT, NOTADB, IOERR, READONLY, CANTOPEN → STORE_UNAVAILABLE: the file itself is in trouble.
 * Returns null for anything else (a bug, a constraint violation): those stay INTERNAL.
 */
export function classifySqliteError(err: unknown): StoreErrorCode | null {
  const code = sqliteCode(err);
  if (!code) return null;
  if (code.startsWith('SQLITE_FULL')) return 'STORE_FULL';
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return 'STORE_BUSY';
  if (/^SQLITE_(CORRUPT|NOTADB|IOERR|READONLY|CANTOPEN)/.test(code)) return 'STORE_UNAVAILABLE';
  return null;
}

/** The SQLite result code carried by a better-sqlite3 `SqliteError`, or null for any other throwable. */
export function sqliteCode(err: unknown): string | null {
  if (!(err instanceof Error)) return null;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('SQLITE_') ? code : null;
}

const MESSAGES: Record<StoreErrorCode, string> = {
  STORE_FULL: 'the kiosk store is full (disk space); nothing new can be recorded',
  STORE_BUSY: 'the kiosk store is locked by another process; try again in a moment',
  STORE_UNAVAILABLE: 'the kiosk store cannot be read or written',
};

/** The named API error for a store failure, or null when `err` is not one (see classifySqliteError). */
export function storeKioskError(err: unknown): KioskError | null {
  if (err instanceof KioskError) return isStoreCode(err.code) ? err : null;
  const code = classifySqliteError(err);
  if (!code) return null;
  return new KioskError(code, `${MESSAGES[code]} (${sqliteCode(err)})`, { sqlite: sqliteCode(err) });
}

export function isStoreCode(code: string): code is StoreErrorCode {
  return code === 'STORE_FULL' || code === 'STORE_BUSY' || code === 'STORE_UNAVAILABLE';
}

/**
 * The one line a start-up failure of the store prints (then the process exits 2), or null when `err` is not a store
 * failure (the caller's unexpected-error policy handles it). A StoreError already carries its line; a raw SQLite
 * error gets one naming the data dir and what to look at. Never a stack: the person reading it is on site.
 */
export function storeStartupLine(err: unknown, dataDir: string): string | null {
  if (err instanceof StoreError) return err.message;
  const code = classifySqliteError(err);
  if (!code) return null;
  const what =
    code === 'STORE_FULL'
      ? 'the disk is full'
      : code === 'STORE_BUSY'
        ? 'another process holds the database lock'
        : 'the database cannot be read or written (disk error, read-only or damaged file)';
  const raw = sqliteCode(err) ?? '';
  // A damaged file is not a disk to free or fix: say which remedy fits (red-team finding 9).
  if (/^SQLITE_(CORRUPT|NOTADB)/.test(raw)) return `cannot start: a database in ${dataDir} is damaged (${raw}); restore it from a backup or re-provision this kiosk, then start again`;
  return `cannot start: ${what} in ${dataDir} (${raw}); free space or fix the disk, then start again`;
}

/**
 * A SQLite failure while opening a database other than the kiosk's own (the demo's embedded fleet store), as the
 * StoreError start-up prints in one line: naming that file and the remedy that fits (damaged: restore or start the
 * demo afresh; disk: free space or fix it). Anything else is returned as it is.
 */
export function namedStoreFailure(err: unknown, file: string, what: string): unknown {
  const raw = sqliteCode(err);
  if (!raw) return err;
  if (/^SQLITE_(CORRUPT|NOTADB)/.test(raw)) {
    return new StoreError('CORRUPT', `the ${what} ${file} is damaged (${raw}); restore it from a backup, or start with a fresh --data-dir, then start again`);
  }
  return new StoreError('UNWRITABLE', `cannot open the ${what} ${file} (${raw}); free disk space or fix the disk, then start again`);
}

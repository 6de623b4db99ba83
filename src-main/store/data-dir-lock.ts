import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { StoreError } from './sqlite';

export const LOCK_FILE = 'kiosk.lock';

export interface DataDirLock {
  readonly file: string;
  /** Gives the data dir up (shutdown). Idempotent. */
  release(): void;
}

/**
 * Makes this process the only kiosk on `dataDir`, or throws StoreError DATA_DIR_LOCKED (one line; start-up exits 2).
 *
 * Two kiosk processes on one data dir fight over the same doors and journal: the second one's start-up recovery
 * closes the first one's live drop-off. A pid file cannot tell a live owner from a stale one after SIGKILL or a power
 * cut, and Node has no flock(2). SQLite's own lock can: `<dataDir>/kiosk.lock` is a tiny SQLite file we open in
 * `locking_mode = EXCLUSIVE` and hold a write transaction on for the life of the process. SQLite implements that
 * with POSIX advisory fcntl locks (Windows: LockFileEx), which the kernel drops when the process dies, however it
 * dies. So a crashed kiosk never blocks the next start, and a live one always does. The lock is per data dir, so
 * host mode and Electron exclude each other too.
 */
export function acquireDataDirLock(dataDir: string): DataDirLock {
  fs.mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, LOCK_FILE);
  let db: Database.Database | null = null;
  try {
    db = new Database(file);
    db.pragma('busy_timeout = 0'); // the answer is now: another live process holds it, or nobody does
    // Nothing is ever written: the file stays empty and a full disk cannot stop the lock (no journal on disk).
    db.pragma('journal_mode = MEMORY');
    db.pragma('locking_mode = EXCLUSIVE');
    // In rollback-journal mode BEGIN EXCLUSIVE takes the EXCLUSIVE lock at once, and the open transaction keeps it.
    db.exec('BEGIN EXCLUSIVE');
  } catch (err) {
    try {
      db?.close();
    } catch {
      // closing a half-open handle: nothing more to give back
    }
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'))) {
      throw new StoreError(
        'DATA_DIR_LOCKED',
        `another kiosk process is already running on the data dir ${dataDir} (it holds ${file}); stop that one first, or use another --data-dir`,
      );
    }
    throw new StoreError('UNWRITABLE', `cannot take the data dir lock ${file} (${String(code ?? (err as Error).message)}); check the disk, then start again`);
  }
  const held = db;
  let released = false;
  return {
    file,
    release() {
      if (released) return;
      released = true;
      try {
        held.exec('ROLLBACK');
      } catch {
        // nothing was meant to be kept
      }
      held.close();
    },
  };
}

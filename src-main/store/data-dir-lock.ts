import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { StoreError } from './sqlite';

export const LOCK_FILE = 'kiosk.lock';
/** The kiosk's database in its data dir (core.ts opens it; the second check below probes it). */
export const DB_FILE = 'kiosk.db';
/** How often the holder checks that `kiosk.lock` is still the file it locked (ms). */
export const LOCK_CHECK_INTERVAL_MS = 1_000;

export interface DataDirLock {
  readonly file: string;
  /** Gives the data dir up (shutdown). Idempotent. */
  release(): void;
}

export interface DataDirLockOptions {
  /** Where the holder reports a lock file it had to take back, or could not (default: nothing). */
  warn?: (message: string, fields?: Record<string, unknown>) => void;
  /** Default LOCK_CHECK_INTERVAL_MS; 0 = no watch (tests of the lock alone). */
  checkIntervalMs?: number;
}

/**
 * Makes this process the only kiosk on `dataDir`, or throws StoreError DATA_DIR_LOCKED (one line; start-up exits 2).
 *
 * Two kiosk processes on one data dir fight over the same doors and journal: the second one's start-up recovery
 * closes the first one's live drop-off. A pid file cannot tell a live owner from a stale one after SIGKILL or a power
 * cut, and Node has no flock(2). SQLite's own locks can: they are POSIX advisory fcntl locks (Windows: LockFileEx),
 * which the kernel drops when the process dies, however it dies. Two of them, because a lock lives on an inode and a
 * path can be deleted and recreated under a running kiosk (red-team finding 2):
 * 1. `<dataDir>/kiosk.lock`, a tiny SQLite file opened in `locking_mode = EXCLUSIVE` inside an open write
 *    transaction for the life of the process. The holder checks every second that the path still names the inode it
 *    locked (fstat vs stat); removed or replaced, it recreates and relocks it (or says loudly that it cannot).
 * 2. `<dataDir>/kiosk.db` itself, which cannot be swapped without losing the store: a running kiosk's connection is
 *    in WAL mode and so holds a SHARED lock on the file for as long as it is open. Before touching anything, a
 *    starting kiosk asks for an EXCLUSIVE lock on it (a probe connection in `locking_mode = EXCLUSIVE`, one read,
 *    closed at once): refused means another process has the store open — a kiosk whose lock file was deleted, or a
 *    tool like the `sqlite3` shell — and the start is refused the same way. Normal use is untouched: the probe runs
 *    only at start-up, before the kiosk's own connection exists.
 * A `kiosk.lock` that is not a SQLite file (garbage) holds nothing and no one: it is recreated, not reported.
 */
export function acquireDataDirLock(dataDir: string, opts: DataDirLockOptions = {}): DataDirLock {
  fs.mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, LOCK_FILE);
  let held = lockFile(file, dataDir);
  try {
    probeStore(dataDir);
  } catch (err) {
    held.release();
    throw err;
  }
  const warn = opts.warn ?? (() => undefined);
  let lostReported = false;
  // The holder's side of (1): the path must keep naming the inode we hold.
  const check = () => {
    if (sameInode(held.fd, file)) return;
    try {
      const fresh = lockFile(file, dataDir);
      held.release();
      held = fresh;
      lostReported = false;
      warn(`${file} was removed or replaced while this kiosk ran; recreated and locked again`);
    } catch (err) {
      if (!lostReported) warn(`${file} was replaced and another process holds the new one: ${(err as Error).message}`);
      lostReported = true;
    }
  };
  const interval = opts.checkIntervalMs ?? LOCK_CHECK_INTERVAL_MS;
  const timer = interval > 0 ? setInterval(check, interval) : null;
  timer?.unref?.();
  let released = false;
  return {
    file,
    release() {
      if (released) return;
      released = true;
      if (timer) clearInterval(timer);
      held.release();
    },
  };
}

interface HeldFile {
  /** An fd of the locked inode, kept to compare with what the path names now. */
  fd: number;
  release(): void;
}

function lockFile(file: string, dataDir: string, retried = false): HeldFile {
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
    closeQuietly(db);
    const code = sqliteCode(err);
    if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) throw locked(dataDir, `it holds ${file}`);
    // Not a database: garbage nobody can hold a lock through (a holder's lock is taken before any page is read, so a
    // live holder answers BUSY above). It guards nothing: start it afresh.
    if (code === 'SQLITE_NOTADB' && !retried) {
      fs.rmSync(file, { force: true });
      return lockFile(file, dataDir, true);
    }
    throw new StoreError('UNWRITABLE', `cannot take the data dir lock ${file} (${code || (err as Error).message}); check the disk, then start again`);
  }
  const conn = db;
  const fd = fs.openSync(file, 'r');
  return {
    fd,
    release() {
      try {
        conn.exec('ROLLBACK');
      } catch {
        // nothing was meant to be kept
      }
      closeQuietly(conn);
      try {
        fs.closeSync(fd);
      } catch {
        // already closed
      }
    },
  };
}

/** (2) above: refuses when any other process has `kiosk.db` open. A store not yet created has no one to ask. */
function probeStore(dataDir: string): void {
  const dbFile = path.join(dataDir, DB_FILE);
  if (!fs.existsSync(dbFile)) return;
  let probe: Database.Database | null = null;
  try {
    probe = new Database(dbFile, { fileMustExist: true });
    probe.pragma('busy_timeout = 0');
    probe.pragma('locking_mode = EXCLUSIVE');
    probe.prepare('SELECT count(*) FROM sqlite_master').get();
  } catch (err) {
    const code = sqliteCode(err);
    if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
      throw locked(dataDir, `it has ${dbFile} open: a kiosk whose ${LOCK_FILE} was deleted, or a tool such as the sqlite3 shell`);
    }
    // Damage, a full disk and the rest are the store check's to name (sqlite.ts), one line each.
  } finally {
    closeQuietly(probe);
  }
}

function locked(dataDir: string, why: string): StoreError {
  return new StoreError(
    'DATA_DIR_LOCKED',
    `another kiosk process is already running on the data dir ${dataDir} (${why}); stop that process first (do not delete ${LOCK_FILE}), or use another --data-dir`,
  );
}

function sameInode(fd: number, file: string): boolean {
  try {
    const held = fs.fstatSync(fd);
    const now = fs.statSync(file);
    return held.ino === now.ino && held.dev === now.dev;
  } catch {
    return false; // gone
  }
}

function sqliteCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : '';
}

function closeQuietly(db: Database.Database | null): void {
  try {
    db?.close();
  } catch {
    // closing a half-open handle: nothing more to give back
  }
}

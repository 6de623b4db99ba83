import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { StoreError, type Db } from './sqlite';

/**
 * The store's integrity checks (ADR flat-history, keeping ADR 0007's refusal of a damaged store). `integrity_check`
 * reads every page: ~0.35 s at 100,000 parcels, tens of seconds at 1,000,000, so it cannot stay on the start-up path.
 * - At start (`startupIntegrity`): the full `integrity_check` while the file is at most FULL_CHECK_MAX_BYTES (a store
 *   of up to ~15,000 parcels with their history: tens of ms). Above that, `integrity_check(table)` of each table whose
 *   size does not grow with history (the layout, meta, lockouts, alarms, seals…) and the first and last row of every
 *   table (a root page overwritten with garbage is refused at once): bounded either way. And the damage marker a
 *   background check left: a store found damaged before is refused at once.
 * - In the background (`watchIntegrity`): the full `integrity_check` on its own read-only connection in a worker
 *   thread (the event loop, doors included, never waits for it), right after start and every 24 h. A finding writes the
 *   marker, logs the one line start-up would print, and condemns the store: no new pickup or drop-off until restored.
 * A damaged page met by a query before that is SQLITE_CORRUPT, which kit.tx already turns into STORE_UNAVAILABLE.
 */
export const BOUNDED_TABLES = ['compartments', 'meta', 'lockouts', 'alarms', 'audit_seals', 'revoked_badges', 'remote_commands'] as const;
export const INTEGRITY_EVERY_MS = 24 * 3_600_000;
/** Up to this file size start-up runs the full check itself (ADR 0007's refusal, unchanged for such stores). */
export const FULL_CHECK_MAX_BYTES = 32 * 1024 * 1024;
const MARKER = 'store-damaged.json';

/** The one line for a damaged store (start-up prints it and exits 2; the background check logs it). */
export function damagedLine(file: string, detail: string): string {
  return `the database ${file} is damaged (${detail.replace(/\s+/g, ' ').slice(0, 120)}); restore it from a backup or re-provision this kiosk, then start again`;
}

/**
 * Start-up's bounded check: throws StoreError CORRUPT (one line naming the file) when a bounded table or one of its
 * indexes is damaged, or a background check found this very file (same inode) damaged. A restored file is a new inode.
 */
export function startupIntegrity(db: Db, file: string, fullMaxBytes = FULL_CHECK_MAX_BYTES): { full: boolean } {
  try {
    return check(db, file, fullMaxBytes);
  } catch (err) {
    // A page too damaged to walk is an error from SQLite, not a row of the check's answer: the same one line.
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB')) throw new StoreError('CORRUPT', damagedLine(file, code));
    throw err;
  }
}

function check(db: Db, file: string, fullMaxBytes: number): { full: boolean } {
  const marked = damageMarked(file);
  if (marked) throw new StoreError('CORRUPT', damagedLine(file, `found by the background check: ${marked}`));
  const bytes = (db.pragma('page_count', { simple: true }) as number) * (db.pragma('page_size', { simple: true }) as number);
  const refuse = (pragma: string) => {
    const rows = db.pragma(pragma) as Array<Record<string, string>>;
    const first = rows.map((r) => Object.values(r)[0]).find((v) => v !== 'ok');
    if (first !== undefined) throw new StoreError('CORRUPT', damagedLine(file, first));
  };
  if (bytes <= fullMaxBytes) {
    refuse('integrity_check');
    return { full: true };
  }
  const tables = (db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all() as Array<{ name: string }>).map((r) => r.name);
  for (const table of BOUNDED_TABLES) if (tables.includes(table)) refuse(`integrity_check(${table})`);
  // The leftmost and rightmost path of every table's b-tree: O(depth) pages each.
  for (const t of tables) {
    db.prepare(`SELECT * FROM "${t}" ORDER BY rowid LIMIT 1`).get();
    db.prepare(`SELECT * FROM "${t}" ORDER BY rowid DESC LIMIT 1`).get();
  }
  return { full: false };
}

function markerFile(file: string): string {
  return path.join(path.dirname(file), MARKER);
}

/** The detail a background check recorded for this file (same inode), or null. */
export function damageMarked(file: string): string | null {
  try {
    const m = JSON.parse(fs.readFileSync(markerFile(file), 'utf8')) as { ino: number; detail: string };
    return m.ino === fs.statSync(file).ino ? m.detail : null;
  } catch {
    return null;
  }
}

/**
 * Runs the full `PRAGMA integrity_check` on `file` in a worker thread over a read-only connection. Resolves with the
 * first finding, or null when the store is ok. Rejects when the worker cannot run (logged by the caller; not a finding).
 */
export function fullIntegrityCheck(file: string): Promise<string | null> {
  const sqlite = createRequire(import.meta.url).resolve('better-sqlite3');
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    const Database = require(workerData.sqlite);
    const db = new Database(workerData.file, { readonly: true, fileMustExist: true });
    try {
      const rows = db.pragma('integrity_check');
      const bad = rows.map((r) => Object.values(r)[0]).find((v) => v !== 'ok');
      parentPort.postMessage(bad === undefined ? null : String(bad));
    } finally {
      db.close();
    }`;
  return new Promise((resolve, reject) => {
    const worker = new Worker(code, { eval: true, workerData: { sqlite, file } });
    worker.once('message', (m: string | null) => resolve(m));
    worker.once('error', reject);
    worker.once('exit', (c) => (c === 0 ? undefined : reject(new Error(`integrity worker exited with ${c}`))));
  });
}

export interface IntegrityWatch {
  /** The check in flight (or the last one), for tests: resolves with its finding. */
  readonly last: Promise<string | null>;
  stop(): void;
}

/**
 * Starts the background check now and every `everyMs`. `onDamaged(line)`: the store is damaged (the marker is already
 * written); the caller condemns the store and tells the technician.
 */
export function watchIntegrity(opts: {
  file: string;
  log: { error(msg: string, f?: Record<string, unknown>): void; warn(msg: string, f?: Record<string, unknown>): void };
  onDamaged(line: string): void;
  everyMs?: number;
}): IntegrityWatch {
  let stopped = false;
  const run = async (): Promise<string | null> => {
    let finding: string | null;
    try {
      finding = await fullIntegrityCheck(opts.file);
    } catch (err) {
      opts.log.warn('background integrity check could not run', { error: (err as Error).message });
      return null;
    }
    if (finding !== null && !stopped) {
      const line = damagedLine(opts.file, finding);
      try {
        fs.writeFileSync(markerFile(opts.file), JSON.stringify({ ino: fs.statSync(opts.file).ino, detail: finding }), { mode: 0o600 });
      } catch (err) {
        opts.log.warn('could not record the damage marker', { error: (err as Error).message });
      }
      opts.log.error(line);
      opts.onDamaged(line);
    }
    return finding;
  };
  const watch = { last: run(), stop: () => undefined as void };
  const timer = setInterval(() => {
    if (!stopped) watch.last = run();
  }, opts.everyMs ?? INTEGRITY_EVERY_MS);
  timer.unref?.();
  watch.stop = () => {
    stopped = true;
    clearInterval(timer);
  };
  return watch;
}

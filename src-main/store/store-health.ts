import { AsyncLocalStorage } from 'node:async_hooks';
import type { Emit } from '../context';
import type { Logger } from '../log';
import { diskFull, StoreError, type Db } from './sqlite';
import { classifySqliteError, sqliteCode, type StoreErrorCode } from './store-errors';

/** What the screen is told: `ok`, or why no new pickup or drop-off can start (the `store` event, kioskInfo.store). */
export type StoreStatus = 'ok' | 'full' | 'unavailable';

/** How often a degraded store tries its probe write, in ms: the kiosk comes back by itself within this long. */
export const PROBE_INTERVAL_MS = 5_000;

/**
 * Bytes the probe writes (then deletes, in one transaction): a few pages' worth, so it succeeds only when a real
 * operation (journal row, audit entry, outbox event) would too; a one-row update could fit in a page's free space
 * on a full disk and call it healthy.
 */
const PROBE_BYTES = 32 * 1024;
const PROBE_KEY = 'store_probe';

export interface DegradeHooks {
  emit: Emit;
  log: Logger;
  /** Called once when a probe write succeeds again: finish the operations whose close could not be written. */
  onRecovered(): void;
}

/**
 * The store's health as the kiosk acts on it, one per database connection (see `storeHealth`).
 *
 * A write that fails with a full disk or an I/O error flips the store to degraded: the API refuses new pickups,
 * drop-offs and collections (api/dispatch.ts) and the screen shows "temporarily out of order", while door tracking
 * goes on (reads work; the door engine keeps its state in memory and the board keeps the truth). A timer then tries a
 * probe write every `probeIntervalMs`; the first that commits flips back to ok, tells the screen, and runs the
 * door-journal reconciliation, so operations whose close could not be written are finished from the board's state.
 */
export class StoreHealth {
  status: StoreStatus = 'ok';
  probeIntervalMs = PROBE_INTERVAL_MS;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private hooks: DegradeHooks | null = null;

  constructor(private readonly db: Db) {}

  degraded(): boolean {
    return this.status !== 'ok';
  }

  /** kit.tx saw `code`: FULL and UNAVAILABLE degrade the store and start probing; BUSY is transient and does not. */
  report(code: StoreErrorCode, hooks: DegradeHooks): void {
    if (code === 'STORE_BUSY') return;
    this.hooks = hooks;
    const status: StoreStatus = code === 'STORE_FULL' ? 'full' : 'unavailable';
    if (this.status !== status) {
      this.status = status;
      hooks.log.error('store degraded: refusing new pickups and drop-offs until a write succeeds', { status });
      safeEmit(hooks, status);
    }
    this.schedule();
  }

  /**
   * The background integrity check found the file damaged (store/integrity.ts): unavailable for good, whatever a probe
   * write says, until the technician restores it (start-up then refuses it at once).
   */
  condemn(hooks: Pick<DegradeHooks, 'emit' | 'log'>): void {
    this.condemned = true;
    if (this.status !== 'unavailable') {
      this.status = 'unavailable';
      safeEmit({ ...hooks, onRecovered: () => undefined }, 'unavailable');
    }
  }

  private condemned = false;

  /**
   * Whether free disk space is under the kiosk's reserve (services/disk-care.ts sets it; ADR disk-bounds): the store is
   * then `full` before SQLite ever says SQLITE_FULL, and a probe write that succeeds does not bring it back until space
   * is freed, so what is left of the disk goes to finishing open operations, never to new ones.
   */
  diskLow: () => boolean = () => false;

  /** One probe write now; true when the store took it (and, if it was degraded, is ok again). */
  probeNow(): boolean {
    if (!this.db.open || this.condemned) return false;
    if (this.diskLow()) return false;
    try {
      probeWrite(this.db);
    } catch (err) {
      const code = classifySqliteError(err);
      if (code === 'STORE_FULL' && this.status === 'unavailable') this.status = 'full';
      this.hooks?.log.warn('store probe failed', { errorCode: sqliteCode(err) ?? String(err) });
      return false;
    }
    if (this.status !== 'ok') {
      this.status = 'ok';
      const hooks = this.hooks;
      if (hooks) {
        hooks.log.info('store writable again: taking new pickups and drop-offs');
        safeEmit(hooks, 'ok');
        try {
          hooks.onRecovered();
        } catch (err) {
          hooks.log.error('reconcile after store recovery failed', { error: String(err) });
        }
      }
    }
    return true;
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      if (!this.db.open) return;
      if (!this.probeNow() && this.status !== 'ok') this.schedule();
    }, this.probeIntervalMs);
    // Never what keeps a closing process alive.
    this.timer.unref?.();
  }
}

/**
 * Commits made on behalf of one API call (the dispatcher opens a scope per call; kit.tx counts into it). A call that
 * met a busy store is retried only if it committed nothing: then it changed nothing and opened no door, since a
 * door opens only after its journal row commits. Per call, not global: concurrent calls do not spoil each other.
 */
export const callCommits = new AsyncLocalStorage<{ commits: number }>();

/** kit.tx after a top-level commit. */
export function noteCommit(): void {
  const scope = callCommits.getStore();
  if (scope) scope.commits++;
}

const byDb = new WeakMap<Db, StoreHealth>();

/** The health of the store behind `db` (created on first use): kit.tx, the dispatcher and kioskInfo share it. */
export function storeHealth(db: Db): StoreHealth {
  let h = byDb.get(db);
  if (!h) byDb.set(db, (h = new StoreHealth(db)));
  return h;
}

/**
 * Start-up check that the store can take a write at all (StoreError UNWRITABLE otherwise, one line naming the file):
 * a kiosk that says "ready" on a full disk would fail its first customer instead of telling the technician.
 */
export function assertWritable(db: Db, file: string): void {
  try {
    probeWrite(db);
  } catch (err) {
    const code = sqliteCode(err);
    if (!code) throw err;
    const why = classifySqliteError(err) === 'STORE_FULL' || diskFull(file) ? 'the disk is full' : 'it cannot be written';
    throw new StoreError('UNWRITABLE', `cannot start: ${why} (${code}) for the database ${file}; free disk space or fix the disk, then start again`);
  }
}

/** Insert and delete a few pages' worth in one IMMEDIATE transaction (meta table, migration 1). */
function probeWrite(db: Db): void {
  const filler = 'x'.repeat(PROBE_BYTES);
  db.transaction(() => {
    db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(PROBE_KEY, filler);
    db.prepare('DELETE FROM meta WHERE key = ?').run(PROBE_KEY);
  }).immediate();
}

function safeEmit(hooks: DegradeHooks, status: StoreStatus): void {
  try {
    hooks.emit('store', { status });
  } catch (err) {
    hooks.log.warn('store event failed', { error: String(err) });
  }
}

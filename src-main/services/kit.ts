import type { DoorOperation } from '../../src-shared/api/common';
import { KioskError } from '../../src-shared/errors';
import type { EventType } from '../../src-shared/sync-protocol';
import { newId } from '../clock';
import type { KioskContext } from '../context';
import { createLogger, type Logger } from '../log';
import type { AlarmKind, Repos } from '../store/index';
import type { DoorOpRow } from '../store/door-ops';
import { storeKioskError, type StoreErrorCode } from '../store/store-errors';
import { noteCommit, storeHealth } from '../store/store-health';

/** What every use case shares: the context, the repositories, and the small helpers that keep them consistent. */
export interface Kit {
  ctx: KioskContext;
  repos: Repos;
  log: Logger;
  /** Wall-clock ms (what people read, expiry). */
  now(): number;
  /** Monotonic ms (every duration: lockout, reopen window, door left open); see clock.ts. */
  mono(): number;
  iso(ms: number): string;
  /**
   * Runs `fn` in one IMMEDIATE transaction (the write lock is taken up front: no upgrade deadlocks across processes).
   * A store failure throws KioskError STORE_FULL / STORE_BUSY / STORE_UNAVAILABLE instead of the raw SQLite error.
   */
  tx<T>(fn: () => T): T;
  /** Queues an outbox event (inside the caller's transaction) and remembers to nudge sync afterwards. */
  queue(type: EventType, payload: Record<string, unknown>): void;
  /** Appends an audit entry (inside the caller's transaction); returns its id. */
  audit(actor: string, action: string, detail?: Record<string, unknown>): number;
  /**
   * A door alarm's record: its audit entry and the unacknowledged-alarm row, together (inside the caller's
   * transaction), so the technician's list after a restart is exactly what the log says. Pushing the live event is
   * the caller's business.
   */
  recordAlarm(kind: AlarmKind, compartmentId: string, actor: string, action: string, detail?: Record<string, unknown>): void;
  /** Pushes the `operation` event for the journal row as it now stands. */
  emitOp(op: DoorOpRow): void;
  opView(op: DoorOpRow): DoorOperation;
  newOpId(): string;
  /** A short reference a customer can read out to support: R-XXXXXX (no 0/O/1/I). */
  newReference(): string;
  /**
   * Runs the wall-clock jump check now (ClockWatch sets it; a no-op before). Code that acts on wall time (the
   * expiry sweep, reopen/grace clearing) calls it first, so no decision uses a jump not yet seen and handled.
   */
  verifyClock(): void;
}

const REF_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

export function createKit(ctx: KioskContext, repos: Repos): Kit {
  const log = createLogger('services');
  let nudge = false;
  let lastFree: string | null = null;
  // After every commit: push the free counts when they changed, so the footer follows without polling.
  const pushAvailability = () => {
    if (repos.db.inTransaction) return; // a nested tx: the outer commit pushes
    try {
      const freeBySize = repos.compartments.freeBySize();
      const key = JSON.stringify(freeBySize);
      if (key === lastFree) return;
      const first = lastFree === null;
      lastFree = key;
      if (!first) ctx.emit('availability', { freeBySize });
    } catch (err) {
      log.warn('availability push failed', { error: String(err) });
    }
  };
  const kit: Kit = {
    ctx,
    repos,
    log,
    now: () => ctx.clock.now(),
    mono: () => ctx.clock.mono(),
    verifyClock: () => undefined,
    iso: (ms) => new Date(ms).toISOString(),
    tx<T>(fn: () => T): T {
      if (lastFree === null && !repos.db.inTransaction) pushAvailability(); // the baseline, before the first change
      let result: T;
      try {
        result = repos.db.transaction(fn).immediate();
      } catch (err) {
        // A full disk, a lock held elsewhere or an I/O error becomes a named error the screen explains; full and
        // I/O also flip the store to degraded until a probe write succeeds (store-health.ts).
        const named = storeKioskError(err);
        if (!named) throw err;
        if (!repos.db.inTransaction) {
          storeHealth(repos.db).report(named.code as StoreErrorCode, { emit: ctx.emit, log, onRecovered: () => void ctx.services.reconcile().catch(() => {}) });
        }
        throw named;
      }
      if (!repos.db.inTransaction) noteCommit();
      pushAvailability();
      if (nudge) {
        nudge = false;
        try {
          ctx.sync?.nudge();
        } catch (err) {
          log.warn('sync nudge failed', { error: String(err) });
        }
      }
      return result;
    },
    queue(type, payload) {
      repos.outbox.enqueue(type, payload, kit.now());
      nudge = true;
    },
    audit(actor, action, detail = {}) {
      return repos.audit.append(kit.now(), actor, action, detail);
    },
    recordAlarm(kind, compartmentId, actor, action, detail = {}) {
      const auditId = kit.audit(actor, action, detail);
      repos.alarms.insert(kit.now(), kind, compartmentId, auditId);
    },
    opView(op) {
      return {
        operationId: op.id,
        purpose: op.purpose,
        compartmentId: op.compartmentId,
        state: op.state,
        outcome: op.outcome,
        graceUntil: op.graceUntil === null ? null : kit.iso(op.graceUntil),
        reference: op.reference,
      };
    },
    emitOp(op) {
      try {
        ctx.emit('operation', kit.opView(op));
      } catch (err) {
        log.warn('emit failed', { error: String(err) });
      }
    },
    newOpId: () => newId(ctx.random, 12),
    newReference() {
      const b = ctx.random.bytes(6);
      let s = 'R-';
      for (const x of b) s += REF_ALPHABET[x % REF_ALPHABET.length];
      return s;
    },
  };
  return kit;
}

export function fail(code: KioskError['code'], message: string, details?: KioskError['details']): never {
  throw new KioskError(code, message, details);
}

import { KioskError } from '../../src-shared/errors';
import type { DoorEvent } from '../hardware/door-controller';
import type { DoorOpRow, NewDoorOp } from '../store/door-ops';
import { DOOR_WATCH_INTERVAL_MS, DoorWatch } from './door-watch';
import type { Kit } from './kit';
import { finishOnClose, failJammed, abandon, flagParcel, recordOrphanJam, markUnconfirmed } from './finish';
import { compareSensors, decide } from './recovery';

/**
 * An operation still `requested`/`unlocked` this long after it was journaled has missed every signal that should
 * have ended it (the tracker's jam ceiling is 30 s by default): the door engine asks a fresh read to decide it, so
 * no operation blocks its compartment (and its code) forever.
 */
export const STALE_OPERATION_MS = 45_000;

/**
 * The door side of every use case: journal first, then the unlock frame, then progress from the controller's
 * events (opened / closed / jammed). Nothing here blocks on a door: `send` returns once the frame is on the wire.
 */
export class DoorEngine {
  private unsubscribe: (() => void) | null = null;
  private readonly waiting = new Set<string>();
  private watchTimer: ReturnType<typeof setInterval> | null = null;
  /** A door event could not be recorded (e.g. the disk was full): reconcile from the board on the next tick. */
  private reconcileDue = false;
  private reconcileNow: () => Promise<unknown> = async () => {};
  /** The item sensor as last read just before each unlock went out, by operation id (see itemAtUnlock). */
  private readonly before = new Map<string, boolean | null>();
  /** Compartments whose item was seen going with no operation in flight (recovery.CompareOptions.vanished). */
  readonly vanished = new Set<string>();
  readonly watch: DoorWatch;

  constructor(private readonly kit: Kit) {
    this.watch = new DoorWatch(kit);
  }

  /**
   * Subscribes to the controller. `onReconnect` runs the journal's reconciliation (services/recovery.ts); it is also
   * how an event that could not be recorded gets its operation finished later, from the board's state.
   */
  start(onReconnect: () => Promise<unknown>): void {
    this.reconcileNow = onReconnect;
    this.unsubscribe = this.kit.ctx.doors.on((e) => this.onEventSafely(e));
    this.refreshAttentive();
    this.watchTimer = setInterval(() => {
      try {
        this.watch.check();
        this.decideStale();
      } catch (err) {
        this.kit.log.error('door watch failed', { error: (err as Error).message });
      }
      if (this.reconcileDue) {
        this.reconcileDue = false;
        this.reconcileNow().catch(() => {
          this.reconcileDue = true;
        });
      }
    }, DOOR_WATCH_INTERVAL_MS);
    this.watchTimer.unref?.();
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
    if (this.watchTimer) clearInterval(this.watchTimer);
    this.watchTimer = null;
  }

  /**
   * Writes the journal row (state `requested`) with `alongside` in the same transaction, commits, then sends the
   * unlock. The row is durable before a single byte goes to the board.
   */
  journal(op: Omit<NewDoorOp, 'id'>, alongside: (op: DoorOpRow) => void = () => {}): DoorOpRow {
    const { kit } = this;
    this.assertReachable(op.compartmentId);
    return kit.tx(() => {
      if (kit.repos.doorOps.activeFor(op.compartmentId)) throw new KioskError('INVALID_STATE', `compartment ${op.compartmentId} is busy`);
      const row = kit.repos.doorOps.insert({ ...op, id: kit.newOpId() }, kit.now());
      alongside(row);
      return row;
    });
  }

  /** Puts the unlock frame on the wire for a journaled operation. On a refused send the operation fails and nothing moved. */
  async send(op: DoorOpRow): Promise<DoorOpRow> {
    const { kit } = this;
    kit.emitOp(op);
    // What the compartment held before this unlock: the close is judged against it too (finish.ts, finding 4c).
    if (this.before.size > 64) for (const id of [...this.before.keys()]) this.itemAtUnlock(id); // drops finished ones
    this.before.set(op.id, this.itemReading(op.compartmentId));
    try {
      // Queue the unlock before asking for fast polling, so a poll read never gets on the bus ahead of it.
      const sent = kit.ctx.doors.unlock(op.compartmentId);
      kit.ctx.doors.setAttentive(true);
      await sent;
    } catch (err) {
      const failed = kit.tx(() => abandon(kit, op.id, 'unlock refused'));
      if (failed) kit.emitOp(failed);
      this.refreshAttentive();
      if (err instanceof KioskError && err.code === 'HARDWARE_OFFLINE') throw new KioskError('HARDWARE_OFFLINE', 'the lock board is not reachable');
      throw new KioskError('DOOR_FAULT', 'the door could not be unlocked', { reference: kit.newReference() });
    }
    const unlocked = kit.tx(() => kit.repos.doorOps.advance(op.id, 'unlocked', kit.now()));
    if (unlocked) kit.emitOp(unlocked);
    return unlocked ?? kit.repos.doorOps.get(op.id)!;
  }

  /**
   * Refuses (HARDWARE_OFFLINE) when the board behind `compartmentId` is known to be unreachable (see knownOffline).
   * Called before anything is journaled, audited or queued, so a refused attempt leaves no trace but the error. The
   * one rule for pickup, QR pickup, drop-off, collection and maintenance.
   */
  assertReachable(compartmentId: string): void {
    if (this.knownOffline(compartmentId)) throw new KioskError('HARDWARE_OFFLINE', 'the lock board is not reachable');
  }

  /**
   * Known offline: the port is not open, or the driver has given up on the board (its last read attempt, retries
   * included, got no answer) whether or not it ever answered since start-up. A board that has answered before and
   * is not online now counts too (drivers without `silent`). Only a board not yet tried at all is given the benefit
   * of the doubt: the unlock goes out and the tracker's jam verdict tells (issue 9 §2, red-team finding 2).
   */
  knownOffline(compartmentId: string): boolean {
    const { doors } = this.kit.ctx;
    try {
      if (doors.health().port !== 'open') return true;
      const board = this.kit.repos.compartments.get(compartmentId)?.board;
      const state = doors.boards().find((b) => b.board === board);
      if (state === undefined || state.online) return false;
      return state.silent === true || state.readAt !== null;
    } catch {
      return true; // a closed controller
    }
  }

  /** The port is not open, so every door is known offline (knownOffline's first rule), before a door is even chosen. */
  portDown(): boolean {
    try {
      return this.kit.ctx.doors.health().port !== 'open';
    } catch {
      return true;
    }
  }

  /**
   * The item sensor as last read just before this operation's unlock went out: true / false, or null when unknown (no
   * sensors, unreadable, or an operation from before this process started). In memory only: a restart loses it and
   * the operation is then judged by its close alone, as before.
   */
  itemAtUnlock(opId: string): boolean | null {
    const op = this.kit.repos.doorOps.get(opId);
    if (op && !['requested', 'unlocked', 'opened'].includes(op.state)) this.before.delete(opId);
    return this.before.get(opId) ?? null;
  }

  /** Poll fast while any operation is unfinished. */
  refreshAttentive(): void {
    try {
      this.kit.ctx.doors.setAttentive(this.kit.repos.doorOps.unfinished().length > 0);
    } catch {
      // a closed controller during shutdown
    }
  }

  /**
   * A door event must never take the process down (the store may be refusing writes, e.g. a full disk): the error is
   * logged and the operation stays unfinished in the journal, to be decided from a fresh read by the reconciliation
   * that runs on the next tick (and on every reconnect).
   */
  private onEventSafely(e: DoorEvent): void {
    try {
      this.onEvent(e);
    } catch (err) {
      this.eventFailed(e.type, err);
    }
  }

  private eventFailed(what: string, err: unknown): void {
    this.kit.log.error('door event not recorded; left for reconciliation', { event: what, error: (err as Error).message });
    this.reconcileDue = true;
  }

  /** Operations that missed every signal (see STALE_OPERATION_MS): a fresh read decides them, as after a restart. */
  private decideStale(): void {
    const { kit } = this;
    const cutoff = kit.now() - STALE_OPERATION_MS;
    for (const op of kit.repos.doorOps.unfinished()) {
      if (op.state === 'opened' || (op.unlockedAt ?? op.requestedAt) > cutoff) continue;
      let door: 'open' | 'closed' | null = null;
      try {
        door = kit.ctx.doors.compartment(op.compartmentId).door;
      } catch {
        door = null;
      }
      if (door === null) continue; // unreadable: the reconnect's reconciliation decides it
      const item = this.itemReading(op.compartmentId);
      const before = this.before.get(op.id) ?? null;
      const done = kit.tx(() => decide(kit, op, door, item, before));
      if (done) kit.emitOp(done);
    }
  }

  private onEvent(e: DoorEvent): void {
    const { kit } = this;
    switch (e.type) {
      case 'opened': {
        this.watch.opened(e.compartmentId);
        const op = kit.repos.doorOps.activeFor(e.compartmentId);
        if (!op || op.state === 'opened') return;
        const moved = kit.tx(() => kit.repos.doorOps.advance(op.id, 'opened', kit.now()));
        if (moved) kit.emitOp(moved);
        return;
      }
      case 'closed': {
        this.watch.closed(e.compartmentId);
        // The tracker emits edges before it stores the whole read: take the item sensor once the read has landed.
        if (this.waiting.has(e.compartmentId)) return;
        this.waiting.add(e.compartmentId);
        setImmediate(() => {
          this.waiting.delete(e.compartmentId);
          try {
            this.closed(e.compartmentId);
          } catch (err) {
            this.eventFailed('closed', err);
          }
        });
        return;
      }
      case 'jammed': {
        const op = kit.repos.doorOps.activeFor(e.compartmentId);
        if (e.blind) {
          // No read since the deadline: nobody knows whether the door opened. Say so now (the person cannot wait),
          // decide later from the board's first answer (reconcile on reconnect). See ADR door-truth.
          if (!op || (op.state !== 'requested' && op.state !== 'unlocked') || op.outcome === 'jammed') return;
          if (e.read) {
            // Unwatched until a read that has just landed (a short outage, a garbled line): that read is the board's
            // answer, so decide from it now, as a reconnect would (recovery.decide: closed + empty after a pickup =
            // picked up, flagged "door not seen open"; closed + parcel inside = nothing happened). Next tick, once
            // the whole read is stored.
            setImmediate(() => {
              try {
                this.decideUnwatched(op.id);
              } catch (err) {
                this.eventFailed('jammed', err);
              }
            });
            return;
          }
          const told = kit.tx(() => markUnconfirmed(kit, op.id));
          if (told) kit.emitOp(told);
          return;
        }
        if (!op) {
          // The alarm itself is pushed by the door-event bridge; here: the record, as for an operation's jam.
          kit.tx(() => recordOrphanJam(kit, e.compartmentId));
          return;
        }
        if (op.state !== 'requested' && op.state !== 'unlocked') return;
        const failed = kit.tx(() => failJammed(kit, op.id, 'sensor'));
        if (failed) kit.emitOp(failed);
        this.refreshAttentive();
        return;
      }
      case 'forced-open': {
        // The alarm itself is pushed by the door-event bridge (src-main/door-events.ts); here: the record and the parcel.
        if (kit.repos.doorOps.activeFor(e.compartmentId)) return;
        kit.tx(() => {
          const parcel = kit.repos.parcels.inCompartment(e.compartmentId);
          const flagged = parcel !== null && flagParcel(kit, parcel.id, `door forced open at ${kit.iso(kit.now())}: check the parcel`);
          kit.recordAlarm('forced_open', e.compartmentId, 'system', 'door.forced_open', { compartmentId: e.compartmentId, parcelId: flagged ? parcel.id : null });
          kit.queue('door.forced_open', { compartmentId: e.compartmentId });
        });
        return;
      }
      case 'item-present':
      case 'item-absent':
        // Outside an operation, an item appearing or going is the store's business (red-team finding 4): compare.
        if (kit.repos.doorOps.activeFor(e.compartmentId)) return;
        if (e.type === 'item-absent') this.vanished.add(e.compartmentId);
        else this.vanished.delete(e.compartmentId);
        this.auditSensors();
        return;
      case 'port-up':
      case 'board-online':
        this.reconcileNow().catch(() => {
          this.reconcileDue = true;
        });
        return;
      default:
        return;
    }
  }

  /** See the blind `jammed` case in onEvent: told "no answer" and decided from the fresh read in one commit. */
  private decideUnwatched(opId: string): void {
    const { kit } = this;
    const op = kit.repos.doorOps.get(opId);
    if (!op || (op.state !== 'requested' && op.state !== 'unlocked')) return;
    let door: 'open' | 'closed' | null = null;
    try {
      door = kit.ctx.doors.compartment(op.compartmentId).door;
    } catch {
      door = null;
    }
    const item = this.itemReading(op.compartmentId);
    const before = this.before.get(op.id) ?? null;
    const done = kit.tx(() => {
      const told = op.outcome === 'jammed' ? op : markUnconfirmed(kit, op.id);
      // Unreadable again already: it stays "no answer" until the reconnect's reconciliation decides.
      return door === null || !told ? told : (decide(kit, told, door, item, before) ?? told);
    });
    if (done) kit.emitOp(done);
    this.refreshAttentive();
  }

  private closed(compartmentId: string): void {
    const { kit } = this;
    const op = kit.repos.doorOps.activeFor(compartmentId);
    if (!op) {
      this.auditSensors(); // a door closed with no operation (forced, or never ours): what is inside now?
      return;
    }
    if (op.state !== 'opened') return;
    const item = this.itemReading(compartmentId);
    const done = kit.tx(() => finishOnClose(kit, op.id, item, this.before.get(op.id) ?? null));
    if (done) kit.emitOp(done);
    if (done) this.before.delete(op.id);
    this.refreshAttentive();
  }

  /**
   * The store against the item sensors as last read (recovery.compareSensors, no new bus reads): an item where the
   * store says free → out of service + `unexpected_item`, never allocated (door open or shut: an item put into a
   * forced door must not be offered to the next drop-off); a parcel seen going → flagged + `forced_open` alarm.
   */
  private auditSensors(): void {
    const read = new Map(this.kit.ctx.layout.compartments.map((c) => [c.board, true] as const));
    // Next tick: the tracker emits edges before it stores the whole read.
    setImmediate(() =>
      compareSensors(this.kit, read, { vanished: this.vanished }).catch((err: unknown) => this.eventFailed('sensor audit', err)),
    );
  }

  /** The item sensor, or null when this installation has none (or the board cannot be read right now). */
  itemReading(compartmentId: string): boolean | null {
    if (!this.kit.ctx.config.serial.itemSensors) return null;
    try {
      return this.kit.ctx.doors.compartment(compartmentId).item;
    } catch {
      return null;
    }
  }
}

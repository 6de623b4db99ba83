import { KioskError } from '../../src-shared/errors';
import type { DoorEvent } from '../hardware/door-controller';
import type { DoorOpRow, NewDoorOp } from '../store/door-ops';
import { DOOR_WATCH_INTERVAL_MS, DoorWatch } from './door-watch';
import type { Kit } from './kit';
import { finishOnClose, failJammed, abandon, flagParcel, recordOrphanJam } from './finish';

/**
 * The door side of every use case: journal first, then the unlock frame, then progress from the controller's
 * events (opened / closed / jammed). Nothing here blocks on a door: `send` returns once the frame is on the wire.
 */
export class DoorEngine {
  private unsubscribe: (() => void) | null = null;
  private readonly waiting = new Set<string>();
  private watchTimer: ReturnType<typeof setInterval> | null = null;
  readonly watch: DoorWatch;

  constructor(private readonly kit: Kit) {
    this.watch = new DoorWatch(kit);
  }

  start(onReconnect: () => void): void {
    this.unsubscribe = this.kit.ctx.doors.on((e) => this.onEvent(e, onReconnect));
    this.refreshAttentive();
    this.watchTimer = setInterval(() => {
      try {
        this.watch.check();
      } catch (err) {
        this.kit.log.error('door watch failed', { error: (err as Error).message });
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

  /** Poll fast while any operation is unfinished. */
  refreshAttentive(): void {
    try {
      this.kit.ctx.doors.setAttentive(this.kit.repos.doorOps.unfinished().length > 0);
    } catch {
      // a closed controller during shutdown
    }
  }

  private onEvent(e: DoorEvent, onReconnect: () => void): void {
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
          this.closed(e.compartmentId);
        });
        return;
      }
      case 'jammed': {
        const op = kit.repos.doorOps.activeFor(e.compartmentId);
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
      case 'port-up':
      case 'board-online':
        onReconnect();
        return;
      default:
        return;
    }
  }

  private closed(compartmentId: string): void {
    const { kit } = this;
    const op = kit.repos.doorOps.activeFor(compartmentId);
    if (!op || op.state !== 'opened') return;
    const item = this.itemReading(compartmentId);
    const done = kit.tx(() => finishOnClose(kit, op.id, item));
    if (done) kit.emitOp(done);
    this.refreshAttentive();
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

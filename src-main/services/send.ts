import { timingSafeEqual } from 'node:crypto';
import type { DoorOperation } from '../../src-shared/api/common';
import type { SendResume } from '../../src-shared/api/send';
import { KioskError } from '../../src-shared/errors';
import { checkDigest, codeDigest, qrDigest } from '../../src-common/code-digest';
import { strategyFor, type AllocationStrategy } from '../domain/allocation';
import { nextSizeUp } from '../domain/sizes';
import type { DoorOpRow } from '../store/door-ops';
import type { ParcelRow } from '../store/parcels';
import { allocateAndJournal } from './allocate';
import type { DoorEngine } from './doors';
import { depositSend, releaseReservation } from './finish';
import { GroupTokens } from './group-pickup';
import type { Kit } from './kit';
import type { KeypadGuard } from './lockout';
import type { CodeEntry } from './pickup';
import { SEND_RESUME_WINDOW_MS, sendResumePoint } from './send-resume';
import { where, type WhereView } from './views';

export interface SendStarted {
  operationId: string;
  where: WhereView;
  /** No item sensors here: the sender says "I put it in" (sendConfirm) before closing; the close is then the proof. */
  confirmNeeded: boolean;
  /** One-time token for "doesn't fit" on this operation (128 bits, base64url; main keeps its SHA-256 in memory). */
  fitToken: string;
}

const ACTOR = 'customer';

/**
 * A sender's drop-off at the kiosk (ADR drop-offs): "Send or return a parcel" → the code (or QR) from their message →
 * a free compartment of the booked size opens (allocated as for drivers, journaled before the unlock) → the parcel goes
 * in and the door closes → the item sensor confirms (without sensors: the sender's "I put it in" and the close) → a
 * receipt (finish.ts depositSend). Works offline: the code is checked against the manifest's digests in the store.
 *
 * One code space, one lockout: the lookup is the pickup keypad's (the same KeypadGuard instance, so wrong entries here
 * and there add up and harden both; hardened = code + check code, paced). A code that turns out to be a pickup code is
 * answered PICKUP_CODE (the screen switches flows with it); a drop-off past its deadline costs the budget like a wrong
 * code (CODE_EXPIRED), as an expired pickup does (ADR 0008, red-team finding 4).
 */
export class SendService {
  readonly strategy: AllocationStrategy;
  /** One-time "doesn't fit" tokens per operation (the same one-time-token store as a group visit's next door). */
  private readonly fitTokens: GroupTokens;
  /** Receipts the screen has left (operation id → when): a reload must not show them again. In memory, pruned. */
  private readonly dismissed = new Map<string, number>();
  /** Closes before this are never resumed: what was dismissed before a restart is not known. */
  private readonly startedAt: number;

  constructor(
    private readonly kit: Kit,
    private readonly doors: DoorEngine,
    private readonly guard: KeypadGuard,
  ) {
    this.strategy = strategyFor(kit.ctx.config.allocation);
    this.fitTokens = new GroupTokens(kit);
    this.startedAt = kit.now();
  }

  private secret(): Uint8Array {
    const secret = this.kit.repos.enrollment.getKioskSecret();
    if (!secret) throw new KioskError('NOT_AVAILABLE', 'this kiosk is not enrolled yet');
    return secret;
  }

  /** A keypad entry. Errors: CHECK_REQUIRED, CODE_INVALID, CODE_EXPIRED, PICKUP_CODE, KEYPAD_BUSY, NO_COMPARTMENT, HARDWARE_OFFLINE. */
  async submitCode(entry: CodeEntry): Promise<SendStarted> {
    const hardened = this.guard.mode() === 'hardened';
    if (hardened && !entry.check) throw new KioskError('CHECK_REQUIRED', 'also enter the 4-digit check code from your message', { checkRequired: true });
    if (hardened) await this.guard.pace();
    const secret = this.secret();
    const digest = codeDigest(secret, entry.code);
    const secondFactor = (p: ParcelRow) => !hardened || (p.checkDigest !== null && sameHex(checkDigest(secret, entry.code, entry.check!), p.checkDigest));
    const { parcels } = this.kit.repos;
    const parcel = parcels.byDigest(digest);
    if (parcel && secondFactor(parcel)) return this.start(parcel, 'code');
    // A pickup code just used (its reopen window) is still a pickup code: send the person there.
    const spent = parcels.bySpentDigest(digest, this.kit.now());
    if (spent && secondFactor(spent)) throw pickupCode();
    const mode = this.guard.failure('code');
    throw new KioskError('CODE_INVALID', 'no drop-off with this code', mode === 'hardened' ? { checkRequired: true } : undefined);
  }

  /** The `LK2:<token>` QR from the sender's message: outside the keypad's budget, never paced (a wrong one is reported only). */
  async submitQr(token: string): Promise<SendStarted> {
    const p = this.kit.repos.parcels.byQrDigest(qrDigest(this.secret(), token));
    if (p && p.direction === 'out' && p.status === 'deposited') throw new KioskError('ALREADY_DEPOSITED', 'this parcel is already in the locker');
    if (p && p.direction === 'in' && p.status !== 'collected' && p.status !== 'cancelled') throw pickupCode();
    if (p && p.status === 'expected') return this.start(p, 'qr');
    this.guard.failure('qr');
    throw new KioskError('CODE_INVALID', 'this QR code is not valid here');
  }

  /**
   * "Doesn't fit": as for drivers, this door's operation ends (outcome `cancelled`; the compartment is offered again only
   * once its door is seen closed and empty) and the next size up opens. No larger one: NO_COMPARTMENT, the reservation
   * released, and the code still works (another time, or another kiosk's booking).
   */
  async doesntFit(operationId: string, token: string): Promise<SendStarted> {
    const { kit } = this;
    const op = this.current(operationId);
    // Only the screen that entered the code may move the parcel to another door (ADR 0008): the answer's one-time token.
    if (!this.fitTokens.consume(op.id, token)) throw new KioskError('NOT_FOUND', 'no such drop-off');
    const parcel = kit.repos.parcels.get(op.parcelId!)!;
    const compartment = kit.repos.compartments.get(op.compartmentId)!;
    const bigger = nextSizeUp(compartment.size);
    const given = kit.tx(() => {
      kit.repos.doorOps.setOutcome(op.id, 'cancelled', kit.now());
      releaseReservation(kit, op);
      kit.audit(ACTOR, 'send.doesnt_fit', { parcelId: parcel.id, compartmentId: compartment.id, operationId: op.id });
      return kit.repos.doorOps.get(op.id)!;
    });
    kit.emitOp(given);
    if (!bigger) throw noBiggerCompartment();
    return this.allocateAndOpen(kit.repos.parcels.get(parcel.id)!, bigger, new Set([compartment.id]));
  }

  /**
   * The sender's word, on boards without item sensors. `inside: true` while the door is open records "I put it in" (the
   * close then deposits); after a close that came first (outcome `empty_on_close`, compartment still reserved), it
   * deposits now. `inside: false` after such a close releases the reservation (the person says it is empty).
   * INVALID_STATE otherwise (sensors decide where there are sensors; a finished operation stays finished).
   */
  confirm(operationId: string, inside: boolean): DoorOperation {
    const { kit } = this;
    if (kit.ctx.config.serial.itemSensors) throw new KioskError('INVALID_STATE', 'the item sensor confirms the parcel here');
    const op = kit.repos.doorOps.get(operationId);
    if (!op || op.purpose !== 'send' || !op.parcelId) throw new KioskError('NOT_FOUND', 'no such drop-off');
    const unfinished = op.state === 'requested' || op.state === 'unlocked' || op.state === 'opened';
    const done = kit.tx(() => {
      const parcel = kit.repos.parcels.get(op.parcelId!);
      const reserved = parcel !== null && parcel.status === 'expected' && parcel.compartmentId === op.compartmentId;
      if (unfinished && inside) {
        kit.repos.doorOps.confirm(op.id, kit.now());
        kit.audit(ACTOR, 'send.confirmed', { parcelId: op.parcelId, compartmentId: op.compartmentId, operationId: op.id });
        return kit.repos.doorOps.get(op.id)!;
      }
      const closedUnconfirmed = op.state === 'closed' && op.outcome === 'empty_on_close' && reserved && kit.repos.doorOps.activeFor(op.compartmentId) === null;
      if (!closedUnconfirmed) throw new KioskError('INVALID_STATE', 'this drop-off is already decided');
      if (!inside) {
        releaseReservation(kit, op);
        kit.audit(ACTOR, 'send.not_inside', { parcelId: op.parcelId, compartmentId: op.compartmentId, operationId: op.id });
        return op;
      }
      kit.repos.doorOps.confirm(op.id, kit.now());
      const confirmed = kit.repos.doorOps.get(op.id)!;
      const receipt = depositSend(kit, confirmed, parcel!, null, null);
      kit.repos.doorOps.setOutcome(op.id, 'completed', kit.now(), receipt);
      return kit.repos.doorOps.get(op.id)!;
    });
    kit.emitOp(done);
    return kit.opView(done);
  }

  /**
   * The sender's drop-off a (re)loaded screen resumes (send-resume.ts says which step, and when none). At the door a
   * fresh "doesn't fit" token replaces the one the lost page held (issuing revokes it), so the resumed screen can do
   * exactly what the lost one could, on that operation only; nothing here opens a door.
   */
  resume(): SendResume | null {
    const { kit } = this;
    const point = sendResumePoint(kit, { since: this.startedAt, dismissed: this.dismissed, confirmNeeded: !kit.ctx.config.serial.itemSensors });
    if (!point) return null;
    const op = kit.opView(point.op);
    if (point.step !== 'door') return { step: point.step, op };
    const started = this.started(point.op, kit.repos.compartments.get(point.op.compartmentId)!);
    return { step: 'door', started, op, confirmed: point.op.confirmedAt !== null };
  }

  /** The screen left this operation's receipt: from now on a reload shows nothing of it. */
  dismiss(operationId: string): void {
    const now = this.kit.now();
    // Past the window the journal alone already refuses a resume: the mark is no longer needed.
    for (const [id, at] of this.dismissed) if (now - at > SEND_RESUME_WINDOW_MS) this.dismissed.delete(id);
    this.dismissed.set(operationId, now);
  }

  /** A drop-off entry matched: open its reserved compartment again, or allocate one. */
  private async start(parcel: ParcelRow, kind: 'code' | 'qr'): Promise<SendStarted> {
    const { kit } = this;
    if (parcel.direction !== 'out') throw pickupCode();
    if (parcel.status !== 'expected') {
      // Only a drop-off still waiting for its parcel opens a door: a code for one already deposited (re-issued after the
      // receipt, say) must not let the sender take it back out. Answered as a code that matches nothing, journaling nothing.
      const mode = this.guard.failure(kind);
      throw new KioskError('CODE_INVALID', 'no drop-off with this code', mode === 'hardened' && kind === 'code' ? { checkRequired: true } : undefined);
    }
    if (parcel.expiresAt !== null && parcel.expiresAt <= kit.now()) {
      // Past the sender's deadline: the server frees its reservation; a hit that opens nothing costs the budget.
      const hardened = this.guard.failure(kind) === 'hardened' && kind === 'code';
      throw new KioskError('CODE_EXPIRED', 'this drop-off code has expired', hardened ? { checkRequired: true } : undefined);
    }
    if (parcel.compartmentId) {
      const active = kit.repos.doorOps.activeFor(parcel.compartmentId);
      const compartment = kit.repos.compartments.get(parcel.compartmentId)!;
      // The same code twice while its door is on its way: the same operation, not a second unlock.
      if (active && active.purpose === 'send' && active.parcelId === parcel.id) return this.started(active, compartment);
      if (!active && compartment.inService) {
        // Reserved by an earlier visit whose door closed unconfirmed (no sensors): the same door opens again.
        const op = this.doors.journal({ purpose: 'send', compartmentId: compartment.id, parcelId: parcel.id, actor: ACTOR }, (row) =>
          kit.audit(ACTOR, 'send.reopen', { parcelId: parcel.id, compartmentId: compartment.id, operationId: row.id }),
        );
        return this.started(await this.doors.send(op), compartment);
      }
      throw new KioskError('DOOR_FAULT', 'this door is busy; please wait a moment', { reference: null });
    }
    return this.allocateAndOpen(parcel, parcel.size, new Set());
  }

  private async allocateAndOpen(parcel: ParcelRow, size: ParcelRow['size'], exclude: ReadonlySet<string>): Promise<SendStarted> {
    const picked = allocateAndJournal(this.kit, this.doors, this.strategy, { purpose: 'send', parcel, size, exclude, actor: ACTOR, auditAction: 'send.allocated' });
    if (!picked) throw exclude.size > 0 ? noBiggerCompartment() : new KioskError('NO_COMPARTMENT', 'no free compartment fits this parcel right now', { reason: 'no_compartment' });
    return this.started(await this.doors.send(picked.op), picked.chosen);
  }

  private started(op: DoorOpRow, compartment: Parameters<typeof where>[0]): SendStarted {
    return { operationId: op.id, where: where(compartment), confirmNeeded: !this.kit.ctx.config.serial.itemSensors, fitToken: this.fitTokens.issue(op.id) };
  }

  /** The unfinished send operation behind an id ("doesn't fit" while its door is open, or on its way). */
  private current(operationId: string): DoorOpRow {
    const op = this.kit.repos.doorOps.get(operationId);
    if (!op || op.purpose !== 'send' || !op.parcelId) throw new KioskError('NOT_FOUND', 'no such drop-off');
    if (op.state !== 'requested' && op.state !== 'unlocked' && op.state !== 'opened') throw new KioskError('INVALID_STATE', 'this door operation is already finished');
    const parcel = this.kit.repos.parcels.get(op.parcelId);
    if (parcel?.status !== 'expected') throw new KioskError('INVALID_STATE', 'this parcel is already deposited');
    return op;
  }
}

function pickupCode(): KioskError {
  return new KioskError('PICKUP_CODE', 'this code is for picking up a parcel', { flow: 'pickup' });
}

function noBiggerCompartment(): KioskError {
  return new KioskError('NO_COMPARTMENT', 'no larger compartment is free; your code still works', { reason: 'does_not_fit' });
}

/** Constant-time comparison of two lowercase hex digests. */
function sameHex(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}

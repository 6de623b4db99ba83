import { timingSafeEqual } from 'node:crypto';
import { KioskError } from '../../src-shared/errors';
import { checkDigest, codeDigest, qrDigest } from '../../src-common/code-digest';
import type { DoorOpRow } from '../store/door-ops';
import type { ParcelRow } from '../store/parcels';
import type { DoorEngine } from './doors';
import { sweepExpired } from './expiry';
import { GroupTokens, moreWaiting } from './group-pickup';
import type { Kit } from './kit';
import { KeypadGuard } from './lockout';
import { where, type WhereView } from './views';

export interface PickupStarted {
  operationId: string;
  where: WhereView;
  /** More parcels for the same recipient wait here (ADR customer-self-service): a count, nothing about them. */
  moreWaiting: number;
  /** With moreWaiting > 0: the one-time token that opens the next of them once this door has closed (group-pickup.ts). */
  nextToken?: string;
}

/** What the customer typed or scanned: a 6-digit code (and, when the keypad is hardened, the 4-digit check code). */
export interface CodeEntry {
  code: string;
  check?: string;
}

const PROBLEM_KIND = { damaged: 'damaged', missing: 'missing', wrong_parcel: 'wrong_parcel', door_problem: 'door_wont_open', other: 'other' } as const;

/**
 * Customer pickup: a code is looked up by its HMAC digest (index, O(1), offline), the door is journaled and
 * unlocked, and the rest happens on door events (see finish.ts). The code stays valid until the door has opened,
 * closed, and the compartment reads empty; re-entering it (or scanning the QR again) within `graceSeconds` reopens
 * the door. No door opens without the code or the QR: the kiosk cannot tell the customer from the next person at the
 * screen, so there is no code-less "reopen" (ADR 0008 (code lockout), red-team finding 1).
 *
 * Wrong entries never lock customers out (ADR 0008 (code lockout)): the keypad guard hardens the keypad (code + check
 * code, paced) and a QR token is outside the keypad's budget. A re-entered code goes through the same rules.
 */
export class PickupService {
  readonly lockout: KeypadGuard;
  /** One-time tokens that continue a visit to the same recipient's next door (ADR customer-self-service). */
  readonly group: GroupTokens;

  constructor(
    private readonly kit: Kit,
    private readonly doors: DoorEngine,
  ) {
    this.lockout = new KeypadGuard(kit);
    this.group = new GroupTokens(kit);
  }

  private secret(): Uint8Array {
    const secret = this.kit.repos.enrollment.getKioskSecret();
    if (!secret) throw new KioskError('NOT_AVAILABLE', 'this kiosk is not enrolled yet');
    return secret;
  }

  /** The digest a code is stored under; NOT_AVAILABLE before enrollment (no secret to key it). */
  digest(code: string): string {
    return codeDigest(this.secret(), code);
  }

  /** Whether the keypad asks for the check code now (the renderer shows the field from the start). */
  keypadMode(): { checkRequired: boolean } {
    return { checkRequired: this.lockout.mode() === 'hardened' };
  }

  /**
   * Checks a keypad entry without touching a door: the parcel it opens, or a thrown CODE_INVALID / CODE_EXPIRED /
   * CHECK_REQUIRED. Plain mode: the code alone. Hardened mode: the code is not even looked up without a check code,
   * and code + check is paced and answered exactly like a wrong code unless both match (no oracle for the code alone).
   * Exposed for the bench.
   */
  async validate(entry: CodeEntry): Promise<{ parcel: ParcelRow; reopen: boolean }> {
    const hardened = this.lockout.mode() === 'hardened';
    if (hardened && !entry.check) {
      throw new KioskError('CHECK_REQUIRED', 'also enter the 4-digit check code from your message', { checkRequired: true });
    }
    if (hardened) await this.lockout.pace();
    const secret = this.secret();
    const digest = codeDigest(secret, entry.code);
    const now = this.kit.now();
    const secondFactor = (p: ParcelRow) => !hardened || (p.checkDigest !== null && sameHex(checkDigest(secret, entry.code, entry.check!), p.checkDigest));
    const parcel = this.kit.repos.parcels.byDigest(digest);
    if (parcel && secondFactor(parcel)) return this.usable(parcel, now, 'code');
    const spent = this.kit.repos.parcels.bySpentDigest(digest, now);
    if (spent && secondFactor(spent)) return { parcel: spent, reopen: true };
    const mode = this.lockout.failure('code');
    throw new KioskError('CODE_INVALID', 'no parcel with this code', mode === 'hardened' ? { checkRequired: true } : undefined);
  }

  /**
   * The parcel behind a matching code or QR, if it can be picked up now. An answer that is not a door (expired, not
   * yet delivered) still costs the entry's budget like a wrong code (`kind`: `code` counts toward hardening, `qr` is
   * reported only): the guesser's pool is every code the kiosk knows, deposited + expected + expired (a carrier's
   * `extend` brings an expired parcel back), and a free "that is a real code" answer would be a recognisable win
   * outside the budget (ADR 0008, red-team finding 4). The helpful text stays for a person.
   */
  private usable(parcel: ParcelRow, now: number, kind: 'code' | 'qr'): { parcel: ParcelRow; reopen: boolean } {
    // A drop-off's code (ADR drop-offs): one code space, so it is a real code, but for the other flow. The screen
    // switches to "Send or return a parcel" with it; a match is no failure, as a pickup code's is none.
    if (parcel.direction === 'out') throw new KioskError('SEND_CODE', 'this code is for sending a parcel', { flow: 'send' });
    // Past its window but not yet swept (the sweep runs once a minute): expired now, not a minute from now.
    if (parcel.status === 'deposited' && parcel.expiresAt !== null && parcel.expiresAt <= now) {
      sweepExpired(this.kit);
      // The sweep checks the clock first: a jump it has just handled may have moved this parcel's expiry.
      const fresh = this.kit.repos.parcels.get(parcel.id);
      if (fresh?.status === 'deposited') return { parcel: fresh, reopen: false };
    } else if (parcel.status === 'deposited') return { parcel, reopen: false };
    const hardened = this.lockout.failure(kind) === 'hardened' && kind === 'code';
    const details: Record<string, boolean> = hardened ? { checkRequired: true } : {};
    if (parcel.status === 'expected') throw new KioskError('CODE_INVALID', 'this parcel has not been delivered yet', { notYetDelivered: true, ...details });
    throw new KioskError('CODE_EXPIRED', 'this code has expired; the parcel is waiting to be returned', hardened ? details : undefined);
  }

  /** A keypad entry (or a scanned LK1 QR, which is the code itself); the same code within grace reopens its door. */
  async submitCode(entry: CodeEntry): Promise<PickupStarted> {
    const { parcel } = await this.validate(entry);
    return this.open(parcel, 'customer');
  }

  /**
   * The QR from the message (`LK2:<token>`, 128 bits): looked up by its digest, outside the keypad's budget and never
   * paced, so a customer with the QR always gets in. A wrong token is counted for the fleet report only.
   */
  async submitQr(token: string): Promise<PickupStarted> {
    const now = this.kit.now();
    const p = this.kit.repos.parcels.byQrDigest(qrDigest(this.secret(), token));
    if (p && p.status === 'picked_up' && p.spentDigest !== null && p.graceUntil !== null && p.graceUntil >= now) {
      return this.open(p, 'customer');
    }
    if (p && p.status !== 'picked_up' && p.status !== 'collected' && p.status !== 'cancelled') {
      return this.open(this.usable(p, now, 'qr').parcel, 'customer');
    }
    this.lockout.failure('qr');
    throw new KioskError('CODE_INVALID', 'this QR code is not valid here');
  }

  /**
   * Journals and unlocks the door of `parcel` for its recipient (the code, the QR, or, with `group.after`, the previous
   * door of the same recipient's visit: group-pickup.ts). The caller has already decided the person may open it.
   */
  async open(parcel: ParcelRow, actor: string, group?: { after: string }): Promise<PickupStarted> {
    const { kit } = this;
    const compartmentId = parcel.compartmentId;
    const compartment = compartmentId ? kit.repos.compartments.get(compartmentId) : null;
    if (!compartment) throw new KioskError('INTERNAL', 'parcel without a compartment');
    const reopening = parcel.status === 'picked_up';
    const active = kit.repos.doorOps.activeFor(compartment.id);
    // A reopen after the pickup opens a compartment that may meanwhile hold someone else's parcel: never then.
    if (reopening && (kit.repos.parcels.inCompartment(compartment.id) || (active && active.parcelId !== parcel.id))) throw noLongerReopenable();
    if (active) {
      // The same code twice while its door is already on its way: the same operation, not a second unlock.
      if (active.purpose === 'pickup' && active.parcelId === parcel.id) return this.started(active.id, compartment, parcel, false);
      throw new KioskError('DOOR_FAULT', 'this door is busy; please wait a moment', { reference: null });
    }
    // Known offline: refused before anything is written, even the out-of-service flag below (one rule, doors.ts).
    this.doors.assertReachable(compartment.id);
    if (!compartment.inService) {
      const reference = kit.newReference();
      kit.tx(() => {
        kit.repos.parcels.patch(parcel.id, { flagged: `pickup refused: compartment out of service, ref ${reference}` }, kit.now());
        kit.audit(actor, 'pickup.door_fault', { parcelId: parcel.id, compartmentId: compartment.id, reference });
        kit.queue('problem.reported', { kind: 'door_wont_open', parcelId: parcel.id, barcode: parcel.barcode, compartmentId: compartment.id, reference });
      });
      throw new KioskError('DOOR_FAULT', 'this door needs a technician; quote the reference to support', { reference });
    }
    const op = this.doors.journal({ purpose: 'pickup', compartmentId: compartment.id, parcelId: parcel.id, actor }, (row) => {
      // Checked again inside the journal's write transaction: nothing can have been allocated in between.
      if (reopening && kit.repos.parcels.inCompartment(compartment.id)) throw noLongerReopenable();
      const action = reopening ? 'pickup.reopen' : group ? 'pickup.group_next' : 'pickup.code_accepted';
      kit.audit(actor, action, { parcelId: parcel.id, compartmentId: compartment.id, operationId: row.id, ...(group ? { after: group.after } : {}) });
    });
    await this.doors.send(op);
    return this.started(op.id, compartment, parcel, reopening);
  }

  /** The answer to an opened door: where, how many more of this recipient's parcels wait, and the token for the next. */
  private started(operationId: string, compartment: Parameters<typeof where>[0], parcel: ParcelRow, reopening: boolean): PickupStarted {
    const more = reopening ? 0 : moreWaiting(this.kit, parcel);
    return { operationId, where: where(compartment), moreWaiting: more, ...(more > 0 ? { nextToken: this.group.issue(operationId) } : {}) };
  }

  /** "Report a problem": an outbox event for the server and a reference for the customer. */
  reportProblem(input: { operationId?: string; compartmentId?: string; kind: keyof typeof PROBLEM_KIND; note?: string }): { reference: string } {
    const { kit } = this;
    let op: DoorOpRow | null = null;
    if (input.operationId) {
      op = kit.repos.doorOps.get(input.operationId);
      if (!op) throw new KioskError('NOT_FOUND', 'no such operation');
    }
    const compartmentId = op?.compartmentId ?? input.compartmentId;
    if (compartmentId && !kit.repos.compartments.get(compartmentId)) throw new KioskError('UNKNOWN_COMPARTMENT', 'no such compartment');
    const parcel = op?.parcelId ? kit.repos.parcels.get(op.parcelId) : null;
    const reference = kit.newReference();
    kit.tx(() => {
      kit.queue('problem.reported', {
        kind: PROBLEM_KIND[input.kind],
        ...(parcel ? { parcelId: parcel.id, barcode: parcel.barcode } : {}),
        ...(compartmentId ? { compartmentId } : {}),
        reference,
        ...(input.note ? { note: input.note } : {}),
      });
      kit.audit('customer', 'problem.reported', { kind: input.kind, compartmentId: compartmentId ?? null, operationId: op?.id ?? null, reference });
      if (parcel && (parcel.status === 'deposited' || parcel.status === 'expired')) {
        kit.repos.parcels.patch(parcel.id, { flagged: `customer reported ${input.kind}, ref ${reference}` }, kit.now());
      }
    });
    return { reference };
  }
}

function noLongerReopenable(): KioskError {
  return new KioskError('INVALID_STATE', 'this door can no longer be reopened; enter the code again if the parcel is still inside');
}

/** Constant-time comparison of two lowercase hex digests. */
function sameHex(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { KioskError } from '../../src-shared/errors';
import type { ParcelRow } from '../store/parcels';
import type { Kit } from './kit';
import type { PickupService, PickupStarted } from './pickup';

/**
 * "All my parcels in one visit" (issue 13, ADR customer-self-service). The server gives one recipient's parcels at this
 * kiosk the same opaque group key; a code that opened a door also opens the group's other parcels, one after another:
 * each next door only after the previous one closed with its parcel taken, each journaled before its unlock like any
 * pickup. The screen learns how many more wait (a count, nothing else: never a barcode, size or door of anyone's).
 *
 * No door opens without the code (ADR 0008): the answer to the code carries a one-time `nextToken` (128 bits; the kiosk
 * keeps only its SHA-256, in memory, bound to that operation), and the next door needs it back. So only the screen
 * that entered the code can continue its visit, once per door, within minutes; a restart forgets the tokens and the
 * person types the next code instead.
 */

/** How long after the last door closed its visit may still open the group's next one. */
export const GROUP_NEXT_WINDOW_MS = 3 * 60_000;

/**
 * The other parcels of `parcel`'s group that can be picked up now: deposited, not past their expiry, in a compartment
 * in service, no door operation under way on it. Oldest deposit first. None when the parcel has no group key.
 */
export function othersWaiting(kit: Kit, parcel: ParcelRow): ParcelRow[] {
  if (!parcel.groupKey) return [];
  const rows = kit.repos.db
    .prepare(
      // Only behind a door in service: one a technician took out would answer DOOR_FAULT after "1 more waits" (red team 13).
      `SELECT p.id FROM parcels p JOIN compartments c ON c.id = p.compartment_id
         WHERE p.group_key = ? AND p.status = 'deposited' AND p.id <> ? AND p.expires_at > ? AND c.in_service = 1
         ORDER BY p.deposited_at, p.id`,
    )
    .all(parcel.groupKey, parcel.id, kit.now()) as Array<{ id: string }>;
  return rows.map((r) => kit.repos.parcels.get(r.id)!).filter((p) => !kit.repos.doorOps.activeFor(p.compartmentId!));
}

/** How many more parcels wait for the same recipient here (the number the screen shows). */
export function moreWaiting(kit: Kit, parcel: ParcelRow): number {
  return othersWaiting(kit, parcel).length;
}

/**
 * The one-time tokens that continue a visit to the group's next door: operation id → SHA-256 of the token and when it
 * lapses. In memory only (a restart ends every visit anyway), pruned as they lapse.
 */
export class GroupTokens {
  private readonly byOp = new Map<string, { digest: Buffer; until: number }>();
  constructor(private readonly kit: Kit) {}

  /** A fresh token for the visit that just opened `operationId` (its door must still close before the token works). */
  issue(operationId: string): string {
    const now = this.kit.now();
    for (const [id, t] of this.byOp) if (t.until < now) this.byOp.delete(id);
    const token = randomBytes(16).toString('base64url');
    // Valid from the unlock until the window after the door closes: the door may stay open a while.
    this.byOp.set(operationId, { digest: sha256(token), until: now + 30 * 60_000 });
    return token;
  }

  /** Spends the token of `operationId`: true once, for the right token, before it lapses. */
  consume(operationId: string, token: string): boolean {
    const t = this.byOp.get(operationId);
    if (!t || t.until < this.kit.now()) return false;
    const ok = timingSafeEqual(t.digest, sha256(token));
    if (ok) this.byOp.delete(operationId);
    return ok;
  }
}

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** The most recent pickup operation on any parcel of a group: only it may lead to the next door. */
function latestGroupOp(kit: Kit, groupKey: string): string | null {
  const r = kit.repos.db
    .prepare(
      `SELECT d.id FROM door_operations d JOIN parcels p ON p.id = d.parcel_id
         WHERE p.group_key = ? AND d.purpose = 'pickup' ORDER BY d.requested_at DESC, d.rowid DESC LIMIT 1`,
    )
    .get(groupKey) as { id: string } | undefined;
  return r?.id ?? null;
}

/**
 * Opens the group's next parcel after the pickup `operationId`. Refused (nothing journaled) unless that operation is
 * a pickup whose door closed with the parcel taken (outcome `completed`) at most GROUP_NEXT_WINDOW_MS ago, it is the
 * latest pickup of its group (a double tap, or an old operation id, cannot open a second door), another parcel of
 * the group waits, and `token` is the one-time token the previous answer carried (GroupTokens). Errors: NOT_FOUND (no such operation, or nothing more waits), INVALID_STATE (door not closed, parcel
 * still inside, visit over, not the latest), plus those of any pickup's unlock (DOOR_FAULT, HARDWARE_OFFLINE).
 */
export async function openNextInGroup(kit: Kit, pickup: PickupService, operationId: string, token: string): Promise<PickupStarted> {
  const op = kit.repos.doorOps.get(operationId);
  if (!op || op.purpose !== 'pickup' || !op.parcelId) throw new KioskError('NOT_FOUND', 'no such pickup');
  if (op.state !== 'closed' || op.outcome !== 'completed') throw new KioskError('INVALID_STATE', 'close this door with your parcel taken first');
  if (op.closedAt === null || kit.now() - op.closedAt > GROUP_NEXT_WINDOW_MS) throw new KioskError('INVALID_STATE', 'this visit has ended: enter the code of your next parcel');
  const parcel = kit.repos.parcels.get(op.parcelId);
  if (!parcel?.groupKey) throw new KioskError('NOT_FOUND', 'no more parcels wait for you here');
  if (latestGroupOp(kit, parcel.groupKey) !== op.id) throw new KioskError('INVALID_STATE', 'the next door has already been opened');
  const next = othersWaiting(kit, parcel)[0];
  if (!next) throw new KioskError('NOT_FOUND', 'no more parcels wait for you here');
  // Checked last, so a refusal above does not burn the token; spent here, before the door is journaled.
  if (!pickup.group.consume(op.id, token)) throw new KioskError('INVALID_STATE', 'this visit cannot open another door: enter the code of your next parcel');
  return pickup.open(next, 'customer', { after: op.id });
}

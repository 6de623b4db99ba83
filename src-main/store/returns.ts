import type { Size } from '../../src-shared/api/common';
import type { Db } from './sqlite';

/** A parcel in a compartment as the fleet describes it after a re-enrollment (manifest `placed`, ADR return-reenroll). */
export interface PlacedInput {
  id: string;
  barcode: string;
  size: Size;
  accessible: boolean;
  compartmentId: string;
  status: 'deposited' | 'expired';
  /** null when the old digest happens to equal a live one here: the re-issue that follows sets the real one. */
  codeDigest: string | null;
  pickupWindowDays: number;
  depositedAt: number;
  expiresAt: number;
  returnToSender: boolean;
  serverSeq: number;
  /** The recipient's group at this kiosk ("all my parcels"), as the manifest gave it; null without one. */
  groupKey: string | null;
}

/** A sender's drop-off in a compartment as the fleet describes it after a re-enrollment (manifest `placedDropoffs`). */
export interface PlacedDropoffInput {
  id: string;
  barcode: string;
  size: Size;
  compartmentId: string;
  depositedAt: number;
  receipt: string | null;
  serverSeq: number;
}

/**
 * Return to sender and re-enrollment state in the kiosk store (issue 12, ADR return-reenroll), beside ParcelsRepo:
 * the `return_requested_at` column (kiosk migration return-to-sender) and the insert of a parcel that is already in a compartment.
 * Callers run these inside the manifest page's transaction.
 */
export class ReturnsRepo {
  constructor(private readonly db: Db) {}

  /** Marks `id` for return (kept if already marked). True when the row exists. */
  mark(id: string, at: number, now: number): boolean {
    const r = this.db.prepare('UPDATE parcels SET return_requested_at = COALESCE(return_requested_at, ?), updated_at = ? WHERE id = ?').run(at, now, id);
    return r.changes > 0;
  }

  isMarked(id: string): boolean {
    return this.db.prepare('SELECT 1 FROM parcels WHERE id = ? AND return_requested_at IS NOT NULL').get(id) !== undefined;
  }

  /** Ids of the parcels in compartments that are marked for return (the driver's collection list says so). */
  markedInCompartments(): Set<string> {
    const rows = this.db.prepare("SELECT id FROM parcels WHERE return_requested_at IS NOT NULL AND status IN ('deposited', 'expired')").all() as Array<{ id: string }>;
    return new Set(rows.map((r) => r.id));
  }

  /** Whether this kiosk's layout has the compartment (a replaced PC may run another layout). */
  compartmentInLayout(id: string): boolean {
    return this.db.prepare('SELECT 1 FROM compartments WHERE id = ? AND in_layout = 1').get(id) !== undefined;
  }

  /** Inserts a parcel that is already in its compartment (a replaced PC's first manifest). The caller checked for clashes. */
  insertPlaced(p: PlacedInput, now: number): void {
    const returned = p.returnToSender ? now : null;
    const expiredAt = p.status === 'expired' ? now : null;
    this.db
      .prepare(
        `INSERT INTO parcels (id, barcode, size, accessible, status, compartment_id, code_digest, pickup_window_days, deposited_at, expires_at,
           expired_at, return_requested_at, created_at, updated_at, server_seq, group_key)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(p.id, p.barcode, p.size, p.accessible ? 1 : 0, p.status, p.compartmentId, p.codeDigest, p.pickupWindowDays, p.depositedAt, p.expiresAt, expiredAt, returned, now, now, p.serverSeq, p.groupKey);
  }

  /**
   * Inserts a drop-off that is already in its compartment, as the send flow leaves one (finish.ts): deposited, direction
   * out, no code and no expiry (it waits for a driver). The caller checked for clashes.
   */
  insertPlacedDropoff(p: PlacedDropoffInput, now: number): void {
    this.db
      .prepare(
        `INSERT INTO parcels (id, barcode, size, accessible, status, compartment_id, code_digest, deposited_at, expires_at,
           receipt, direction, created_at, updated_at, server_seq)
         VALUES (?, ?, ?, 0, 'deposited', ?, NULL, ?, NULL, ?, 'out', ?, ?, ?)`,
      )
      .run(p.id, p.barcode, p.size, p.compartmentId, p.depositedAt, p.receipt, now, now, p.serverSeq);
  }
}

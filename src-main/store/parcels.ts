import type { Size } from '../../src-shared/api/common';
import { assertTransition, type ParcelStatus } from '../domain/parcel';
import type { Db } from './sqlite';

export interface ParcelRow {
  id: string;
  barcode: string;
  size: Size;
  accessible: boolean;
  status: ParcelStatus;
  compartmentId: string | null;
  codeDigest: string | null;
  spentDigest: string | null;
  /** HMAC of `qr:` + the message's QR token (ADR 0008 (code lockout)); null for parcels from a server that sends none. */
  qrDigest: string | null;
  /** HMAC of `check:` + code + `:` + check code (ADR 0008 (code lockout)); null for parcels from a server that sends none. */
  checkDigest: string | null;
  graceUntil: number | null;
  pickupWindowDays: number;
  expiresAt: number | null;
  flagged: string | null;
  createdAt: number;
  depositedAt: number | null;
  pickedUpAt: number | null;
  expiredAt: number | null;
  collectedAt: number | null;
  /** `out`: a drop-off a sender brings and a driver collects (ADR drop-offs); `in`: a delivery to a recipient. */
  direction: 'in' | 'out';
  /** A drop-off's receipt reference, shown to the sender when the door closed on it. */
  receipt: string | null;
  /** The server's opaque key for this parcel's recipient at this kiosk (ADR customer-self-service); null: none/left. */
  groupKey: string | null;
}

const COLS = `id, barcode, size, accessible, status, compartment_id AS compartmentId, code_digest AS codeDigest,
  spent_digest AS spentDigest, qr_digest AS qrDigest, check_digest AS checkDigest, grace_until AS graceUntil, pickup_window_days AS pickupWindowDays, expires_at AS expiresAt,
  flagged, created_at AS createdAt, deposited_at AS depositedAt, picked_up_at AS pickedUpAt, expired_at AS expiredAt,
  collected_at AS collectedAt, group_key AS groupKey, direction, receipt`;

function toRow(r: unknown): ParcelRow | null {
  if (!r) return null;
  const row = r as Omit<ParcelRow, "accessible"> & { accessible: unknown };
  return { ...row, accessible: row.accessible === 1 };
}

export interface ExpectedParcelInput {
  id: string;
  barcode: string;
  size: Size;
  codeDigest: string;
  qrDigest?: string | null;
  checkDigest?: string | null;
  accessible: boolean;
  pickupWindowDays: number;
  serverSeq?: number;
  /** ADR customer-self-service: absent from older servers. */
  groupKey?: string | null;
}

/** Fields a transition may set besides the status (column names are fixed here, never from input). */
type Patch = Partial<{
  compartment_id: string | null;
  code_digest: string | null;
  spent_digest: string | null;
  grace_until: number | null;
  expires_at: number | null;
  flagged: string | null;
  size: Size;
  deposited_at: number;
  picked_up_at: number;
  expired_at: number;
  collected_at: number;
  cancelled_at: number;
  receipt: string;
  group_key: string | null;
}>;

/**
 * Parcels and their lifecycle. Every status change goes through `transition`, which refuses what the lifecycle
 * (domain/parcel.ts) forbids; reservations and flags are plain updates that keep the status.
 */
export class ParcelsRepo {
  private readonly byIdStmt;
  private readonly byDigestStmt;
  private readonly bySpentStmt;
  private readonly byQrStmt;
  private readonly activeBarcodeStmt;
  private readonly latestBarcodeStmt;
  private readonly overdueStmt;
  private readonly expiredStmt;
  private readonly inCompartmentStmt;
  private readonly inGraceStmt;

  constructor(private readonly db: Db) {
    this.byIdStmt = db.prepare(`SELECT ${COLS} FROM parcels WHERE id = ?`);
    this.byDigestStmt = db.prepare(`SELECT ${COLS} FROM parcels WHERE code_digest = ?`);
    this.byQrStmt = db.prepare(`SELECT ${COLS} FROM parcels WHERE qr_digest = ?`);
    this.bySpentStmt = db.prepare(`SELECT ${COLS} FROM parcels WHERE spent_digest = ? AND grace_until >= ?`);
    this.activeBarcodeStmt = db.prepare(`SELECT ${COLS} FROM parcels WHERE barcode = ? AND status IN ('expected','deposited','expired')`);
    this.latestBarcodeStmt = db.prepare(`SELECT ${COLS} FROM parcels WHERE barcode = ? ORDER BY created_at DESC LIMIT 1`);
    this.overdueStmt = db.prepare(`SELECT ${COLS} FROM parcels WHERE status = 'deposited' AND expires_at <= ? ORDER BY expires_at`);
    this.expiredStmt = db.prepare(`SELECT ${COLS} FROM parcels WHERE status = 'expired' ORDER BY expired_at`);
    // Through the partial index parcels_spent_code: only parcels picked up within the last grace window qualify.
    this.inGraceStmt = db.prepare(`SELECT compartment_id AS id FROM parcels WHERE spent_digest IS NOT NULL AND grace_until >= ? AND compartment_id IS NOT NULL`);
    this.inCompartmentStmt = db.prepare(
      `SELECT ${COLS} FROM parcels WHERE compartment_id = ? AND status IN ('expected','deposited','expired')`,
    );
  }

  get(id: string): ParcelRow | null {
    return toRow(this.byIdStmt.get(id));
  }

  /** The parcel whose code has this digest (expected, deposited or expired: spent codes are NULL). */
  byDigest(digest: string): ParcelRow | null {
    return toRow(this.byDigestStmt.get(digest));
  }

  /** The parcel whose message carried the QR token with this digest (any status: the caller decides). */
  byQrDigest(digest: string): ParcelRow | null {
    return toRow(this.byQrStmt.get(digest));
  }

  /** A parcel picked up with this code whose reopen grace window is still open. */
  bySpentDigest(digest: string, now: number): ParcelRow | null {
    return toRow(this.bySpentStmt.get(digest, now));
  }

  activeByBarcode(barcode: string): ParcelRow | null {
    return toRow(this.activeBarcodeStmt.get(barcode));
  }

  latestByBarcode(barcode: string): ParcelRow | null {
    return toRow(this.latestBarcodeStmt.get(barcode));
  }

  /** The parcel holding (or reserving) a compartment, if any. */
  inCompartment(compartmentId: string): ParcelRow | null {
    return toRow(this.inCompartmentStmt.get(compartmentId));
  }

  /** Compartments whose parcel was just picked up and may still be reopened ("door closed too soon"). */
  compartmentsInGrace(now: number): Set<string> {
    return new Set((this.inGraceStmt.all(now) as Array<{ id: string }>).map((r) => r.id));
  }

  overdue(now: number): ParcelRow[] {
    return (this.overdueStmt.all(now) as unknown[]).map((r) => toRow(r)!);
  }

  expired(): ParcelRow[] {
    return (this.expiredStmt.all() as unknown[]).map((r) => toRow(r)!);
  }

  /** From the manifest: a parcel on its way here. Re-applying the same entry changes nothing. */
  upsertExpected(p: ExpectedParcelInput, now: number): 'inserted' | 'updated' | 'ignored' {
    const existing = this.get(p.id);
    if (existing) {
      if (existing.status !== 'expected') return 'ignored';
      this.db
        .prepare(
          `UPDATE parcels SET barcode = ?, size = ?, code_digest = ?, qr_digest = ?, check_digest = ?, accessible = ?, pickup_window_days = ?, server_seq = ?,
             group_key = ?, updated_at = ? WHERE id = ?`,
        )
        .run(p.barcode, p.size, p.codeDigest, p.qrDigest ?? null, p.checkDigest ?? null, p.accessible ? 1 : 0, p.pickupWindowDays, p.serverSeq ?? 0, p.groupKey ?? null, now, p.id);
      return 'updated';
    }
    this.db
      .prepare(
        `INSERT INTO parcels (id, barcode, size, accessible, status, code_digest, qr_digest, check_digest, pickup_window_days, created_at, updated_at, server_seq, group_key)
         VALUES (?, ?, ?, ?, 'expected', ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(p.id, p.barcode, p.size, p.accessible ? 1 : 0, p.codeDigest, p.qrDigest ?? null, p.checkDigest ?? null, p.pickupWindowDays, now, now, p.serverSeq ?? 0, p.groupKey ?? null);
    return 'inserted';
  }

  /**
   * From the manifest: a drop-off a sender will bring (ADR drop-offs), expected until its `deadline` (kept in
   * expires_at while expected). Re-applying the same entry changes nothing; a parcel already past `expected` is kept.
   */
  upsertDropoff(p: { id: string; barcode: string; size: Size; codeDigest: string; qrDigest: string; checkDigest: string; deadline: number; serverSeq: number }, now: number): 'inserted' | 'updated' | 'ignored' {
    const existing = this.get(p.id);
    if (existing) {
      if (existing.status !== 'expected' || existing.direction !== 'out') return 'ignored';
      this.db
        .prepare('UPDATE parcels SET barcode = ?, size = ?, code_digest = ?, qr_digest = ?, check_digest = ?, expires_at = ?, server_seq = ?, updated_at = ? WHERE id = ?')
        .run(p.barcode, p.size, p.codeDigest, p.qrDigest, p.checkDigest, p.deadline, p.serverSeq, now, p.id);
      return 'updated';
    }
    this.db
      .prepare(
        `INSERT INTO parcels (id, barcode, size, accessible, status, code_digest, qr_digest, check_digest, expires_at, created_at, updated_at, server_seq, direction)
         VALUES (?, ?, ?, 0, 'expected', ?, ?, ?, ?, ?, ?, ?, 'out')`,
      )
      .run(p.id, p.barcode, p.size, p.codeDigest, p.qrDigest, p.checkDigest, p.deadline, now, now, p.serverSeq);
    return 'inserted';
  }

  /** Drop-offs in the locker waiting for a driver (ADR drop-offs), oldest first: the collection list's second part. */
  outgoing(): ParcelRow[] {
    return (this.db.prepare(`SELECT ${COLS} FROM parcels WHERE direction = 'out' AND status = 'deposited' ORDER BY deposited_at`).all() as unknown[]).map((r) => toRow(r)!);
  }

  /** The server cancelled a parcel not yet delivered. A parcel already deposited stays: the physical fact wins. */
  cancel(id: string, now: number): boolean {
    const p = this.get(id);
    if (!p || p.status !== 'expected' || p.compartmentId !== null) return false;
    this.transition(id, 'cancelled', { cancelled_at: now, code_digest: null }, now);
    return true;
  }

  /** Ids of the parcels in a compartment now (deposited or expired): their deposit stamps came from an earlier clock. */
  inCompartmentIds(): string[] {
    return (this.db.prepare("SELECT id FROM parcels WHERE status IN ('deposited', 'expired')").all() as Array<{ id: string }>).map((r) => r.id);
  }

  /**
   * A wall-clock jump of `deltaMs` seen by ClockWatch: deposited parcels not in `keep` (deposited by this process,
   * on the clock just corrected) move their deposit stamp and expiry with it. Returns the moved rows as they now are.
   */
  shiftDeposits(deltaMs: number, keep: ReadonlySet<string>, now: number): ParcelRow[] {
    const rows = (this.db.prepare(`SELECT ${COLS} FROM parcels WHERE status = 'deposited' AND expires_at IS NOT NULL`).all() as unknown[]).map((r) => toRow(r)!);
    const move = this.db.prepare('UPDATE parcels SET deposited_at = deposited_at + ?, expires_at = expires_at + ?, updated_at = ? WHERE id = ?');
    const moved = rows.filter((p) => !keep.has(p.id));
    for (const p of moved) move.run(deltaMs, deltaMs, now, p.id);
    return moved.map((p) => this.get(p.id)!);
  }

  /**
   * After the clock went back: parcels expired at a wall time that has not come yet (a bogus forward jump expired
   * them) whose expiry is also still ahead, still in their compartment, become deposited again. Returns them.
   */
  unexpireFuture(now: number): ParcelRow[] {
    const rows = (
      this.db
        .prepare(`SELECT ${COLS} FROM parcels WHERE status = 'expired' AND compartment_id IS NOT NULL AND expired_at > ? AND expires_at > ?
                  AND return_requested_at IS NULL`)
        .all(now, now) as unknown[]
    ).map((r) => toRow(r)!);
    for (const p of rows) this.transition(p.id, 'deposited', {}, now); // expired_at kept, as a server extension keeps it
    return rows.map((p) => this.get(p.id)!);
  }

  /** A new expiry from the server; an expired parcel still in its compartment becomes collectable by code again. */
  extend(id: string, pickupWindowDays: number, expiresAt: number | null, now: number): boolean {
    const p = this.get(id);
    if (!p) return false;
    if (p.status === 'expected') {
      this.db.prepare('UPDATE parcels SET pickup_window_days = ?, updated_at = ? WHERE id = ?').run(pickupWindowDays, now, id);
      return true;
    }
    const until = expiresAt ?? (p.depositedAt ?? now) + pickupWindowDays * 86_400_000;
    if (p.status === 'deposited') {
      this.db.prepare('UPDATE parcels SET pickup_window_days = ?, expires_at = ?, updated_at = ? WHERE id = ?').run(pickupWindowDays, until, now, id);
      return true;
    }
    // A parcel marked for return to sender (ADR return-reenroll) stays expired: it waits for the driver, not the recipient.
    if (p.status === 'expired' && until > now && !this.db.prepare('SELECT 1 FROM parcels WHERE id = ? AND return_requested_at IS NOT NULL').get(id)) {
      this.transition(id, 'deposited', { expires_at: until }, now);
      return true;
    }
    return false;
  }

  /**
   * The server re-issued this parcel's pickup secrets (ADR code-reissue): the code, QR and check digests are REPLACED,
   * so the old code no longer matches. Only while the parcel can still be picked up (expected, deposited, expired);
   * returns whether it applied.
   */
  reissue(id: string, d: { codeDigest: string; qrDigest: string; checkDigest: string }, now: number): boolean {
    const r = this.db
      .prepare(
        `UPDATE parcels SET code_digest = ?, qr_digest = ?, check_digest = ?, updated_at = ?
           WHERE id = ? AND status IN ('expected', 'deposited', 'expired') AND return_requested_at IS NULL`,
      )
      .run(d.codeDigest, d.qrDigest, d.checkDigest, now, id);
    return r.changes > 0;
  }

  /**
   * The recipient asked for a compartment within reach before delivery (ADR customer-self-service): only while the
   * parcel is expected and no compartment is reserved for it (a drop-off under way keeps the one it has). True if set.
   */
  setAccessible(id: string, accessible: boolean, now: number): boolean {
    const r = this.db
      .prepare(`UPDATE parcels SET accessible = ?, updated_at = ? WHERE id = ? AND status = 'expected' AND compartment_id IS NULL`)
      .run(accessible ? 1 : 0, now, id);
    return r.changes > 0;
  }

  /**
   * The one way a status changes: checks the lifecycle, then writes status + patch. A parcel collected or cancelled
   * drops its group key at once; a picked-up one keeps it for the next door of the same visit, and the expiry sweep
   * drops it minutes later (ADR customer-self-service: kept no longer than the visit that needs it).
   */
  transition(id: string, to: ParcelStatus, patch: Patch, now: number): ParcelRow {
    const p = this.get(id);
    if (!p) throw new Error(`no parcel ${id}`);
    assertTransition(p.status, to);
    const leaves = to === 'collected' || to === 'cancelled';
    this.update(id, leaves ? { ...patch, group_key: null } : { ...patch }, now, to);
    return this.get(id)!;
  }

  /** A change that keeps the status (reservation, flag, size correction). */
  patch(id: string, patch: Patch, now: number): void {
    this.update(id, patch, now, null);
  }

  private update(id: string, patch: Patch, now: number, status: ParcelStatus | null): void {
    const keys = Object.keys(patch) as Array<keyof Patch>;
    const sets = keys.map((k) => `${k} = @${k}`);
    if (status) sets.push('status = @status');
    sets.push('updated_at = @updated_at');
    this.db.prepare(`UPDATE parcels SET ${sets.join(', ')} WHERE id = @id`).run({ ...patch, status, updated_at: now, id });
  }
}

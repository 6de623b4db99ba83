import { randomInt } from 'node:crypto';
import type { z } from 'zod';
import type { Size } from '../../src-shared/api/common';
import type { ParcelView, ShipmentRequest, SizeCounts } from '../../src-shared/sync-protocol';
import { checkDigest, codeDigest, newCheckCode, newQrToken, qrDigest } from '../../src-common/code-digest';
import { DAY_MS, iso, isoOrNull, type ServerContext } from '../context';
import { HttpError } from '../http/errors';
import { sealablePickupSecrets } from '../notify/messages';
import { dropPendingNotifications } from '../notify/outbox';
import { randomId } from '../ids';
import { fits, zeroCounts } from './capacity';
import { appendChange } from './manifest-log';

type ParsedShipment = z.output<typeof import('../../src-shared/sync-protocol').ShipmentRequest>;

export interface ParcelRow {
  id: string;
  barcode: string;
  kiosk_id: string;
  size: Size;
  accessible: number;
  recipient_name: string | null;
  recipient_email: string | null;
  recipient_phone: string | null;
  status: ParcelView['status'];
  code_digest: string;
  code_sealed: string | null;
  pickup_window_days: number;
  compartment_id: string | null;
  created_at: number;
  deposited_at: number | null;
  expires_at: number | null;
  picked_up_at: number | null;
  cancelled_at: number | null;
  conflict: string | null;
  reminder_queued_at: number | null;
}

export const ACTIVE = `('expected','deposited','expired')`;
export const codeContext = (parcelId: string) => `pickup-code:${parcelId}`;

/**
 * What the kiosk can still take, conservatively: its free compartments per its last heartbeat, minus parcels
 * the server knows were deposited after that heartbeat and are still inside (kiosk clock on both sides); without
 * a heartbeat, the enrolled capacity minus every parcel inside. Pickups since the heartbeat are not added back.
 */
export function kioskSupply(ctx: ServerContext, kioskId: string): SizeCounts {
  const k = ctx.db.prepare('SELECT capacity_json, heartbeat_json, heartbeat_kiosk_time FROM kiosks WHERE id = ?').get(kioskId) as
    | { capacity_json: string; heartbeat_json: string | null; heartbeat_kiosk_time: number | null }
    | undefined;
  if (!k) throw new HttpError('NOT_FOUND', `unknown kiosk ${kioskId}`);
  const supply: SizeCounts = k.heartbeat_json ? { ...JSON.parse(k.heartbeat_json).freeBySize } : JSON.parse(k.capacity_json);
  const inside = ctx.db
    .prepare(`SELECT size, COUNT(*) AS n FROM parcels WHERE kiosk_id = ? AND status IN ('deposited','expired') AND deposited_at > ? GROUP BY size`)
    .all(kioskId, k.heartbeat_kiosk_time ?? -1) as { size: Size; n: number }[];
  for (const r of inside) supply[r.size] = Math.max(0, supply[r.size] - r.n);
  return supply;
}

function expectedDemand(ctx: ServerContext, kioskId: string): SizeCounts {
  const demand = zeroCounts();
  const rows = ctx.db.prepare(`SELECT size, COUNT(*) AS n FROM parcels WHERE kiosk_id = ? AND status = 'expected' GROUP BY size`).all(kioskId) as {
    size: Size;
    n: number;
  }[];
  for (const r of rows) demand[r.size] += r.n;
  return demand;
}

export interface CreatedShipment {
  parcelId: string;
  barcode: string;
  kioskId: string;
  status: 'expected';
  /** Plaintext, for in-process callers only (the embedded demo). Never sent over HTTP, never logged. */
  code: string;
  /** The message's QR token and check code (ADR 0008 (code lockout)): plaintext for in-process callers only, like `code`. */
  qrToken: string;
  checkCode: string;
}

export function createShipment(ctx: ServerContext, req: ParsedShipment): CreatedShipment {
  const secret = ctx.kioskSecret(req.kioskId);
  if (!secret) throw new HttpError('NOT_FOUND', `unknown kiosk ${req.kioskId}`);
  const now = ctx.now();
  const parcelId = randomId('p_', 16);
  const windowDays = req.pickupWindowDays ?? ctx.pickupWindowDays;
  let code = '';
  // ADR 0008 (code lockout): a high-entropy QR token (never subject to the keypad's budget) and a 4-digit check code (the keypad's
  // second factor when it is hardened). Only their keyed digests are kept; the plaintext travels sealed with the code.
  const qrToken = newQrToken();
  const checkCode = newCheckCode();
  const run = ctx.db.transaction(() => {
    const dup = ctx.db.prepare(`SELECT kiosk_id FROM parcels WHERE barcode = ? AND status IN ${ACTIVE} LIMIT 1`).get(req.barcode);
    if (dup) throw new HttpError('DUPLICATE', `an active parcel with barcode ${req.barcode} exists`);
    const demand = expectedDemand(ctx, req.kioskId);
    demand[req.size] += 1;
    if (!fits(kioskSupply(ctx, req.kioskId), demand)) {
      throw new HttpError('NO_CAPACITY', `kiosk ${req.kioskId} has no free ${req.size} (or larger) compartment left for this parcel`);
    }
    const taken = ctx.db.prepare(`SELECT 1 FROM parcels WHERE kiosk_id = ? AND code_digest = ? AND status NOT IN ('picked_up','collected')`);
    let digest: string;
    for (let attempt = 0; ; attempt++) {
      code = String(randomInt(0, 1_000_000)).padStart(6, '0');
      digest = codeDigest(secret, code);
      if (!taken.get(req.kioskId, digest)) break;
      if (attempt > 50) throw new HttpError('NO_CAPACITY', 'could not find a free pickup code for this kiosk');
    }
    ctx.db
      .prepare(
        `INSERT INTO parcels (id, barcode, kiosk_id, size, accessible, recipient_name, recipient_email, recipient_phone, status,
           code_digest, code_sealed, pickup_window_days, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'expected', ?, ?, ?, ?, ?)`,
      )
      .run(
        parcelId,
        req.barcode,
        req.kioskId,
        req.size,
        req.accessible ? 1 : 0,
        req.recipient.name ?? null,
        req.recipient.email ?? null,
        req.recipient.phone ?? null,
        digest,
        ctx.keys.vault.seal(sealablePickupSecrets({ code, qrToken, checkCode }), codeContext(parcelId)),
        windowDays,
        now,
        now,
      );
    appendChange(ctx, req.kioskId, 'expected', {
      parcelId,
      barcode: req.barcode,
      size: req.size,
      codeDigest: digest,
      qrDigest: qrDigest(secret, qrToken),
      checkDigest: checkDigest(secret, code, checkCode),
      pickupWindowDays: windowDays,
      accessible: req.accessible,
    });
  });
  run();
  ctx.log.info('shipment accepted', { parcelId, kioskId: req.kioskId, size: req.size });
  return { parcelId, barcode: req.barcode, kioskId: req.kioskId, status: 'expected', code, qrToken, checkCode };
}

/** The most recent parcel with this barcode, preferring one still active. */
export function findParcelByBarcode(ctx: ServerContext, barcode: string): ParcelRow | undefined {
  return ctx.db
    .prepare(`SELECT * FROM parcels WHERE barcode = ? ORDER BY (status IN ${ACTIVE}) DESC, created_at DESC LIMIT 1`)
    .get(barcode) as ParcelRow | undefined;
}

export function cancelShipment(ctx: ServerContext, barcode: string): ParcelView {
  const run = ctx.db.transaction(() => {
    const p = findParcelByBarcode(ctx, barcode);
    if (!p) throw new HttpError('NOT_FOUND', `no parcel with barcode ${barcode}`);
    if (p.status !== 'expected') {
      throw new HttpError('INVALID_STATE', `parcel ${barcode} is ${p.status}; only an expected parcel can be cancelled`);
    }
    const now = ctx.now();
    ctx.db.prepare(`UPDATE parcels SET status = 'cancelled', cancelled_at = ?, updated_at = ? WHERE id = ?`).run(now, now, p.id);
    appendChange(ctx, p.kiosk_id, 'cancelled', { parcelId: p.id, barcode: p.barcode, cancelledAt: iso(now) });
    return p.id;
  });
  run();
  return parcelView(ctx, barcode)!;
}

const MAX_WINDOW_DAYS = 60;

export function extendShipment(ctx: ServerContext, barcode: string, days: number): ParcelView {
  const run = ctx.db.transaction(() => {
    const p = findParcelByBarcode(ctx, barcode);
    if (!p) throw new HttpError('NOT_FOUND', `no parcel with barcode ${barcode}`);
    if (p.status !== 'expected' && p.status !== 'deposited') {
      throw new HttpError('INVALID_STATE', `parcel ${barcode} is ${p.status}; only an expected or deposited parcel can be extended`);
    }
    const windowDays = p.pickup_window_days + days;
    if (windowDays > MAX_WINDOW_DAYS) throw new HttpError('INVALID_STATE', `a parcel may wait at most ${MAX_WINDOW_DAYS} days`);
    const expiresAt = p.status === 'deposited' && p.expires_at !== null ? p.expires_at + days * DAY_MS : null;
    const now = ctx.now();
    ctx.db
      .prepare('UPDATE parcels SET pickup_window_days = ?, expires_at = COALESCE(?, expires_at), reminder_queued_at = NULL, updated_at = ? WHERE id = ?')
      .run(windowDays, expiresAt, now, p.id);
    // A reminder not yet delivered would announce the old date; the sweep queues one for the new date when it is due.
    if (expiresAt !== null) dropPendingNotifications(ctx, p.id, ['reminder'], 'expiry extended');
    appendChange(ctx, p.kiosk_id, 'extended', { parcelId: p.id, barcode: p.barcode, pickupWindowDays: windowDays, expiresAt: isoOrNull(expiresAt) });
  });
  run();
  return parcelView(ctx, barcode)!;
}

export function parcelView(ctx: ServerContext, barcode: string): ParcelView | undefined {
  const p = findParcelByBarcode(ctx, barcode);
  if (!p) return undefined;
  const notifications = ctx.db
    .prepare('SELECT kind, channel, status, attempts FROM notifications WHERE parcel_id = ? ORDER BY id')
    .all(p.id) as ParcelView['notifications'];
  return {
    parcelId: p.id,
    barcode: p.barcode,
    kioskId: p.kiosk_id,
    size: p.size,
    status: p.status,
    accessible: p.accessible === 1,
    compartmentId: p.compartment_id,
    pickupWindowDays: p.pickup_window_days,
    createdAt: iso(p.created_at),
    depositedAt: isoOrNull(p.deposited_at),
    expiresAt: isoOrNull(p.expires_at),
    pickedUpAt: isoOrNull(p.picked_up_at),
    cancelledAt: isoOrNull(p.cancelled_at),
    conflict: p.conflict,
    notifications,
  };
}

export type { ShipmentRequest };

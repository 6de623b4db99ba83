import type { z } from 'zod';
import type { DropoffRequest, DropoffResponse, SyncEventOf } from '../../src-shared/sync-protocol';
import { checkDigest, newCheckCode, newQrToken, qrDigest } from '../../src-common/code-digest';
import { DAY_MS, iso, type ServerContext } from '../context';
import { HttpError } from '../http/errors';
import { randomId } from '../ids';
import { sealablePickupSecrets } from '../notify/messages';
import { enqueueNotification } from '../notify/outbox';
import { isUniqueViolation, lockRows } from '../store/dialect';
import type { Q } from '../store/db';
import { fits } from './capacity';
import { appendChange } from './manifest-log';
import { ACTIVE, expectedDemand, freePickupCode, kioskSupply, type ParcelRow } from './shipments';
import { queueWebhook } from './webhooks';

type ParsedDropoff = z.output<typeof DropoffRequest>;

/** How long a sender has to bring the parcel when the booking does not say (days). */
export const DEFAULT_DROPOFF_DAYS = 7;
/** Drop-offs expired per sweep at most: a backlog drains over a few sweeps in short transactions. */
export const EXPIRE_BATCH = 500;

export interface CreatedDropoff extends DropoffResponse {
  /** Plaintext for in-process callers only (tests, the embedded demo), like CreatedShipment's. Never sent over HTTP. */
  code: string;
  qrToken: string;
  checkCode: string;
}

const duplicate = (barcode: string) => new HttpError('DUPLICATE', `an active parcel with barcode ${barcode} exists`);

/**
 * Books a drop-off (ADR 0019): a parcel row with `direction = 'out'` and status `expected`, so it holds capacity exactly
 * as a shipment does (intake counts expected parcels: services/shipments.ts) and its code lives in the kiosk's one code
 * space (`freePickupCode`, the unique index `parcels_kiosk_code`). Same multi-instance rules as createShipment: the kiosk
 * row is locked first, one active parcel per barcode. The sender's code, QR token and check code go out at once in the
 * `code` message (sealed per message by the notification outbox, wiped once sent); the row keeps only the code digest.
 * The manifest entry is an `expected` row whose body says `direction: 'out'`: readManifest hands it to kiosks in their
 * own `dropoffs` list. Errors: NOT_FOUND (kiosk), DUPLICATE (barcode), NO_CAPACITY (no compartment of the size or larger).
 */
export async function createDropoff(ctx: ServerContext, req: ParsedDropoff, carrier: string | null = null): Promise<CreatedDropoff> {
  const secret = await ctx.kioskSecret(req.kioskId);
  if (!secret) throw new HttpError('NOT_FOUND', `unknown kiosk ${req.kioskId}`);
  const now = ctx.now();
  const parcelId = randomId('p_', 16);
  const deadline = now + (req.validDays ?? DEFAULT_DROPOFF_DAYS) * DAY_MS;
  const qrToken = newQrToken();
  const checkCode = newCheckCode();
  let code = '';
  let queued = 0;
  try {
    await ctx.store.tx(async (q) => {
      const k = await lockRows(
        ctx.store.dialect,
        q.selectFrom('kiosks').select(['capacity_json', 'heartbeat_json', 'heartbeat_kiosk_time']).where('id', '=', req.kioskId),
      ).executeTakeFirst();
      if (!k) throw new HttpError('NOT_FOUND', `unknown kiosk ${req.kioskId}`);
      const dup = await q.selectFrom('parcels').select('id').where('barcode', '=', req.barcode).where('status', 'in', ACTIVE).limit(1).executeTakeFirst();
      if (dup) throw duplicate(req.barcode);
      const demand = await expectedDemand(q, req.kioskId);
      demand[req.size] += 1;
      if (!fits(await kioskSupply(q, req.kioskId, k), demand)) {
        throw new HttpError('NO_CAPACITY', `kiosk ${req.kioskId} has no free ${req.size} (or larger) compartment left for this drop-off`);
      }
      const picked = await freePickupCode(q, secret, req.kioskId);
      code = picked.code;
      const row = {
        id: parcelId,
        barcode: req.barcode,
        kiosk_id: req.kioskId,
        size: req.size,
        accessible: 0,
        recipient_name: req.sender.name ?? null,
        recipient_email: req.sender.email ?? null,
        recipient_phone: req.sender.phone ?? null,
        status: 'expected' as const,
        code_digest: picked.digest,
        code_sealed: null,
        pickup_window_days: ctx.pickupWindowDays,
        created_at: now,
        updated_at: now,
        carrier,
        direction: 'out' as const,
        destination_ref: req.destination.reference,
        receipt: null,
        dropoff_deadline: deadline,
        locale: req.locale ?? 'en',
      };
      await q.insertInto('parcels').values(row).execute();
      await appendChange(ctx, q, req.kioskId, 'expected', {
        direction: 'out',
        parcelId,
        barcode: req.barcode,
        size: req.size,
        codeDigest: picked.digest,
        qrDigest: qrDigest(secret, qrToken),
        checkDigest: checkDigest(secret, code, checkCode),
        deadline: iso(deadline),
      });
      const stored = await q.selectFrom('parcels').selectAll().where('id', '=', parcelId).executeTakeFirstOrThrow();
      queued = await enqueueNotification(ctx, q, stored, 'code', sealablePickupSecrets({ code, qrToken, checkCode }));
    });
  } catch (err) {
    if (isUniqueViolation(err, 'parcels_active_barcode')) throw duplicate(req.barcode);
    throw err;
  }
  if (queued > 0) ctx.notificationsQueued();
  ctx.log.info('drop-off booked', { parcelId, kioskId: req.kioskId, size: req.size });
  return { parcelId, barcode: req.barcode, kioskId: req.kioskId, status: 'expected', direction: 'out', deadline: iso(deadline), code, qrToken, checkCode };
}

/**
 * Frees the reservations of drop-offs whose sender never came (ADR 0019): an expected `out` parcel past its deadline
 * becomes `cancelled` with `cancel_reason = 'dropoff_expired'` (capacity and barcode freed), the kiosk is told by a
 * manifest cancellation (its code stops opening) and the carrier by a `cancelled` webhook. Conditional update per row
 * (`… WHERE status = 'expected'`): a deposit applied on another instance at the same moment wins; a deposit arriving
 * later re-activates it (the physical fact wins, applyDropoffDeposited). Runs inside the sweep's transaction, under its
 * advisory lock. Returns how many expired.
 */
export async function expireDropoffs(ctx: ServerContext, q: Q, now: number): Promise<number> {
  const due = await q
    .selectFrom('parcels')
    .select(['id', 'kiosk_id', 'barcode'])
    .where('status', '=', 'expected')
    .where('direction', '=', 'out')
    .where('dropoff_deadline', '<=', now)
    .orderBy('dropoff_deadline')
    .limit(EXPIRE_BATCH)
    .execute();
  let expired = 0;
  for (const d of due) {
    const won = await q
      .updateTable('parcels')
      .set({ status: 'cancelled', cancel_reason: 'dropoff_expired', cancelled_at: now, updated_at: now })
      .where('id', '=', d.id)
      .where('status', '=', 'expected')
      .returning('id')
      .executeTakeFirst();
    if (!won) continue;
    await appendChange(ctx, q, d.kiosk_id, 'cancelled', { parcelId: d.id, barcode: d.barcode, cancelledAt: iso(now), reason: 'dropoff_expired' });
    await queueWebhook(ctx, q, d.id, 'cancelled');
    expired++;
  }
  if (expired > 0) ctx.log.info('unused drop-offs expired', { count: expired });
  return expired;
}

type DropoffDeposited = SyncEventOf<'dropoff.deposited'>;

/**
 * A sender's parcel is in the kiosk (event `dropoff.deposited`): the parcel becomes `deposited` in the compartment the
 * kiosk names (size as used: "doesn't fit" may have moved it up), the sender gets the receipt message, and the carrier a
 * `dropped_off` webhook. It then waits for a driver's collection (`parcel.collected`, handled with every parcel's).
 * A drop-off the server had expired or cancelled meanwhile (the kiosk was offline) is re-activated: the parcel is
 * physically there and must be collected. Returns the outcome for the event's ack and how many messages were queued.
 */
export async function applyDropoffDeposited(
  ctx: ServerContext,
  q: Q,
  p: ParcelRow,
  e: DropoffDeposited,
): Promise<{ outcome: 'applied' | 'recorded' | 'conflict'; note?: string; queued: number }> {
  if (p.direction !== 'out') return { outcome: 'recorded', note: 'not a drop-off', queued: 0 };
  if (p.status !== 'expected' && p.status !== 'cancelled') return { outcome: 'recorded', note: `already ${p.status}`, queued: 0 };
  const at = Date.parse(e.occurredAt);
  const set = { status: 'deposited' as const, deposited_at: at, compartment_id: e.payload.compartmentId, size: e.payload.size, receipt: e.payload.receipt, expires_at: null, updated_at: ctx.now() };
  if (p.status === 'cancelled') {
    const active = await q.selectFrom('parcels').select('id').where('barcode', '=', p.barcode).where('status', 'in', ACTIVE).where('id', '!=', p.id).executeTakeFirst();
    if (active) {
      const note = `drop-off deposited in ${e.payload.compartmentId} (receipt ${e.payload.receipt}) after it was ${p.cancel_reason ?? 'cancelled'}, while barcode ${p.barcode} is active again as ${active.id}: an operator must resolve`;
      await q.updateTable('parcels').set({ conflict: note, deposited_at: at, compartment_id: e.payload.compartmentId, receipt: e.payload.receipt, updated_at: ctx.now() }).where('id', '=', p.id).execute();
      return { outcome: 'conflict', note, queued: 0 };
    }
    await q
      .updateTable('parcels')
      .set({ ...set, conflict: `deposited after the server ${p.cancel_reason === 'dropoff_expired' ? 'expired' : 'cancelled'} it; the deposit stands` })
      .where('id', '=', p.id)
      .execute();
  } else {
    await q.updateTable('parcels').set(set).where('id', '=', p.id).execute();
  }
  const after = { ...p, ...set };
  const queued = await enqueueNotification(ctx, q, after, 'receipt');
  await queueWebhook(ctx, q, p.id, 'dropped_off');
  return p.status === 'cancelled' ? { outcome: 'conflict', note: `drop-off was ${p.cancel_reason ?? 'cancelled'}; deposit recorded`, queued } : { outcome: 'applied', queued };
}

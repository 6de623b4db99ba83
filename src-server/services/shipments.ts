import { randomInt } from 'node:crypto';
import type { z } from 'zod';
import type { ShipmentRequest, SizeCounts } from '../../src-shared/sync-protocol';
import { checkDigest, codeDigest, newCheckCode, newQrToken, qrDigest } from '../../src-common/code-digest';
import { type ServerContext } from '../context';
import { HttpError } from '../http/errors';
import { sealablePickupSecrets } from '../notify/messages';
import { enqueueNotification } from '../notify/outbox';
import { randomId } from '../ids';
import { isUniqueViolation, lockRows } from '../store/dialect';
import type { Q } from '../store/db';
import type { ParcelsTable } from '../store/schema';
import { fits, zeroCounts } from './capacity';
import { appendChange } from './manifest-log';
import { optionalGroupKey, recipientLink } from './recipient-link';
import { currentKioskSecret } from './reenroll';

type ParsedShipment = z.output<typeof import('../../src-shared/sync-protocol').ShipmentRequest>;

/** A parcels row as stored (store/schema.ts). */
export type ParcelRow = ParcelsTable;

/** A parcel still in play: it holds capacity or a compartment, and its barcode (parcels_active_barcode). */
export const ACTIVE = ['expected', 'deposited', 'expired'] as const;
export const codeContext = (parcelId: string) => `pickup-code:${parcelId}`;

/**
 * A random 6-digit pickup code whose keyed digest no live parcel of this kiosk holds (picked-up and collected parcels
 * free theirs), and that digest. NO_CAPACITY after 50 tries. Run inside the caller's transaction.
 */
export async function freePickupCode(q: Q, secret: Buffer, kioskId: string): Promise<{ code: string; digest: string }> {
  for (let attempt = 0; ; attempt++) {
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    const digest = codeDigest(secret, code);
    const taken = await q
      .selectFrom('parcels')
      .select('id')
      .where('kiosk_id', '=', kioskId)
      .where('code_digest', '=', digest)
      .where('status', 'not in', ['picked_up', 'collected'])
      .executeTakeFirst();
    if (!taken) return { code, digest };
    if (attempt > 50) throw new HttpError('NO_CAPACITY', 'could not find a free pickup code for this kiosk');
  }
}

/**
 * What the kiosk can still take, conservatively: its free compartments per its last heartbeat, minus parcels
 * the server knows were deposited after that heartbeat and are still inside (kiosk clock on both sides); without
 * a heartbeat, the enrolled capacity minus every parcel inside. Pickups since the heartbeat are not added back.
 * `k` is the kiosk row the caller read (and locked).
 */
export async function kioskSupply(q: Q, kioskId: string, k: { capacity_json: string; heartbeat_json: string | null; heartbeat_kiosk_time: number | null }): Promise<SizeCounts> {
  const supply: SizeCounts = k.heartbeat_json ? { ...JSON.parse(k.heartbeat_json).freeBySize } : JSON.parse(k.capacity_json);
  const inside = await q
    .selectFrom('parcels')
    .select(['size', (eb) => eb.fn.countAll<number>().as('n')])
    .where('kiosk_id', '=', kioskId)
    .where('status', 'in', ['deposited', 'expired'])
    .where('deposited_at', '>', k.heartbeat_kiosk_time ?? -1)
    .groupBy('size')
    .execute();
  for (const r of inside) supply[r.size] = Math.max(0, supply[r.size] - Number(r.n));
  return supply;
}

/** Expected (announced, not yet deposited) parcels at a kiosk, per size. */
export async function expectedDemand(q: Q, kioskId: string): Promise<SizeCounts> {
  const demand = zeroCounts();
  const rows = await q
    .selectFrom('parcels')
    .select(['size', (eb) => eb.fn.countAll<number>().as('n')])
    .where('kiosk_id', '=', kioskId)
    .where('status', '=', 'expected')
    .groupBy('size')
    .execute();
  for (const r of rows) demand[r.size] += Number(r.n);
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

const duplicate = (barcode: string) => new HttpError('DUPLICATE', `an active parcel with barcode ${barcode} exists`);

/**
 * Carrier intake. Multi-instance safe (issue 11): the kiosk row is locked FIRST (`SELECT … FOR UPDATE`), so two intakes
 * for one kiosk, on any instances, run the capacity check one after the other and never overbook; the unique partial
 * index `parcels_active_barcode` holds one active parcel per barcode, so one barcode sent to two kiosks at once is
 * accepted once (the loser gets DUPLICATE, whether it lost the read or the insert).
 */
/** `carrier`: the carrier whose API key asked (its key sees only its own parcels; issue 12), null for the admin key. */
export async function createShipment(ctx: ServerContext, req: ParsedShipment, carrier: string | null = null): Promise<CreatedShipment> {
  const cached = await ctx.kioskSecret(req.kioskId);
  if (!cached) throw new HttpError('NOT_FOUND', `unknown kiosk ${req.kioskId}`);
  let secret: Buffer = cached;
  const now = ctx.now();
  const parcelId = randomId('p_', 16);
  const windowDays = req.pickupWindowDays ?? ctx.pickupWindowDays;
  let code = '';
  let onTheWay = 0;
  // ADR 0008 (code lockout): a high-entropy QR token (never subject to the keypad's budget) and a 4-digit check code (the keypad's
  // second factor when it is hardened). Only their keyed digests are kept; the plaintext travels sealed with the code.
  const qrToken = newQrToken();
  const checkCode = newCheckCode();
  try {
    await ctx.store.tx(async (q) => {
      const k = await lockRows(
        ctx.store.dialect,
        q.selectFrom('kiosks').select(['capacity_json', 'heartbeat_json', 'heartbeat_kiosk_time']).where('id', '=', req.kioskId),
      ).executeTakeFirst();
      if (!k) throw new HttpError('NOT_FOUND', `unknown kiosk ${req.kioskId}`);
      // Under the kiosk row's lock: the secret as it is now (a re-enrollment on another instance may have replaced it).
      secret = (await currentKioskSecret(ctx, q, req.kioskId)) ?? secret;
      const dup = await q.selectFrom('parcels').select('kiosk_id').where('barcode', '=', req.barcode).where('status', 'in', ACTIVE).limit(1).executeTakeFirst();
      if (dup) throw duplicate(req.barcode);
      const demand = await expectedDemand(q, req.kioskId);
      demand[req.size] += 1;
      if (!fits(await kioskSupply(q, req.kioskId, k), demand)) {
        throw new HttpError('NO_CAPACITY', `kiosk ${req.kioskId} has no free ${req.size} (or larger) compartment left for this parcel`);
      }
      const picked = await freePickupCode(q, secret, req.kioskId);
      code = picked.code;
      const digest = picked.digest;
      await q
        .insertInto('parcels')
        .values({
          id: parcelId,
          barcode: req.barcode,
          kiosk_id: req.kioskId,
          size: req.size,
          accessible: req.accessible ? 1 : 0,
          recipient_name: req.recipient.name ?? null,
          recipient_email: req.recipient.email ?? null,
          recipient_phone: req.recipient.phone ?? null,
          locale: req.locale,
          status: 'expected',
          code_digest: digest,
          code_sealed: ctx.keys.vault.seal(sealablePickupSecrets({ code, qrToken, checkCode }), codeContext(parcelId)),
          pickup_window_days: windowDays,
          created_at: now,
          updated_at: now,
          carrier,
          direction: 'in',
        })
        .execute();
      await appendChange(ctx, q, req.kioskId, 'expected', {
        parcelId,
        barcode: req.barcode,
        size: req.size,
        codeDigest: digest,
        qrDigest: qrDigest(secret, qrToken),
        checkDigest: checkDigest(secret, code, checkCode),
        pickupWindowDays: windowDays,
        accessible: req.accessible,
        // One recipient's parcels at this kiosk share an opaque key (ADR customer-self-service): "all my parcels".
        ...optionalGroupKey(ctx, req.kioskId, req.recipient),
      });
      // "Your parcel is on its way", with the recipient's link (ADR customer-self-service), in the same transaction.
      if (recipientLink(ctx, parcelId)) {
        onTheWay = await enqueueNotification(ctx, q, await q.selectFrom('parcels').selectAll().where('id', '=', parcelId).executeTakeFirstOrThrow(), 'on_the_way');
      }
    });
  } catch (err) {
    if (isUniqueViolation(err, 'parcels_active_barcode')) throw duplicate(req.barcode);
    throw err;
  }
  if (onTheWay > 0) ctx.notificationsQueued();
  ctx.log.info('shipment accepted', { parcelId, kioskId: req.kioskId, size: req.size });
  return { parcelId, barcode: req.barcode, kioskId: req.kioskId, status: 'expected', code, qrToken, checkCode };
}

export type { ShipmentRequest };

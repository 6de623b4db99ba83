import type { ServerContext } from '../context';
import { LOST_CODE_CONFIRM_WINDOW_MS } from '../../src-shared/sync-protocol';
import { HttpError } from '../http/errors';
import { randomId } from '../ids';
import { lockRows } from '../store/dialect';
import type { Q } from '../store/db';
import { numberDigest } from './recipient-link';
import { reissueCode } from './reissue';

/**
 * "I lost my code" (issue 13), asked by a kiosk for a number a customer typed there, inside the request's transaction
 * `q`. The answer is the same whatever is found (no enumeration: the kiosk screen, and whoever stands at it, learns
 * nothing about who has parcels here). Limits (counted before anything is looked up, so they cost the same whether a
 * parcel exists or not): `lostCodePerNumber` requests per number in `lostCodeNumberWindowMs` over all kiosks, and
 * `lostCodePerKiosk` per kiosk in `lostCodeKioskWindowMs`; past either, RATE_LIMITED (429) and nothing is recorded.
 * The kiosk row is locked first, so one kiosk's requests are counted one after the other on every instance.
 *
 * Each inbound parcel DEPOSITED at this kiosk for that phone (never a drop-off: its sender is no recipient) gets a new
 * code (ADR code-reissue: new digests in the manifest, the old code stops opening) sent by SMS to that number only:
 * never to the e-mail address, never to another number.
 * Expected parcels get their code at deposit anyway; expired ones no longer open by code. The number itself is never
 * stored or logged: the request row keeps a keyed digest (recipient-link.ts#numberDigest) for the limits.
 * Returns how many messages were queued (for the caller's after-commit kick; never sent to the kiosk).
 */
export async function lostCode(ctx: ServerContext, q: Q, kioskId: string, phone: string, o: { separately?: boolean } = {}): Promise<{ queued: number; ticket?: string }> {
  const c = ctx.customer;
  const now = ctx.now();
  // The new code goes by SMS only: a fleet without an SMS channel would kill the old code and send nothing (red team,
  // issue 13). The same refusal for every number, before anything is counted or looked up: no enumeration.
  if (!ctx.channels.sms && !ctx.channels.console) throw new HttpError('INVALID_STATE', 'this fleet sends no text messages, so a lost code cannot be re-sent');
  await lockRows(ctx.store.dialect, q.selectFrom('kiosks').select('id').where('id', '=', kioskId)).executeTakeFirst();
  const digest = numberDigest(ctx, phone);
  const count = async (column: 'number_digest' | 'kiosk_id', value: string, windowMs: number) =>
    Number(
      (
        await q
          .selectFrom('lost_code_requests')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where(column, '=', value)
          .where('at', '>', now - windowMs)
          .executeTakeFirstOrThrow()
      ).n,
    );
  if ((await count('number_digest', digest, c.lostCodeNumberWindowMs)) >= c.lostCodePerNumber) {
    throw new HttpError('RATE_LIMITED', `at most ${c.lostCodePerNumber} code requests per number in ${Math.round(c.lostCodeNumberWindowMs / 3600_000)} h`);
  }
  if ((await count('kiosk_id', kioskId, c.lostCodeKioskWindowMs)) >= c.lostCodePerKiosk) {
    throw new HttpError('RATE_LIMITED', `at most ${c.lostCodePerKiosk} code requests per kiosk in ${Math.round(c.lostCodeKioskWindowMs / 60_000)} min`);
  }
  const waiting = await q
    .selectFrom('parcels')
    .select('id')
    .where('kiosk_id', '=', kioskId)
    .where('recipient_phone', '=', phone)
    // Inbound parcels only: a drop-off keeps its SENDER's phone in recipient_phone, and a new code for a deposited
    // drop-off would let the sender take it back out after the receipt (red team, issue 13).
    .where('direction', '=', 'in')
    .where('status', '=', 'deposited')
    .orderBy('deposited_at')
    .execute();
  if (o.separately) {
    // Look and count now; re-issue only when the kiosk confirms (it got this answer in time).
    const ticket = randomId('lc_', 22);
    await q
      .insertInto('lost_code_requests')
      .values({ kiosk_id: kioskId, number_digest: digest, at: now, ticket, parcel_ids: JSON.stringify(waiting.map((p) => p.id)) })
      .execute();
    ctx.log.info('lost code request', { kioskId, found: waiting.length, confirm: 'separately' });
    return { queued: 0, ticket };
  }
  await q.insertInto('lost_code_requests').values({ kiosk_id: kioskId, number_digest: digest, at: now }).execute();
  let queued = 0;
  for (const p of waiting) queued += (await reissueCode(ctx, q, p.id, { smsOnly: true })).queued;
  // Counts only: the log must not say which number asked.
  ctx.log.info('lost code request', { kioskId, reissued: waiting.length });
  return { queued };
}

/**
 * The kiosk confirms a question asked with `confirm: 'separately'` (it read the answer in time): each parcel found then
 * that still waits deposited here gets a new code by SMS, as `lostCode` does at once for older kiosks. Inside `q`.
 * Repeat-safe (a second confirm queues nothing). Errors: NOT_FOUND (unknown ticket, or another kiosk's: the same
 * answer), INVALID_STATE past LOST_CODE_CONFIRM_WINDOW_MS (the kiosk told the person "try later" long ago).
 */
export async function confirmLostCode(ctx: ServerContext, q: Q, kioskId: string, ticket: string): Promise<{ queued: number }> {
  const row = await lockRows(
    ctx.store.dialect,
    q.selectFrom('lost_code_requests').select(['id', 'at', 'parcel_ids', 'confirmed_at', 'number_digest']).where('ticket', '=', ticket).where('kiosk_id', '=', kioskId),
  ).executeTakeFirst();
  if (!row || row.parcel_ids === null) throw new HttpError('NOT_FOUND', 'no such lost-code request at this kiosk');
  if (row.confirmed_at !== null) return { queued: 0 };
  const now = ctx.now();
  if (now - Number(row.at) > LOST_CODE_CONFIRM_WINDOW_MS) throw new HttpError('INVALID_STATE', 'this lost-code request is too old to confirm; ask again');
  await q.updateTable('lost_code_requests').set({ confirmed_at: now }).where('id', '=', row.id).execute();
  const ids = JSON.parse(row.parcel_ids) as string[];
  // Still here and still waiting: a parcel picked up (or re-issued by an operator) since keeps what it has now.
  const still = ids.length
    ? await q.selectFrom('parcels').select('id').where('id', 'in', ids).where('kiosk_id', '=', kioskId).where('direction', '=', 'in').where('status', '=', 'deposited').orderBy('deposited_at').execute()
    : [];
  let queued = 0;
  for (const p of still) queued += (await reissueCode(ctx, q, p.id, { smsOnly: true })).queued;
  ctx.log.info('lost code confirmed', { kioskId, reissued: still.length });
  return { queued };
}

/** Old request rows are only needed for the limits' windows: the sweep drops those older than both windows. */
export async function pruneLostCodeRequests(ctx: ServerContext, q: Q): Promise<void> {
  const keep = Math.max(ctx.customer.lostCodeNumberWindowMs, ctx.customer.lostCodeKioskWindowMs);
  await q.deleteFrom('lost_code_requests').where('at', '<', ctx.now() - keep).execute();
}

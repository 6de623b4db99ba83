import { createHmac } from 'node:crypto';
import { sql } from 'kysely';
import { DAY_MS, type ServerContext } from '../context';
import type { Q } from '../store/db';
import type { DialectName } from '../store/dialect';
import { normalizePhone } from './parcel-search';

/**
 * Personal data is kept only as long as needed (issue 14, ADR personal-data). What the fleet server holds about a
 * person: a parcel's recipient name, e-mail and phone (a drop-off's sender contact in the same columns), a drop-off's
 * destination reference, each message's address (and, until sent, its sealed body and delivery error), and the free
 * text a customer typed into a problem report (`events.payload.note`). The network keeps ids, barcodes, sizes, times
 * and statuses for ever; the personal part goes:
 * - for finished parcels (picked up, collected, cancelled), `personalDataDays` after their last change (the sweep);
 * - for problem reports, `personalDataDays` after the server received them (the sweep);
 * - on a recipient's request (the console, `eraseRecipient`): their finished parcels at once, their live ones at the
 *   first sweep after they finish (a live parcel still needs the address for its code, reminder and expiry messages).
 * Erased = NULL for the parcel's fields, `[erased]#<id>` for a message's address (the column is NOT NULL and part of a
 * unique key), `[erased]` for a note, and no `groupKey` in the parcel's `expected` manifest entries (an HMAC of the
 * recipient's address: kept, it would still link that person's parcels at the kiosk). Each batch is one transaction of
 * at most ERASE_BATCH parcels or reports, found through a partial index holding only what is still to do (migration 14),
 * so no batch holds a lock for long and a batch costs the same after years of history.
 */
export const ERASED = '[erased]';
/** Parcels (or problem reports) one erasing transaction touches at most. */
export const ERASE_BATCH = 200;
/** The default retention period (days after a parcel finished); `--personal-data-days`. */
export const DEFAULT_PERSONAL_DATA_DAYS = 90;

// Literal, not bound: SQLite uses a partial index only when the query's terms are the index's own (migration 14).
const FINISHED = sql<boolean>`status IN ('picked_up','collected','cancelled')`;
const NOT_ERASED = sql<boolean>`personal_erased_at IS NULL`;
const NOTES_DUE = sql<boolean>`type = 'problem.reported' AND notes_erased_at IS NULL`;

/** What one purge or erasure changed. */
export interface Erased {
  /** Parcels whose personal fields were erased. */
  parcels: number;
  /** Messages whose address was erased. */
  messages: number;
  /** Problem reports whose free-text note was erased (or marked done when they had none). */
  notes: number;
}

const none = (): Erased => ({ parcels: 0, messages: 0, notes: 0 });
const add = (a: Erased, b: Erased): Erased => ({ parcels: a.parcels + b.parcels, messages: a.messages + b.messages, notes: a.notes + b.notes });

/** The parcel id inside a manifest entry: the very expression migration 17 indexes (another one would scan the log). */
const entryParcel = (d: DialectName) => (d === 'postgres' ? sql<string>`(body::json ->> 'parcelId')` : sql<string>`json_extract(body, '$.parcelId')`);

/**
 * Strips the recipient's `groupKey` from these parcels' `expected` manifest entries, inside the caller's transaction;
 * the rest of each entry stays (a kiosk reading the log again gets the parcel, just in no group). Found through the
 * index of migration 17, so the cost does not grow with the log.
 */
async function eraseGroupKeys(d: DialectName, q: Q, ids: readonly string[]): Promise<void> {
  const rows = await q
    .selectFrom('manifest')
    .select(['kiosk_id', 'seq', 'body'])
    .where(sql<boolean>`kind = 'expected'`)
    .where(entryParcel(d), 'in', ids)
    .execute();
  for (const r of rows) {
    const body = JSON.parse(r.body) as Record<string, unknown>;
    if (!('groupKey' in body)) continue;
    delete body.groupKey;
    await q.updateTable('manifest').set({ body: JSON.stringify(body) }).where('kiosk_id', '=', r.kiosk_id).where('seq', '=', r.seq).execute();
  }
}

/**
 * Erases the personal fields of these parcels (only finished ones not yet erased), of their messages and their
 * manifest entries' group key, inside the caller's transaction. A message still pending is given up (`dead`): its
 * parcel is finished, it has nothing to say.
 */
async function eraseParcels(d: DialectName, q: Q, ids: readonly string[], now: number): Promise<Erased> {
  if (ids.length === 0) return none();
  const done = await q
    .updateTable('parcels')
    .set({ recipient_name: null, recipient_email: null, recipient_phone: null, destination_ref: null, code_sealed: null, personal_erased_at: now })
    .where('id', 'in', ids)
    .where(NOT_ERASED)
    .where(FINISHED)
    .returning('id')
    .execute();
  if (done.length === 0) return none();
  await eraseGroupKeys(d, q, done.map((r) => r.id));
  const m = await q
    .updateTable('notifications')
    .set({
      address: sql<string>`'[erased]#' || CAST(id AS TEXT)`,
      body_sealed: null,
      last_error: null,
      lease_token: null,
      status: sql<'sent' | 'dead'>`CASE WHEN status = 'pending' THEN 'dead' ELSE status END`,
    })
    .where(
      'parcel_id',
      'in',
      done.map((d) => d.id),
    )
    .where('address', 'not like', '[erased]%')
    .executeTakeFirst();
  return { parcels: done.length, messages: Number(m.numUpdatedRows), notes: 0 };
}

/** Replaces the note of these problem reports (payload JSON) and marks them done, inside the caller's transaction. */
async function eraseNotes(q: Q, rows: ReadonlyArray<{ id: string; payload: string }>, now: number): Promise<number> {
  for (const r of rows) {
    const p = JSON.parse(r.payload) as Record<string, unknown>;
    if (typeof p.note === 'string') p.note = ERASED;
    await q.updateTable('events').set({ payload: JSON.stringify(p), notes_erased_at: now }).where('id', '=', r.id).where('notes_erased_at', 'is', null).execute();
  }
  return rows.length;
}

/** Problem reports not yet erased that name one of these parcels (the partial index: about a retention period's worth). */
async function notesOf(q: Q, parcelIds: ReadonlySet<string>): Promise<Array<{ id: string; payload: string }>> {
  if (parcelIds.size === 0) return [];
  const rows = await q.selectFrom('events').select(['id', 'payload']).where(NOTES_DUE).execute();
  return rows.filter((r) => {
    const p = JSON.parse(r.payload) as { parcelId?: unknown };
    return typeof p.parcelId === 'string' && parcelIds.has(p.parcelId);
  });
}

/**
 * The sweep's purge: erases what is past `ctx.personalDataDays` (and finished parcels whose recipient asked), in
 * batches of ERASE_BATCH, each its own transaction, at most `maxBatches` per call (the rest waits for the next sweep).
 * Idempotent and safe on several instances at once (every update re-checks `… IS NULL`). `now`: wall ms.
 */
export async function purgePersonalData(ctx: ServerContext, now: number, maxBatches = 40): Promise<Erased> {
  const before = now - ctx.personalDataDays * DAY_MS;
  let total = none();
  let batches = 0;
  const steps: Array<(q: Q) => Promise<{ n: number; erased: Erased }>> = [
    // Asked for while live, now finished: at once, with their problem reports' notes.
    async (q) => {
      const ids = (
        await q.selectFrom('parcels').select('id').where(sql<boolean>`erase_requested_at IS NOT NULL`).where(NOT_ERASED).where(FINISHED).orderBy('erase_requested_at').limit(ERASE_BATCH).execute()
      ).map((r) => r.id);
      const erased = await eraseParcels(ctx.store.dialect, q, ids, now);
      erased.notes = await eraseNotes(q, await notesOf(q, new Set(ids)), now);
      return { n: ids.length, erased };
    },
    async (q) => {
      const ids = (await q.selectFrom('parcels').select('id').where(NOT_ERASED).where(FINISHED).where('updated_at', '<', before).orderBy('updated_at').limit(ERASE_BATCH).execute()).map(
        (r) => r.id,
      );
      return { n: ids.length, erased: await eraseParcels(ctx.store.dialect, q, ids, now) };
    },
    async (q) => {
      const rows = await q.selectFrom('events').select(['id', 'payload']).where(NOTES_DUE).where('received_at', '<', before).orderBy('received_at').limit(ERASE_BATCH).execute();
      return { n: rows.length, erased: { ...none(), notes: await eraseNotes(q, rows, now) } };
    },
  ];
  for (const step of steps) {
    for (;;) {
      if (batches >= maxBatches) return total;
      batches++;
      const r = await ctx.store.tx(step);
      total = add(total, r.erased);
      if (r.n < ERASE_BATCH) break;
    }
  }
  return total;
}

/** One recipient, by e-mail (case-insensitive) or phone (any spelling of an E.164 number). */
export type RecipientRef = { email: string } | { phone: string };

/** A parcel the erasure touched, as the console lists it (no personal field). */
export interface ErasedParcel {
  parcelId: string;
  barcode: string;
  status: string;
}

/** What `eraseRecipient` did: erased now, and live parcels erased when they finish. */
export interface RecipientErasure extends Erased {
  /** The keyed digest the audit entry names the recipient by (never the address). */
  digest: string;
  erasedParcels: ErasedParcel[];
  /** Live parcels (expected, deposited, expired): their contact is still needed; erased at the first sweep after they finish. */
  pending: ErasedParcel[];
}

/** The keyed digest of a recipient's normalized address: the audit names who was erased without keeping the address. */
export function recipientDigest(ctx: ServerContext, ref: RecipientRef): string {
  const key = ctx.keys.vault.derive('personal-erase-v1');
  const what = 'email' in ref ? `email:${ref.email.trim().toLowerCase()}` : `phone:${normalizePhone(ref.phone.trim())}`;
  return createHmac('sha256', key).update(what, 'utf8').digest('hex');
}

/**
 * Erasure on request (the console, admins): every parcel of this recipient that is finished loses its personal fields,
 * its messages' addresses and its problem reports' notes at once; every live one is marked (`erase_requested_at`) and
 * erased by the first sweep after it finishes. One transaction per ERASE_BATCH parcels; `record` runs inside the last
 * one with the totals (the caller's audit entry, so the erasure and its record commit together). `now`: wall ms.
 */
export async function eraseRecipient(
  ctx: ServerContext,
  ref: RecipientRef,
  now: number,
  record: (q: Q, done: RecipientErasure) => Promise<void>,
): Promise<RecipientErasure> {
  const match = (q: Q) => {
    const base = q.selectFrom('parcels').select(['id', 'barcode', 'status']);
    return 'email' in ref
      ? base.where((eb) => eb(eb.fn('lower', ['recipient_email']), '=', ref.email.trim().toLowerCase())).where('recipient_email', 'is not', null)
      : base.where('recipient_phone', '=', normalizePhone(ref.phone.trim())).where('recipient_phone', 'is not', null);
  };
  let out: RecipientErasure = { ...none(), digest: recipientDigest(ctx, ref), erasedParcels: [], pending: [] };
  for (;;) {
    const prev = out;
    // Builds a new total inside the transaction (never mutating `prev`): a retried transaction starts from the same one.
    const step = await ctx.store.tx(async (q) => {
      const rows = await match(q).where(NOT_ERASED).orderBy('id').limit(ERASE_BATCH).execute();
      const finished = rows.filter((r) => r.status === 'picked_up' || r.status === 'collected' || r.status === 'cancelled');
      const ids = finished.map((r) => r.id);
      const fresh = rows.filter((r) => !ids.includes(r.id) && !prev.pending.some((p) => p.parcelId === r.id));
      const erased = await eraseParcels(ctx.store.dialect, q, ids, now);
      erased.notes = await eraseNotes(q, await notesOf(q, new Set(ids)), now);
      if (fresh.length > 0) {
        await q
          .updateTable('parcels')
          .set({ erase_requested_at: now })
          .where(
            'id',
            'in',
            fresh.map((r) => r.id),
          )
          .where('erase_requested_at', 'is', null)
          .execute();
      }
      const view = (r: (typeof rows)[number]): ErasedParcel => ({ parcelId: r.id, barcode: r.barcode, status: r.status });
      const total: RecipientErasure = {
        ...add(prev, erased),
        digest: prev.digest,
        erasedParcels: [...prev.erasedParcels, ...finished.map(view)],
        pending: [...prev.pending, ...fresh.map(view)],
      };
      // Erased parcels leave the match; live ones stay in it, so a page of only live parcels is the last one.
      const more = finished.length > 0 && rows.length === ERASE_BATCH;
      if (!more) await record(q, total);
      return { total, more };
    });
    out = step.total;
    if (!step.more) return out;
  }
}

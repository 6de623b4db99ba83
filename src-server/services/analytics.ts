import { sql } from 'kysely';
import { z } from 'zod';
import type { Size } from '../../src-shared/api/common';
import type { SizeCounts } from '../../src-shared/sync-protocol';
import { DAY_MS, type ServerContext } from '../context';
import { jsonInt, utcDay } from '../store/dialect';
import { SIZES, zeroCounts } from './capacity';

/**
 * The console's analytics (issue 12, ADR analytics-notifications), computed in SQL on either dialect from what the
 * kiosks reported: the parcel timestamps the events set (deposited_at, picked_up_at, …, services/events.ts) and the
 * `codes.failed` events themselves. Days are UTC days; a range is whole days [fromDay, toDay].
 */
export const AnalyticsQuery = z
  .object({
    kiosk: z.string().min(1).max(64).optional(),
    /** Last day of the range, `YYYY-MM-DD` (UTC); default today. */
    to: z.iso.date().optional(),
    days: z.coerce.number().int().min(1).max(62).default(14),
  })
  .strict();
export type AnalyticsQuery = z.infer<typeof AnalyticsQuery>;

/** Dwell-time buckets, hours [lower, upper): the histogram's bars. */
export const DWELL_BUCKETS: readonly { label: string; lo: number; hi: number }[] = [
  { label: '< 4 h', lo: 0, hi: 4 },
  { label: '4–12 h', lo: 4, hi: 12 },
  { label: '12–24 h', lo: 12, hi: 24 },
  { label: '1–2 d', lo: 24, hi: 48 },
  { label: '2–3 d', lo: 48, hi: 72 },
  { label: '3–5 d', lo: 72, hi: 120 },
  { label: '≥ 5 d', lo: 120, hi: Infinity },
];

export interface Analytics {
  kioskId: string | null;
  /** The days, `YYYY-MM-DD`, oldest first; every per-day series below has one value per day. */
  days: string[];
  /** Compartments per size in the kiosks counted (their enrolled layout). */
  capacity: SizeCounts;
  /** Parcels in a compartment at the end of each day, per size, and that as a share of the size's compartments (0–1, null: none). */
  utilisation: Record<Size, { occupied: number[]; share: (number | null)[] }>;
  /** Picked-up parcels in the range by dwell time (deposit → pickup). */
  dwell: { label: string; count: number }[];
  /** Per day: parcels picked up, parcels expired (not picked up in time), expired / (both); null when neither. */
  expiry: { pickedUp: number[]; expired: number[]; rate: (number | null)[] };
  /** Per kiosk: wrong code entries (keypad + QR) reported, pickups, and failed / (failed + pickups). */
  failedCodes: { kioskId: string; failed: number; pickups: number; rate: number | null }[];
}

const dayName = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10);
const ratio = (a: number, b: number) => (b === 0 ? null : a / b);

/** Computes every figure for the range; `kiosk` narrows to one kiosk, else fleet-wide. */
export async function computeAnalytics(ctx: ServerContext, query: AnalyticsQuery): Promise<Analytics> {
  const db = ctx.store.db;
  const d = ctx.store.dialect;
  const toDay = Math.floor((query.to ? Date.parse(query.to) : ctx.now()) / DAY_MS);
  const fromDay = toDay - query.days + 1;
  const from = fromDay * DAY_MS;
  const until = (toDay + 1) * DAY_MS;
  const days = Array.from({ length: query.days }, (_, i) => fromDay + i);
  const kiosk = query.kiosk ?? null;

  const kiosks = await db
    .selectFrom('kiosks')
    .select(['id', 'capacity_json'])
    .$if(kiosk !== null, (qb) => qb.where('id', '=', kiosk!))
    .execute();
  const capacity = zeroCounts();
  for (const k of kiosks) {
    const c = JSON.parse(k.capacity_json) as Partial<SizeCounts>;
    for (const s of SIZES) capacity[s] += Number(c[s] ?? 0);
  }

  // Occupancy at each day's end: deposited by then and not yet out. One grouped query per day keeps the SQL identical
  // on both dialects (no generate_series / recursive CTE); at most 62 small indexed reads.
  const utilisation = Object.fromEntries(SIZES.map((s) => [s, { occupied: [] as number[], share: [] as (number | null)[] }])) as Analytics['utilisation'];
  for (const day of days) {
    const end = (day + 1) * DAY_MS;
    const rows = await db
      .selectFrom('parcels')
      .select((eb) => ['size', eb.fn.countAll<number>().as('n')])
      .where('deposited_at', 'is not', null)
      .where('deposited_at', '<', end)
      .where((eb) => eb(eb.fn.coalesce('picked_up_at', 'collected_at', 'kept_by_driver_at', eb.val(Number.MAX_SAFE_INTEGER)), '>=', end))
      .$if(kiosk !== null, (qb) => qb.where('kiosk_id', '=', kiosk!))
      .groupBy('size')
      .execute();
    for (const s of SIZES) {
      const n = Number(rows.find((r) => r.size === s)?.n ?? 0);
      utilisation[s].occupied.push(n);
      utilisation[s].share.push(ratio(n, capacity[s]));
    }
  }

  // One CASE over the bucket bounds, the same SQL on both dialects (integer ms arithmetic).
  const bounded = DWELL_BUCKETS.filter((b) => b.hi !== Infinity);
  const bucket = sql<number>`CASE ${sql.join(
    bounded.map((b, i) => sql`WHEN picked_up_at - deposited_at < ${sql.lit(b.hi * 3_600_000)} THEN ${sql.lit(i)}`),
    sql` `,
  )} ELSE ${sql.lit(bounded.length)} END`;
  const dwellRows = await db
    .selectFrom('parcels')
    .select((eb) => [bucket.as('bucket'), eb.fn.countAll<number>().as('n')])
    .where('picked_up_at', '>=', from)
    .where('picked_up_at', '<', until)
    .where('deposited_at', 'is not', null)
    .$if(kiosk !== null, (qb) => qb.where('kiosk_id', '=', kiosk!))
    .groupBy('bucket')
    .execute();
  const dwell = DWELL_BUCKETS.map((b, i) => ({ label: b.label, count: Number(dwellRows.find((r) => Number(r.bucket) === i)?.n ?? 0) }));

  // Outcomes by the day the kiosk reported them (events), so a late sync counts on the day it happened.
  const outcomeRows = await db
    .selectFrom('events')
    .select((eb) => ['type', utcDay(d, 'occurred_at').as('day'), eb.fn.countAll<number>().as('n')])
    .where('type', 'in', ['parcel.picked_up', 'parcel.expired'])
    .where('outcome', '=', 'applied')
    .where('occurred_at', '>=', from)
    .where('occurred_at', '<', until)
    .$if(kiosk !== null, (qb) => qb.where('kiosk_id', '=', kiosk!))
    .groupBy(['type', 'day'])
    .execute();
  const count = (type: string, day: number) => Number(outcomeRows.find((r) => r.type === type && Number(r.day) === day)?.n ?? 0);
  const pickedUp = days.map((day) => count('parcel.picked_up', day));
  const expired = days.map((day) => count('parcel.expired', day));
  const expiry = { pickedUp, expired, rate: days.map((_, i) => ratio(expired[i]!, pickedUp[i]! + expired[i]!)) };

  // A codes.failed report carries rolling-window counts (ADR 0008), so reports overlap: per kiosk and day the largest
  // reported count is taken (a lower bound of that day's wrong entries), then summed over the days.
  const perDay = db
    .selectFrom('events')
    .select((eb) => ['kiosk_id', utcDay(d, 'occurred_at').as('day'), eb.fn.max(eb(jsonInt(d, 'payload', 'keypadFailures'), '+', jsonInt(d, 'payload', 'qrFailures'))).as('worst')])
    .where('type', '=', 'codes.failed')
    .where('occurred_at', '>=', from)
    .where('occurred_at', '<', until)
    .$if(kiosk !== null, (qb) => qb.where('kiosk_id', '=', kiosk!))
    .groupBy(['kiosk_id', 'day'])
    .as('per_day');
  const failedRows = await db
    .selectFrom(perDay)
    .select((eb) => ['per_day.kiosk_id', eb.fn.sum<number>('per_day.worst').as('failed')])
    .groupBy('per_day.kiosk_id')
    .execute();
  const pickupRows = await db
    .selectFrom('events')
    .select((eb) => ['kiosk_id', eb.fn.countAll<number>().as('n')])
    .where('type', '=', 'parcel.picked_up')
    .where('outcome', '=', 'applied')
    .where('occurred_at', '>=', from)
    .where('occurred_at', '<', until)
    .$if(kiosk !== null, (qb) => qb.where('kiosk_id', '=', kiosk!))
    .groupBy('kiosk_id')
    .execute();
  const ids = new Set([...failedRows.map((r) => r.kiosk_id), ...pickupRows.map((r) => r.kiosk_id)]);
  const failedCodes = [...ids]
    .map((id) => {
      const failed = Number(failedRows.find((r) => r.kiosk_id === id)?.failed ?? 0);
      const pickups = Number(pickupRows.find((r) => r.kiosk_id === id)?.n ?? 0);
      return { kioskId: id, failed, pickups, rate: ratio(failed, failed + pickups) };
    })
    .sort((a, b) => (b.rate ?? -1) - (a.rate ?? -1) || a.kioskId.localeCompare(b.kioskId));

  return { kioskId: kiosk, days: days.map(dayName), capacity, utilisation, dwell, expiry, failedCodes };
}

import type { HeartbeatRequest } from '../../src-shared/sync-protocol';
import { iso, type ServerContext } from '../context';
import { fleetSnapshot, type KioskSummary } from './fleet';

/** Alarms and problem reports the kiosk page lists (ADR remote-commands); the inbox across kiosks is another page. */
export const KIOSK_PAGE_EVENT_TYPES = ['door.forced_open', 'door.jammed', 'door.left_open', 'problem.reported', 'maintenance.door_opened', 'disk.low'] as const;

export interface KioskDetail {
  kiosk: KioskSummary;
  /** The compartment grid as of the last heartbeat (null: the kiosk sends none, an older version). */
  compartments: NonNullable<HeartbeatRequest['compartments']> | null;
  /** Newest first, at most 50. */
  events: Array<{ id: string; type: string; occurredAt: string; payload: unknown }>;
  /** The kiosk's IANA time zone (set at enrollment; UTC for kiosks enrolled before issue 12): its messages' deadlines use it. */
  timeZone: string;
}

/** One kiosk's page: its summary, its grid from the last heartbeat, its recent alarms and problem reports. null: unknown kiosk. */
export async function kioskDetail(ctx: ServerContext, kioskId: string): Promise<KioskDetail | null> {
  const kiosk = (await fleetSnapshot(ctx)).find((k) => k.kioskId === kioskId);
  if (!kiosk) return null;
  const q = ctx.store.db;
  const hbRow = await q.selectFrom('kiosks').select(['heartbeat_json', 'time_zone']).where('id', '=', kioskId).executeTakeFirst();
  const hb = hbRow?.heartbeat_json ? (JSON.parse(hbRow.heartbeat_json) as HeartbeatRequest) : null;
  const rows = await q
    .selectFrom('events')
    .select(['id', 'type', 'occurred_at', 'payload'])
    .where('kiosk_id', '=', kioskId)
    .where('type', 'in', [...KIOSK_PAGE_EVENT_TYPES])
    .orderBy('occurred_at', 'desc')
    .orderBy('id', 'desc')
    .limit(50)
    .execute();
  return {
    kiosk,
    compartments: hb?.compartments ?? null,
    events: rows.map((r) => ({ id: r.id, type: r.type, occurredAt: iso(r.occurred_at), payload: JSON.parse(r.payload) as unknown })),
    timeZone: hbRow?.time_zone ?? 'UTC',
  };
}

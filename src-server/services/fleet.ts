import type { HeartbeatDisk, HeartbeatRequest, SizeCounts } from '../../src-shared/sync-protocol';
import { iso, isoOrNull, type ServerContext } from '../context';
import { HttpError } from '../http/errors';

export interface KioskSummary {
  kioskId: string;
  layoutName: string | null;
  enrolledAt: string;
  /** A fresh heartbeat and, with push, a broker connection that has not dropped (its last will says offline at once). */
  online: boolean;
  /** The kiosk's MQTT presence as this instance last heard it; null without push or when nothing was heard. */
  presence: 'online' | 'offline' | null;
  presenceAt: string | null;
  lastHeartbeatAt: string | null;
  heartbeatAgeMs: number | null;
  capacity: SizeCounts;
  freeBySize: SizeCounts | null;
  faults: HeartbeatRequest['faults'];
  outboxDepth: number | null;
  /** The disk as the last heartbeat said (ADR disk-bounds); null: an older kiosk, or no heartbeat yet. */
  disk: HeartbeatDisk | null;
  version: string | null;
  expected: number;
  inLocker: number;
  eventsReceived: number;
}

/**
 * Every kiosk with its parcel counts. Events are not counted here: `kiosks.events_received` is kept by applyEvents
 * (the fleet page renders every 10 s; counting all events per kiosk each time grew with history).
 */
export async function fleetSnapshot(ctx: ServerContext): Promise<KioskSummary[]> {
  const now = ctx.now();
  const q = ctx.store.db;
  const kiosks = await q
    .selectFrom('kiosks')
    .select(['id', 'layout_name', 'enrolled_at', 'capacity_json', 'last_heartbeat_at', 'heartbeat_json', 'events_received'])
    .orderBy('id')
    .execute();
  const counts = new Map<string, { expected: number; inLocker: number }>();
  const rows = await q
    .selectFrom('parcels')
    .select((eb) => [
      'kiosk_id',
      eb.fn.sum<number>(eb.case().when('status', '=', 'expected').then(1).else(0).end()).as('expected'),
      eb.fn.sum<number>(eb.case().when('status', 'in', ['deposited', 'expired']).then(1).else(0).end()).as('in_locker'),
    ])
    .where('status', 'in', ['expected', 'deposited', 'expired'])
    .groupBy('kiosk_id')
    .execute();
  for (const r of rows) counts.set(r.kiosk_id, { expected: Number(r.expected), inLocker: Number(r.in_locker) });
  return kiosks.map((k) => {
    const hb = k.heartbeat_json ? (JSON.parse(k.heartbeat_json) as HeartbeatRequest) : null;
    const age = k.last_heartbeat_at === null ? null : now - k.last_heartbeat_at;
    const presence = ctx.push.presence(k.id);
    return {
      kioskId: k.id,
      layoutName: k.layout_name,
      enrolledAt: iso(k.enrolled_at),
      online: age !== null && age <= ctx.onlineWindowMs && presence?.state !== 'offline',
      presence: presence?.state ?? null,
      presenceAt: isoOrNull(presence?.at),
      lastHeartbeatAt: isoOrNull(k.last_heartbeat_at),
      heartbeatAgeMs: age,
      capacity: JSON.parse(k.capacity_json),
      freeBySize: hb?.freeBySize ?? null,
      faults: hb?.faults ?? [],
      outboxDepth: hb?.outboxDepth ?? null,
      disk: hb?.disk ?? null,
      version: hb?.version ?? null,
      expected: counts.get(k.id)?.expected ?? 0,
      inLocker: counts.get(k.id)?.inLocker ?? 0,
      eventsReceived: Number(k.events_received),
    };
  });
}

/** The events a kiosk delivered, oldest first, with the total from the kiosk's counter. */
export async function kioskEvents(ctx: ServerContext, kioskId: string, limit: number) {
  const q = ctx.store.db;
  const k = await q.selectFrom('kiosks').select('events_received').where('id', '=', kioskId).executeTakeFirst();
  if (!k) throw new HttpError('NOT_FOUND', `unknown kiosk ${kioskId}`);
  const rows = await q
    .selectFrom('events')
    .select(['id', 'type', 'occurred_at', 'received_at', 'payload', 'outcome', 'note'])
    .where('kiosk_id', '=', kioskId)
    .orderBy('received_at')
    .orderBy('occurred_at')
    .orderBy('id')
    .limit(limit)
    .execute();
  return {
    count: Number(k.events_received),
    events: rows.map((r) => ({
      id: r.id,
      type: r.type,
      occurredAt: iso(r.occurred_at),
      receivedAt: iso(r.received_at),
      payload: JSON.parse(r.payload) as unknown,
      outcome: r.outcome,
      note: r.note,
    })),
  };
}

import type { HeartbeatRequest, SizeCounts } from '../../src-shared/sync-protocol';
import { iso, isoOrNull, type ServerContext } from '../context';
import { HttpError } from '../http/errors';

export interface KioskSummary {
  kioskId: string;
  layoutName: string | null;
  enrolledAt: string;
  online: boolean;
  lastHeartbeatAt: string | null;
  heartbeatAgeMs: number | null;
  capacity: SizeCounts;
  freeBySize: SizeCounts | null;
  faults: HeartbeatRequest['faults'];
  outboxDepth: number | null;
  version: string | null;
  expected: number;
  inLocker: number;
  eventsReceived: number;
}

interface KioskRow {
  id: string;
  layout_name: string | null;
  enrolled_at: number;
  capacity_json: string;
  last_heartbeat_at: number | null;
  heartbeat_json: string | null;
}

export function fleetSnapshot(ctx: ServerContext): KioskSummary[] {
  const now = ctx.now();
  const kiosks = ctx.db.prepare('SELECT id, layout_name, enrolled_at, capacity_json, last_heartbeat_at, heartbeat_json FROM kiosks ORDER BY id').all() as KioskRow[];
  const counts = new Map<string, { expected: number; inLocker: number }>();
  for (const r of ctx.db
    .prepare(
      `SELECT kiosk_id, SUM(status = 'expected') AS expected, SUM(status IN ('deposited','expired')) AS in_locker
       FROM parcels WHERE status IN ('expected','deposited','expired') GROUP BY kiosk_id`,
    )
    .all() as { kiosk_id: string; expected: number; in_locker: number }[]) {
    counts.set(r.kiosk_id, { expected: r.expected, inLocker: r.in_locker });
  }
  const events = new Map<string, number>();
  for (const r of ctx.db.prepare('SELECT kiosk_id, COUNT(*) AS n FROM events GROUP BY kiosk_id').all() as { kiosk_id: string; n: number }[]) {
    events.set(r.kiosk_id, r.n);
  }
  return kiosks.map((k) => {
    const hb = k.heartbeat_json ? (JSON.parse(k.heartbeat_json) as HeartbeatRequest) : null;
    const age = k.last_heartbeat_at === null ? null : now - k.last_heartbeat_at;
    return {
      kioskId: k.id,
      layoutName: k.layout_name,
      enrolledAt: iso(k.enrolled_at),
      online: age !== null && age <= ctx.onlineWindowMs,
      lastHeartbeatAt: isoOrNull(k.last_heartbeat_at),
      heartbeatAgeMs: age,
      capacity: JSON.parse(k.capacity_json),
      freeBySize: hb?.freeBySize ?? null,
      faults: hb?.faults ?? [],
      outboxDepth: hb?.outboxDepth ?? null,
      version: hb?.version ?? null,
      expected: counts.get(k.id)?.expected ?? 0,
      inLocker: counts.get(k.id)?.inLocker ?? 0,
      eventsReceived: events.get(k.id) ?? 0,
    };
  });
}

export function kioskEvents(ctx: ServerContext, kioskId: string, limit: number) {
  const k = ctx.db.prepare('SELECT 1 FROM kiosks WHERE id = ?').get(kioskId);
  if (!k) throw new HttpError('NOT_FOUND', `unknown kiosk ${kioskId}`);
  const count = (ctx.db.prepare('SELECT COUNT(*) AS n FROM events WHERE kiosk_id = ?').get(kioskId) as { n: number }).n;
  const rows = ctx.db
    .prepare('SELECT id, type, occurred_at, received_at, payload, outcome, note FROM events WHERE kiosk_id = ? ORDER BY received_at, rowid LIMIT ?')
    .all(kioskId, limit) as { id: string; type: string; occurred_at: number; received_at: number; payload: string; outcome: string; note: string | null }[];
  return {
    count,
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

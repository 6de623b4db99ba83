import type { ServerContext } from '../context';
import { iso, isoOrNull } from '../context';
import type { Q } from '../store/db';
import type { ParcelRow } from './shipments';
import type { ParcelSummary, TimelineEntry } from '../../src-shared/parcels';

export const summary = (p: ParcelRow): ParcelSummary => ({
  parcelId: p.id,
  barcode: p.barcode,
  kioskId: p.kiosk_id,
  size: p.size,
  status: p.status,
  recipientEmail: p.recipient_email,
  recipientPhone: p.recipient_phone,
  compartmentId: p.compartment_id,
  createdAt: iso(p.created_at),
  depositedAt: isoOrNull(p.deposited_at),
  expiresAt: isoOrNull(p.expires_at),
  returnRequestedAt: isoOrNull(p.return_requested_at),
});

/** "+48 600-100 200", "0048600100200" → "+48600100200" (phones are stored in E.164: ShipmentRequest). */
export function normalizePhone(s: string): string {
  const t = s.replace(/[\s\-().]/g, '');
  return t.startsWith('00') ? `+${t.slice(2)}` : t;
}

/**
 * Console search: ONE box, exact matches only (no substring scans over recipients' data): a barcode, a phone (normalized
 * to E.164), an e-mail (case-insensitive) or a kiosk id. Newest first, at most `limit`.
 */
export async function searchParcels(q: Q, term: string, limit = 50): Promise<ParcelSummary[]> {
  const t = term.trim();
  if (t === '') return [];
  let base = q.selectFrom('parcels').selectAll();
  if (t.includes('@')) base = base.where((eb) => eb(eb.fn('lower', ['recipient_email']), '=', t.toLowerCase()));
  else if (/^K-[A-Za-z0-9]+$/.test(t)) base = base.where('kiosk_id', '=', t);
  else if (/^(\+|00)[0-9\s\-().]+$/.test(t)) base = base.where('recipient_phone', '=', normalizePhone(t));
  else base = base.where('barcode', '=', t);
  const rows = await base.orderBy('created_at', 'desc').limit(limit).execute();
  return rows.map(summary);
}

const EVENT_WHAT: Record<string, string> = {
  'parcel.deposited': 'deposited',
  'parcel.picked_up': 'picked-up',
  'parcel.expired': 'expired',
  'parcel.collected': 'collected',
  'parcel.kept_by_driver': 'kept-by-driver',
  'problem.reported': 'problem',
};

/**
 * A parcel's story for the console, oldest first, from what the server recorded: its creation, the kiosk's events
 * naming it (`events.payload.parcelId`), the messages sent to the recipient, code re-issues (manifest), and operator
 * actions on it (audit). Rows of other parcels never appear (the payload match is on the exact quoted id).
 */
export async function parcelTimeline(ctx: ServerContext, q: Q, p: ParcelRow): Promise<TimelineEntry[]> {
  const out: { at: number; what: string; detail: string | null }[] = [{ at: p.created_at, what: 'created', detail: `announced for kiosk ${p.kiosk_id}, size ${p.size}` }];
  const events = await q
    .selectFrom('events')
    .select(['type', 'occurred_at', 'outcome', 'payload'])
    .where('kiosk_id', '=', p.kiosk_id)
    .where('payload', 'like', `%"parcelId":"${p.id}"%`)
    .execute();
  for (const e of events) {
    const payload = JSON.parse(e.payload) as { note?: string; kind?: string; compartmentId?: string };
    // A parcel marked for return is back with the carrier once collected (ADR return-reenroll).
    const what = e.type === 'parcel.collected' && p.return_requested_at !== null ? 'returned' : (EVENT_WHAT[e.type] ?? e.type);
    const detail = what === 'problem' ? `${payload.kind ?? 'other'}${payload.note ? `: ${payload.note}` : ''}` : payload.compartmentId ? `compartment ${payload.compartmentId}` : null;
    out.push({ at: e.occurred_at, what, detail: e.outcome === 'applied' ? detail : [detail, e.outcome].filter(Boolean).join(' · ') });
  }
  const notes = await q.selectFrom('notifications').select(['kind', 'channel', 'address', 'status', 'created_at', 'sent_at']).where('parcel_id', '=', p.id).execute();
  for (const n of notes) {
    const what = n.kind === 'code' ? 'code-sent' : n.kind === 'reminder' ? 'reminded' : 'expiry-notice';
    out.push({ at: n.sent_at ?? n.created_at, what, detail: `${n.channel} to ${n.address}: ${n.status}` });
  }
  const reissues = await q.selectFrom('manifest').select(['created_at']).where('kiosk_id', '=', p.kiosk_id).where('kind', '=', 'code_reissued').where('body', 'like', `%"parcelId":"${p.id}"%`).execute();
  for (const r of reissues) out.push({ at: r.created_at, what: 'code-reissued', detail: null });
  if (p.return_requested_at !== null) out.push({ at: p.return_requested_at, what: 'marked-for-return', detail: p.status === 'cancelled' ? 'not delivered: refused at the kiosk' : 'kept for the driver\'s collection' });
  if (p.status === 'cancelled' && p.cancelled_at !== null) out.push({ at: p.cancelled_at, what: 'cancelled', detail: p.cancel_reason });
  const acts = await q.selectFrom('operator_audit').select(['at', 'action', 'operator_email', 'outcome']).where('target', '=', p.id).execute();
  for (const a of acts) out.push({ at: a.at, what: 'operator', detail: `${a.action} by ${a.operator_email}${a.outcome === 'ok' ? '' : ` (${a.outcome})`}` });
  void ctx;
  return out.sort((a, b) => a.at - b.at).map((e) => ({ at: iso(e.at), what: e.what, detail: e.detail }));
}

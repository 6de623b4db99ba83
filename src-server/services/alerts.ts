import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { SyncEvent } from '../../src-shared/sync-protocol';
import type { ServerContext } from '../context';
import { randomId } from '../ids';
import { bodyContext } from '../notify/outbox';
import type { ChannelName } from '../notify/channels';
import type { Message } from '../notify/messages';
import type { Q } from '../store/db';
import type { AlertRulesTable } from '../store/schema';

/**
 * Alerts to people (issue 12; ADR alerts-webhooks). An alert announces ONE inbox item (services/inbox.ts: the stored
 * kiosk event) to the rule's recipients, by e-mail (SMTP) or SMS, through the notification outbox; it is acknowledged
 * by acknowledging that item in the inbox. `alerts.item_id` is unique, so one ongoing condition (one forced door, one
 * code attack, one offline spell) alerts once however often it is seen, by however many instances.
 *
 * Kiosk events are turned into alerts in the transaction that stores them (services/events.ts). "Offline longer than
 * N minutes" is not something a kiosk can say: the sweep (notify/sweep.ts, under its advisory lock) finds such kiosks
 * and stores a `kiosk.offline` event for each spell (its id derived from the kiosk and its last contact, so a second
 * sweep or instance stores nothing new), which is an inbox item like any other.
 */
export const ALERT_KINDS = ['kiosk.offline', 'door.forced_open', 'codes.attack', 'door.left_open', 'problem.reported', 'disk.low'] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

export const ALERT_LABELS: Record<AlertKind, string> = {
  'kiosk.offline': 'Kiosk offline longer than N minutes',
  'door.forced_open': 'Door forced open',
  'codes.attack': 'Code attack (keypad hardened after repeated wrong codes, or PIN lockout)',
  'door.left_open': 'Door left open',
  'problem.reported': 'Problem reported by a customer',
  'disk.low': 'Low disk (a kiosk under its disk reserve: it refuses new pickups and drop-offs)',
};

/** Rules the issue asks for that cannot work yet, with why (shown in the rules list). */
export const NOT_YET: ReadonlyArray<{ kind: string; label: string; why: string }> = [];

export const DEFAULT_OFFLINE_MINUTES = 10;

const Recipient = z.union([z.email().max(200), z.string().regex(/^\+[1-9]\d{6,14}$/, 'an e-mail address or an E.164 phone number (+…)')]);
export const SetRule = z
  .object({
    enabled: z.boolean(),
    minutes: z.number().int().min(1).max(7 * 24 * 60).nullable().default(null),
    recipients: z.array(Recipient).max(20).default([]),
  })
  .strict();

export interface AlertRuleView {
  kind: AlertKind;
  label: string;
  enabled: boolean;
  minutes: number | null;
  recipients: string[];
  updatedAt: string | null;
  updatedBy: string | null;
}

function view(kind: AlertKind, r: AlertRulesTable | undefined): AlertRuleView {
  return {
    kind,
    label: ALERT_LABELS[kind],
    enabled: r ? Number(r.enabled) === 1 : false,
    minutes: kind === 'kiosk.offline' ? (r?.minutes ?? DEFAULT_OFFLINE_MINUTES) : null,
    recipients: r ? (JSON.parse(r.recipients) as string[]) : [],
    updatedAt: r?.updated_at == null ? null : new Date(Number(r.updated_at)).toISOString(),
    updatedBy: r?.updated_by ?? null,
  };
}

export async function listRules(q: Q): Promise<AlertRuleView[]> {
  const rows = new Map((await q.selectFrom('alert_rules').selectAll().execute()).map((r) => [r.kind, r]));
  return ALERT_KINDS.map((k) => view(k, rows.get(k)));
}

/** Sets one rule (upsert). An enabled rule needs at least one recipient (else it would alert nobody, silently). */
export async function setRule(ctx: ServerContext, q: Q, kind: AlertKind, by: string, input: z.output<typeof SetRule>): Promise<AlertRuleView> {
  const row = {
    kind,
    enabled: input.enabled ? 1 : 0,
    minutes: kind === 'kiosk.offline' ? (input.minutes ?? DEFAULT_OFFLINE_MINUTES) : null,
    recipients: JSON.stringify([...new Set(input.recipients)]),
    updated_at: ctx.now(),
    updated_by: by,
  };
  await q
    .insertInto('alert_rules')
    .values(row)
    .onConflict((oc) => oc.column('kind').doUpdateSet({ enabled: row.enabled, minutes: row.minutes, recipients: row.recipients, updated_at: row.updated_at, updated_by: row.updated_by }))
    .execute();
  return view(kind, row);
}

/** Which rule an inbox event falls under, or null (an event that is not an alarm, or the end of an attack). */
export function ruleFor(type: string, payload: Record<string, unknown>): AlertKind | null {
  switch (type) {
    case 'door.forced_open':
    case 'door.left_open':
    case 'problem.reported':
    case 'kiosk.offline':
    case 'disk.low':
      return type;
    case 'kiosk.back':
      return 'kiosk.offline'; // the same rule's people hear that it is over (ADR return-reenroll)
    case 'codes.failed':
      return payload.reason === 'hardened' ? 'codes.attack' : null;
    case 'pin.lockout':
      return payload.reason === 'paused' ? 'codes.attack' : null;
    default:
      return null;
  }
}

function describe(kind: AlertKind, kioskId: string, p: Record<string, unknown>): string {
  const where = typeof p.compartmentId === 'string' ? ` (compartment ${p.compartmentId})` : '';
  switch (kind) {
    case 'kiosk.offline':
      return `Kiosk ${kioskId} is offline: no contact for ${String(p.offlineMinutes)} minutes (last seen ${String(p.lastSeenAt)})`;
    case 'door.forced_open':
      return `Door forced open at kiosk ${kioskId}${where}`;
    case 'codes.attack':
      return `Code attack at kiosk ${kioskId}: repeated wrong codes, the keypad is hardened`;
    case 'door.left_open':
      return `Door left open at kiosk ${kioskId}${where}`;
    case 'problem.reported':
      return `Problem reported at kiosk ${kioskId}${where}: ${typeof p.kind === 'string' ? p.kind : 'problem'}`;
    case 'disk.low':
      return `Kiosk ${kioskId} is low on disk: ${mib(p.freeBytes)} MiB free, under its ${mib(p.reserveBytes)} MiB reserve; it refuses new pickups and drop-offs`;
  }
}

const mib = (bytes: unknown): string => (typeof bytes === 'number' ? String(Math.floor(bytes / 1048576)) : '?');

const channelFor = (ctx: ServerContext, address: string): ChannelName | null => {
  const phone = address.startsWith('+');
  if (phone ? ctx.channels.sms : ctx.channels.smtp) return phone ? 'sms' : 'smtp';
  return ctx.channels.console ? 'console' : null;
};

/**
 * Raises the alert for one inbox item, inside the caller's transaction: nothing when no enabled rule covers it, or when
 * the item already has its alert. Queues one message per recipient (sealed, as every notification) and returns how
 * many (the caller kicks the outbox after its commit).
 */
export async function raiseAlert(ctx: ServerContext, q: Q, kioskId: string, itemId: string, type: string, payload: Record<string, unknown>): Promise<number> {
  const kind = ruleFor(type, payload);
  if (!kind) return 0;
  const rule = await q.selectFrom('alert_rules').selectAll().where('kind', '=', kind).executeTakeFirst();
  if (!rule || Number(rule.enabled) !== 1) return 0;
  const back = type === 'kiosk.back';
  const subject = back ? `Kiosk ${kioskId} is back online after ${String(payload.offlineMinutes ?? '?')} minutes` : describe(kind, kioskId, payload);
  const now = ctx.now();
  const id = randomId('al_', 16);
  const made = await q
    .insertInto('alerts')
    .values({ id, rule: kind, kiosk_id: kioskId, item_id: itemId, subject, created_at: now })
    .onConflict((oc) => oc.column('item_id').doNothing())
    .returning('id')
    .executeTakeFirst();
  if (!made) return 0;
  const message: Message = {
    subject: `[Locker alert] ${subject}`,
    text: `${subject}.\nAt ${new Date(now).toISOString().replace('T', ' ').slice(0, 16)} UTC.\n${back ? `Its offline item in the console's inbox is resolved (item ${String(payload.offlineItem)}).` : `Acknowledge it in the console's inbox: /console/#/inbox (item ${itemId}).`}`,
  };
  let queued = 0;
  for (const address of JSON.parse(rule.recipients) as string[]) {
    const channel = channelFor(ctx, address);
    if (!channel) {
      ctx.log.warn('no channel reaches this alert recipient', { alertId: id, address });
      continue;
    }
    const sealed = ctx.keys.vault.seal(JSON.stringify(message), bodyContext(id, 'alert', channel, address));
    await q
      .insertInto('notifications')
      .values({ parcel_id: null, alert_id: id, kind: 'alert', for_expiry: 0, channel, address, body_sealed: sealed, status: 'pending', next_attempt_at: now, created_at: now, last_error: null, sent_at: null, lease_token: null })
      .execute();
    queued++;
  }
  return queued;
}

/** The alert for a freshly stored kiosk event (services/events.ts calls it for the inbox types). */
export function raiseAlertForEvent(ctx: ServerContext, q: Q, kioskId: string, e: SyncEvent): Promise<number> {
  return raiseAlert(ctx, q, kioskId, e.id, e.type, e.payload as Record<string, unknown>);
}

/** A stable UUID for "kiosk K offline since contact at T": the same spell is the same event, however often it is seen. */
function offlineEventId(kioskId: string, lastSeenAt: number): string {
  const h = createHash('sha256').update(`kiosk.offline:${kioskId}:${lastSeenAt}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * The offline rule, run by the sweep in its transaction under the housekeeping advisory lock: every kiosk whose last
 * contact is older than the rule's minutes gets one `kiosk.offline` event per spell (an inbox item) and its alert.
 * Returns how many messages were queued. Nothing when the rule is off.
 */
export async function sweepOffline(ctx: ServerContext, q: Q, now: number): Promise<number> {
  const rule = await q.selectFrom('alert_rules').select(['enabled', 'minutes']).where('kind', '=', 'kiosk.offline').executeTakeFirst();
  if (!rule || Number(rule.enabled) !== 1) return 0;
  const minutes = Number(rule.minutes ?? DEFAULT_OFFLINE_MINUTES);
  const gone = await q.selectFrom('kiosks').select(['id', 'last_seen_at']).where('last_seen_at', 'is not', null).where('last_seen_at', '<', now - minutes * 60_000).execute();
  let queued = 0;
  for (const k of gone) {
    const lastSeen = Number(k.last_seen_at);
    const id = offlineEventId(k.id, lastSeen);
    const payload = { lastSeenAt: new Date(lastSeen).toISOString(), offlineMinutes: Math.floor((now - lastSeen) / 60_000), thresholdMinutes: minutes };
    const stored = await q
      .insertInto('events')
      .values({ id, kiosk_id: k.id, type: 'kiosk.offline', occurred_at: now, received_at: now, payload: JSON.stringify(payload), outcome: 'recorded' })
      .onConflict((oc) => oc.column('id').doNothing())
      .returning('id')
      .executeTakeFirst();
    if (stored) {
      // Its first contact afterwards says "back online" once (services/kiosk-back.ts), unless it has already made one.
      await q.updateTable('kiosks').set({ offline_item: id }).where('id', '=', k.id).where('last_seen_at', '=', lastSeen).execute();
      queued += await raiseAlert(ctx, q, k.id, id, 'kiosk.offline', payload);
    }
  }
  return queued;
}

export interface AlertView {
  id: string;
  rule: AlertKind;
  kioskId: string;
  itemId: string;
  subject: string;
  createdAt: string;
  deliveries: { channel: string; address: string; status: string; attempts: number; lastError: string | null; sentAt: string | null }[];
}

/** The alert log with each message's delivery, newest first. */
export async function listAlerts(q: Q, limit: number): Promise<AlertView[]> {
  const alerts = await q.selectFrom('alerts').selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
  if (alerts.length === 0) return [];
  const notes = await q
    .selectFrom('notifications')
    .select(['alert_id', 'channel', 'address', 'status', 'attempts', 'last_error', 'sent_at'])
    .where('alert_id', 'in', alerts.map((a) => a.id))
    .orderBy('id')
    .execute();
  return alerts.map((a) => ({
    id: a.id,
    rule: a.rule,
    kioskId: a.kiosk_id,
    itemId: a.item_id,
    subject: a.subject,
    createdAt: new Date(Number(a.created_at)).toISOString(),
    deliveries: notes
      .filter((n) => n.alert_id === a.id)
      .map((n) => ({ channel: n.channel, address: n.address, status: n.status, attempts: Number(n.attempts), lastError: n.last_error, sentAt: n.sent_at === null ? null : new Date(Number(n.sent_at)).toISOString() })),
  }));
}

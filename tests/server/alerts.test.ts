import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { SyncEvent } from '../../src-shared/sync-protocol';
import { operator } from './console-helpers';
import { startTestServer, TestKiosk, until, type Started } from './helpers';
import { startSmsGateway, startSmtpSink } from './sinks';

/**
 * Alert rules delivered to people (issue 12, ADR alerts-webhooks): a real fleet server (SQLite and PostgreSQL runs)
 * mails a real SMTP sink and posts to a real SMS gateway stand-in through the notification outbox.
 */
const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});
afterAll(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

async function setup(now?: () => number) {
  const smtp = await startSmtpSink();
  const sms = await startSmsGateway();
  const s: Started = await startTestServer({
    channels: { smtpUrl: smtp.url, smsUrl: sms.url, timeoutMs: 2000 },
    notifications: { baseDelayMs: 50, maxDelayMs: 200, pollMs: 25 },
    ...(now ? { now } : {}),
  });
  cleanup.push(() => smtp.close(), () => sms.close(), () => s.stop());
  const admin = await operator(s.server, 'admin');
  return { s, smtp, sms, admin };
}

const ev = (type: string, payload: Record<string, unknown>): SyncEvent => ({ id: randomUUID(), type, occurredAt: new Date().toISOString(), payload }) as SyncEvent;
const codes = (reason: string) => ev('codes.failed', { windowHours: 1, keypadFailures: 12, qrFailures: 0, mode: reason === 'hardened' ? 'hardened' : 'plain', reason });
/** The Subject header, unfolded (RFC 5322: a long header continues on lines starting with white space). */
const subjectOf = (raw: string) => /^Subject: (.*)$/m.exec(raw.split(/\r?\n\r?\n/)[0]!.replace(/\r?\n(?=[ \t])/g, ''))?.[1] ?? '';

describe('alert rules', () => {
  it('mails (and texts) the rule’s recipients once per inbox item: forced door, code attack, door left open, problem report', async () => {
    const { s, smtp, sms, admin } = await setup();
    const k = await TestKiosk.enroll(s.server);
    const rules = (await admin.get('/console/api/alert-rules')).body as { rules: Array<{ kind: string; enabled: boolean }>; notYet: Array<{ kind: string; why: string }> };
    // disk.low: kiosks report their disk in the heartbeat (issue 14, tests/server/disk-low.test.ts), so nothing is "not yet".
    expect(rules.rules.map((r) => r.kind)).toEqual(['kiosk.offline', 'door.forced_open', 'codes.attack', 'door.left_open', 'problem.reported', 'disk.low']);
    expect(rules.rules.every((r) => !r.enabled)).toBe(true);
    expect(rules.notYet).toEqual([]);

    // Off: nothing goes out.
    expect((await k.events([ev('door.forced_open', { compartmentId: 'A01' })])).status).toBe(200);
    for (const kind of ['door.forced_open', 'codes.attack', 'door.left_open', 'problem.reported']) {
      const r = await admin.send('PUT', `/console/api/alert-rules/${kind}`, { enabled: true, recipients: ['ops@example.com', '+48500100200'] });
      expect(r.status).toBe(200);
    }
    const forced = ev('door.forced_open', { compartmentId: 'B02' });
    const attack = codes('hardened');
    const left = ev('door.left_open', { compartmentId: 'C03', openForMs: 120_000 });
    const report = ev('problem.reported', { kind: 'damaged', compartmentId: 'A01' });
    expect((await k.events([forced, attack, codes('relaxed'), codes('cleared'), left, report])).status).toBe(200);
    await until(() => smtp.mails.length === 4 && sms.messages.length === 4, 8000, 'four mails and four texts');
    const subjects = smtp.mails.map((m) => subjectOf(m.raw)).sort();
    expect(subjects).toEqual([
      `[Locker alert] Code attack at kiosk ${k.id}: repeated wrong codes, the keypad is hardened`,
      `[Locker alert] Door forced open at kiosk ${k.id} (compartment B02)`,
      `[Locker alert] Door left open at kiosk ${k.id} (compartment C03)`,
      `[Locker alert] Problem reported at kiosk ${k.id} (compartment A01): damaged`,
    ]);
    expect(smtp.mails.every((m) => m.to[0] === 'ops@example.com')).toBe(true);
    expect(sms.messages.every((m) => m.to === '+48500100200')).toBe(true);
    // Each alert links to its inbox item.
    expect(smtp.mails.some((m) => m.raw.includes(forced.id))).toBe(true);

    // The same batch again (a kiosk that never saw our answer) is the same items: no second alert.
    expect((await k.events([forced, attack])).status).toBe(200);
    await s.server.drainNotifications();
    expect(smtp.mails).toHaveLength(4);

    // The log shows each alert with its deliveries; acknowledging is done on the inbox item.
    const log = (await admin.get('/console/api/alerts')).body.alerts as Array<{ itemId: string; rule: string; deliveries: Array<{ channel: string; status: string }> }>;
    expect(log).toHaveLength(4);
    const f = log.find((a) => a.itemId === forced.id)!;
    expect(f.rule).toBe('door.forced_open');
    expect(f.deliveries.map((d) => `${d.channel}:${d.status}`).sort()).toEqual(['sms:sent', 'smtp:sent']);
    expect((await admin.send('POST', `/console/api/inbox/${forced.id}/acknowledge`, {})).status).toBe(200);
  });

  it('alerts once per offline spell, from the sweep, when a kiosk has been silent longer than the rule’s minutes', async () => {
    let t = Date.now();
    const { s, smtp, admin } = await setup(() => t);
    const k = await TestKiosk.enroll(s.server);
    expect((await k.heartbeat({ S: 1, M: 1, L: 1, XL: 1 })).status).toBe(200);
    expect((await admin.send('PUT', '/console/api/alert-rules/kiosk.offline', { enabled: true, minutes: 15, recipients: ['noc@example.com'] })).status).toBe(200);
    t += 14 * 60_000;
    await s.server.sweep();
    expect(smtp.mails).toHaveLength(0); // not yet 15 minutes
    t += 2 * 60_000;
    await s.server.sweep();
    await until(() => smtp.mails.length === 1, 5000, 'the offline mail');
    expect(subjectOf(smtp.mails[0]!.raw)).toBe(`[Locker alert] Kiosk ${k.id} is offline: no contact for 16 minutes (last seen ${new Date(t - 16 * 60_000).toISOString()})`);
    // Still offline at the next sweeps: the same spell, no second mail.
    t += 30 * 60_000;
    await s.server.sweep();
    await s.server.sweep();
    expect(smtp.mails).toHaveLength(1);
    // It is an inbox item like any alarm (acknowledged there).
    const inbox = (await admin.get(`/console/api/inbox?kiosk=${k.id}`)).body.items as Array<{ type: string; state: string }>;
    expect(inbox).toEqual([expect.objectContaining({ type: 'kiosk.offline', state: 'new' })]);
  });

  it('is an admin’s setting: refused to operators and support, and without the CSRF token; validated; audited', async () => {
    const { s, admin } = await setup();
    const op = await operator(s.server, 'operator');
    expect((await op.get('/console/api/alert-rules')).status).toBe(403);
    expect((await op.send('PUT', '/console/api/alert-rules/door.forced_open', { enabled: true, recipients: ['a@example.com'] })).status).toBe(403);
    expect((await admin.send('PUT', '/console/api/alert-rules/door.forced_open', { enabled: true, recipients: ['a@example.com'] }, { csrf: false })).status).toBe(403);
    expect((await admin.send('PUT', '/console/api/alert-rules/door.forced_open', { enabled: true, recipients: ['not an address'] })).status).toBe(400);
    // A kind the server does not know (this was disk.low until kiosks reported their disk, issue 14).
    expect((await admin.send('PUT', '/console/api/alert-rules/disk.full', { enabled: true, recipients: [] })).status).toBe(400);
    expect((await admin.send('PUT', '/console/api/alert-rules/door.forced_open', { enabled: true, recipients: ['a@example.com'] })).status).toBe(200);
    const entries = (await admin.get('/console/api/audit?limit=20')).body.entries as Array<{ action: string; target: string; outcome: string }>;
    expect(entries.find((e) => e.action === 'alert-rule.set' && e.target === 'door.forced_open')?.outcome).toBe('ok');
  });
});

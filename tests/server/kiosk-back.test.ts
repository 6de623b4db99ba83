import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { SyncEvent } from '../../src-shared/sync-protocol';
import { operator } from './console-helpers';
import { startTestServer, TestKiosk, until, type Started } from './helpers';
import { startSmtpSink } from './sinks';

/**
 * "Kiosk back" (issue 12, ADR return-reenroll): after a `kiosk.offline` alert, the kiosk's first contact (a heartbeat or
 * an event batch) mails the offline rule's recipients "back online after N minutes" through the same outbox, once per
 * spell, and resolves the offline item in the inbox as `system`. A real fleet server (SQLite and PostgreSQL runs) with
 * its clock injected, and a real SMTP sink.
 */
const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

/** The Subject header, unfolded (RFC 5322). */
const subjectOf = (raw: string) => /^Subject: (.*)$/m.exec(raw.split(/\r?\n\r?\n/)[0]!.replace(/\r?\n(?=[ \t])/g, ''))?.[1] ?? '';

async function offlineKiosk() {
  let t = Date.now();
  const smtp = await startSmtpSink();
  const s: Started = await startTestServer({ now: () => t, channels: { smtpUrl: smtp.url, timeoutMs: 2000 }, notifications: { baseDelayMs: 50, maxDelayMs: 200, pollMs: 25 } });
  cleanup.push(() => smtp.close(), () => s.stop());
  const admin = await operator(s.server, 'admin');
  const k = await TestKiosk.enroll(s.server);
  expect((await k.heartbeat({ S: 1, M: 1, L: 1, XL: 1 })).status).toBe(200);
  expect((await admin.send('PUT', '/console/api/alert-rules/kiosk.offline', { enabled: true, minutes: 10, recipients: ['noc@example.com'] })).status).toBe(200);
  t += 25 * 60_000;
  await s.server.sweep();
  await until(() => smtp.mails.length === 1, 5000, 'the offline mail');
  // The kiosk signs with its own clock: keep it with the server's moved one.
  const at = () => ({ now: t });
  return { s, smtp, admin, k, at, advance: (ms: number) => (t += ms) };
}

describe('kiosk back online', () => {
  it('the first heartbeat after an offline alert mails "back online after N minutes" once and resolves the inbox item as system', async () => {
    const { s, smtp, admin, k, at, advance } = await offlineKiosk();
    advance(7 * 60_000);
    const hb = await k.send('POST', `/v1/kiosks/${k.id}/heartbeat`, { freeBySize: { S: 1, M: 1, L: 1, XL: 1 }, faults: [], outboxDepth: 0, version: '0.1.0' }, at());
    expect(hb.status).toBe(200);
    await until(() => smtp.mails.length === 2, 5000, 'the back-online mail');
    expect(subjectOf(smtp.mails[1]!.raw)).toBe(`[Locker alert] Kiosk ${k.id} is back online after 32 minutes`);

    const items = (await admin.get(`/console/api/inbox?kiosk=${k.id}&state=resolved`)).body.items as Array<{ type: string; state: string; resolved: { by: string; note: string | null } }>;
    expect(items).toEqual([expect.objectContaining({ type: 'kiosk.offline', state: 'resolved', resolved: expect.objectContaining({ by: 'system', note: 'back online after 32 minutes' }) })]);

    // More contact in the same spell says nothing more; the alert log shows both messages.
    await k.send('POST', `/v1/kiosks/${k.id}/heartbeat`, { freeBySize: { S: 1, M: 1, L: 1, XL: 1 }, faults: [], outboxDepth: 0, version: '0.1.0' }, at());
    await s.server.sweep();
    const alerts = (await admin.get('/console/api/alerts')).body.alerts as Array<{ subject: string }>;
    expect(alerts.map((a) => a.subject)).toEqual([`Kiosk ${k.id} is back online after 32 minutes`, expect.stringContaining(`Kiosk ${k.id} is offline`)]);
    expect(smtp.mails).toHaveLength(2);
  });

  it('an event batch is contact too; an item an operator already resolved keeps its resolution; a second spell alerts again', async () => {
    const { s, smtp, admin, k, at, advance } = await offlineKiosk();
    const item = ((await admin.get(`/console/api/inbox?kiosk=${k.id}`)).body.items as Array<{ id: string }>)[0]!;
    expect((await admin.send('POST', `/console/api/inbox/${item.id}/resolve`, { note: 'site has no power' })).status).toBe(200);
    advance(60_000);
    const door: SyncEvent = { id: randomUUID(), type: 'door.jammed', occurredAt: new Date(Date.now()).toISOString(), payload: { compartmentId: 'A01' } };
    expect((await k.send('POST', `/v1/kiosks/${k.id}/events`, { events: [door] }, at())).status).toBe(200);
    await until(() => smtp.mails.length === 2, 5000, 'the back-online mail');
    expect(subjectOf(smtp.mails[1]!.raw)).toBe(`[Locker alert] Kiosk ${k.id} is back online after 26 minutes`);
    const resolved = (await admin.get(`/console/api/inbox?kiosk=${k.id}&state=resolved`)).body.items as Array<{ resolved: { by: string; note: string | null } }>;
    expect(resolved).toEqual([expect.objectContaining({ resolved: expect.objectContaining({ note: 'site has no power', by: expect.stringMatching(/^admin-/) }) })]);

    advance(30 * 60_000);
    await s.server.sweep();
    await until(() => smtp.mails.length === 3, 5000, 'the second offline mail');
    advance(60_000);
    await k.send('POST', `/v1/kiosks/${k.id}/heartbeat`, { freeBySize: { S: 1, M: 1, L: 1, XL: 1 }, faults: [], outboxDepth: 0, version: '0.1.0' }, at());
    await until(() => smtp.mails.length === 4, 5000, 'the second back-online mail');
    expect(subjectOf(smtp.mails[3]!.raw)).toBe(`[Locker alert] Kiosk ${k.id} is back online after 31 minutes`);
  });
});

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startFleetServer } from '../../src-server/embedded';
import { silentLogger } from '../../src-server/log';
import { codeDigest } from '../../src-common/code-digest';
import { ManifestResponse } from '../../src-shared/sync-protocol';
import { formatDeadline } from '../../src-server/notify/i18n/index';
import { admin, deposited, startTestServer, TestKiosk, until, type Started } from './helpers';
import { startSmsGateway, startSmtpSink } from './sinks';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

async function setup(o: { smtp?: boolean; sms?: boolean; now?: () => number; console?: (l: string) => void; timeoutMs?: number } = {}) {
  const smtp = o.smtp ? await startSmtpSink() : undefined;
  const sms = o.sms ? await startSmsGateway() : undefined;
  const s: Started = await startTestServer({
    channels: { ...(smtp ? { smtpUrl: smtp.url } : {}), ...(sms ? { smsUrl: sms.url } : {}), ...(o.console ? { console: o.console } : {}), timeoutMs: o.timeoutMs ?? 2000 },
    notifications: { baseDelayMs: 50, maxDelayMs: 200, pollMs: 25 },
    ...(o.now ? { now: o.now } : {}),
  });
  cleanup.push(() => s.stop());
  if (smtp) cleanup.push(() => smtp.close());
  if (sms) cleanup.push(() => sms.close());
  const k = await TestKiosk.enroll(s.server);
  return { s, k, smtp, sms };
}

const DAY = 86400_000;
const HOUR = 3600_000;
/** The reminder's wording of an ISO expiry: local time at the kiosk (UTC here: enrolled without a zone), in English. */
const wording = (iso: string) => formatDeadline(Date.parse(iso), 'en', 'UTC');

const CODE_IN_TEXT = /code for parcel \S+ at locker \S+ is ([0-9]{6})/;

describe('notifications', () => {
  it('emails the code on deposit through SMTP, and the code matches the kiosk’s digest', async () => {
    const { s, k, smtp } = await setup({ smtp: true });
    const p = await s.server.createShipment({ barcode: 'MAIL-0001', size: 'S', kioskId: k.id, recipient: { email: 'ada@example.com', name: 'Ada' } });
    const digest = ManifestResponse.parse((await k.manifest()).body).expected[0]!.codeDigest;
    expect(smtp!.mails).toHaveLength(0); // nothing before the deposit
    await k.events([deposited(p.parcelId, p.barcode)]);
    await until(() => smtp!.mails.length === 1, 5000, 'the email');
    expect(smtp!.mails[0]!.to).toEqual(['ada@example.com']);
    const code = CODE_IN_TEXT.exec(smtp!.mails[0]!.raw.replace(/=\r?\n/g, ''))?.[1];
    expect(code).toBeDefined();
    expect(codeDigest(k.secret, code!)).toBe(digest);
    await until(async () => (await s.server.parcel('MAIL-0001'))!.notifications[0]?.status === 'sent', 2000, 'sent status');
  });

  it('texts the code through the HTTP SMS gateway', async () => {
    const { s, k, sms } = await setup({ sms: true });
    const p = await s.server.createShipment({ barcode: 'TEXT-0001', size: 'S', kioskId: k.id, recipient: { phone: '+48500100200' } });
    await k.events([deposited(p.parcelId, p.barcode)]);
    await until(() => sms!.messages.length === 1, 5000, 'the SMS');
    expect(sms!.messages[0]!.to).toBe('+48500100200');
    expect(CODE_IN_TEXT.exec(sms!.messages[0]!.text)?.[1]).toBe(p.code);
  });

  it('a failing channel does not hold up the other, and is retried until it works', async () => {
    const { s, k, smtp, sms } = await setup({ smtp: true, sms: true });
    sms!.failing = true;
    const p = await s.server.createShipment({ barcode: 'BOTH-0001', size: 'S', kioskId: k.id, recipient: { phone: '+48500100200', email: 'both@example.com' } });
    await k.events([deposited(p.parcelId, p.barcode)]);
    await until(() => smtp!.mails.length === 1, 5000, 'the email despite the SMS gateway being down');
    await until(async () => ((await s.server.parcel('BOTH-0001'))!.notifications.find((n) => n.channel === 'sms')?.attempts ?? 0) >= 2, 5000, 'SMS retries');
    expect(sms!.messages).toHaveLength(0);
    sms!.failing = false;
    await until(() => sms!.messages.length === 1, 5000, 'the SMS after the gateway came back');
    expect(smtp!.mails).toHaveLength(1);
  });

  it('a hanging SMS gateway never delays e-mail: the mail arrives while the SMS still hangs, the SMS later, once', async () => {
    // A send timeout far longer than any wait below: the mail can only arrive in time if it does not queue behind the SMS.
    const TIMEOUT = 120_000;
    const { s, k, smtp, sms } = await setup({ smtp: true, sms: true, timeoutMs: TIMEOUT });
    sms!.stalled = true; // accepts the connection and the request, never answers
    const first = await s.server.createShipment({ barcode: 'HANG-0001', size: 'S', kioskId: k.id, recipient: { phone: '+48500100201' } });
    await k.events([deposited(first.parcelId, first.barcode, 'A01')]);
    await until(() => sms!.stalledRequests === 1, 60_000, 'the SMS stuck at the gateway');
    const smsRow = async () => (await s.server.parcel('HANG-0001'))!.notifications.find((n) => n.channel === 'sms')!;

    // A second deposit while that SMS hangs: its e-mail must not wait for the SMS attempt to end.
    const second = await s.server.createShipment({ barcode: 'HANG-0002', size: 'S', kioskId: k.id, recipient: { email: 'hang@example.com' } });
    await k.events([deposited(second.parcelId, second.barcode, 'A02')]);
    await until(() => smtp!.mails.length === 1, 60_000, 'the e-mail while the SMS gateway hangs');
    // State, not time: the SMS request is still unanswered at the gateway and its attempt not even counted.
    expect(await smsRow()).toMatchObject({ status: 'pending', attempts: 0 });
    expect(sms!.stalledRequests).toBe(1);
    expect(smtp!.mails[0]!.to).toEqual(['hang@example.com']);

    // The gateway recovers: the hanging attempt ends in an error, is retried, and the text is delivered, once.
    sms!.stalled = false;
    sms!.answerStalled();
    await until(async () => (await smsRow()).status === 'sent', 60_000, 'the SMS after the gateway answers again');
    expect((await smsRow()).attempts).toBe(2); // one failed, one delivered
    expect(sms!.messages.map((m) => CODE_IN_TEXT.exec(m.text)?.[1])).toEqual([first.code]);
    expect(sms!.messages).toHaveLength(1);
    expect(smtp!.mails).toHaveLength(1);
  });

  it('close() aborts a hanging send and releases its claim: the next start sends it at once, not after the claim', async () => {
    const sms = await startSmsGateway();
    cleanup.push(() => sms.close());
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-test-'));
    cleanup.push(async () => fs.rmSync(dataDir, { recursive: true, force: true }));
    // The claim is the default 15 min: only a release lets the restarted server send it now.
    const opts = { dataDir, port: 0, log: silentLogger, sweepIntervalMs: 0, channels: { smsUrl: sms.url, timeoutMs: 10_000 }, notifications: { baseDelayMs: 50, pollMs: 25 } };
    const first = await startFleetServer(opts);
    const k = await TestKiosk.enroll(first);
    sms.stalled = true;
    const p = await first.createShipment({ barcode: 'STOP-0001', size: 'S', kioskId: k.id, recipient: { phone: '+48500100200' } });
    await k.events([deposited(p.parcelId, p.barcode)]);
    await until(() => sms.stalledRequests === 1, 2000, 'the SMS stuck at the gateway');
    const t0 = Date.now();
    await first.close();
    expect(Date.now() - t0).toBeLessThan(1000); // not the 10 s send timeout
    sms.stalled = false;
    const again = await startFleetServer(opts);
    cleanup.push(() => again.close());
    await until(async () => (await again.parcel('STOP-0001'))!.notifications[0]?.status === 'sent', 2000, 'the released SMS');
    expect((await again.parcel('STOP-0001'))!.notifications[0]!.attempts).toBe(1); // the aborted try is not counted
    expect(sms.messages.map((m) => CODE_IN_TEXT.exec(m.text)?.[1])).toEqual([p.code]);
  });

  it('a send cut short by a crash is retried once the claim lapses: at-least-once, then never again', async () => {
    const { s, k, sms } = await setup({ sms: true });
    sms!.hanging = true; // the gateway takes the text, and our process "dies" before hearing back
    const p = await s.server.createShipment({ barcode: 'CRSH-0001', size: 'S', kioskId: k.id, recipient: { phone: '+48500100200' } });
    await k.events([deposited(p.parcelId, p.barcode)]);
    await until(() => sms!.messages.length === 1, 5000, 'the send in flight');
    // The crash: what is on disk at this moment is all a restarted server has. On PostgreSQL the database is shared, so
    // the "restarted" server is a second instance on it (same keys), while the first one still hangs in its send.
    const copy = s.dataDir + '-crashed';
    fs.cpSync(s.dataDir, copy, { recursive: true });
    cleanup.push(async () => fs.rmSync(copy, { recursive: true, force: true }));
    sms!.hanging = false;
    let clock = Date.now();
    const restarted = await startFleetServer({
      dataDir: copy,
      ...(s.databaseUrl ? { databaseUrl: s.databaseUrl } : {}),
      port: 0,
      log: silentLogger,
      sweepIntervalMs: 0,
      now: () => clock,
      channels: { smsUrl: sms!.url, timeoutMs: 2000 },
      notifications: { baseDelayMs: 50, maxDelayMs: 200, pollMs: 25 },
    });
    cleanup.push(() => restarted.close());
    await new Promise((r) => setTimeout(r, 150));
    expect(sms!.messages).toHaveLength(1); // still claimed by the dead process: not sent twice at once
    clock += 10 * 60_000; // the claim (maxDelayMs) lapses
    await until(async () => (await restarted.parcel('CRSH-0001'))!.notifications[0]?.status === 'sent', 5000, 'the resend');
    expect(sms!.messages.map((m) => CODE_IN_TEXT.exec(m.text)?.[1])).toEqual([p.code, p.code]);
    clock += 60 * 60_000;
    await new Promise((r) => setTimeout(r, 150));
    expect(sms!.messages).toHaveLength(2); // sent is final
  });

  it('sends one reminder a day before expiry (idempotent sweep) and a notice on expiry', async () => {
    let clock = Date.now();
    const lines: string[] = [];
    const { s, k } = await setup({ now: () => clock, console: (l) => lines.push(l) });
    const p = await s.server.createShipment({ barcode: 'REMI-0001', size: 'S', kioskId: k.id, recipient: { phone: '+48500100200' } });
    await k.send('POST', `/v1/kiosks/${k.id}/events`, { events: [deposited(p.parcelId, p.barcode, 'A01', 'S', clock)] }, { now: clock });
    await s.server.drainNotifications();
    expect(lines).toEqual([expect.stringContaining(`[sms to +48500100200] Your code for parcel REMI-0001 at locker ${k.id} is ${p.code}`)]);
    await s.server.sweep();
    expect(lines).toHaveLength(1); // 3 days to go: no reminder yet
    clock += 2 * 86400_000 + 3600_000;
    await s.server.sweep();
    await s.server.sweep();
    expect(lines.filter((l) => l.includes('Reminder'))).toHaveLength(1);
    await k.send(
      'POST',
      `/v1/kiosks/${k.id}/events`,
      { events: [{ id: crypto.randomUUID(), type: 'parcel.expired', occurredAt: new Date(clock).toISOString(), payload: { parcelId: p.parcelId, barcode: p.barcode, compartmentId: 'A01' } }] },
      { now: clock },
    );
    await s.server.drainNotifications();
    expect(lines.filter((l) => l.includes('not picked up'))).toHaveLength(1);
    expect(lines.join('\n').split(p.code).length - 1).toBe(1); // the code went out exactly once
  });
  it('an extension earns a fresh reminder for the new expiry; sweeping twice still sends each reminder once', async () => {
    let clock = Date.now();
    const lines: string[] = [];
    const { s, k } = await setup({ now: () => clock, console: (l) => lines.push(l) });
    const p = await s.server.createShipment({ barcode: 'EXTR-0001', size: 'S', kioskId: k.id, recipient: { phone: '+48500100200' } });
    await k.send('POST', `/v1/kiosks/${k.id}/events`, { events: [deposited(p.parcelId, p.barcode, 'A01', 'S', clock)] }, { now: clock });
    const reminders = () => lines.filter((l) => l.includes('Reminder'));
    clock += 2 * DAY + HOUR; // 23 h to go
    await s.server.sweep();
    await s.server.sweep();
    expect(reminders()).toEqual([expect.stringContaining(wording((await s.server.parcel('EXTR-0001'))!.expiresAt!))]);

    const extended = await admin(s.server, 'POST', '/v1/shipments/EXTR-0001/extend', { days: 2 });
    expect(extended.status).toBe(200);
    const newExpiry = extended.body.expiresAt as string;
    await s.server.sweep();
    expect(reminders()).toHaveLength(1); // 2 days 23 h to go: not yet
    clock += 2 * DAY;
    await s.server.sweep();
    await s.server.sweep();
    expect(reminders()).toHaveLength(2);
    expect(reminders()[1]).toContain(wording(newExpiry));
    const rows = (await s.server.parcel('EXTR-0001'))!.notifications.filter((n) => n.kind === 'reminder');
    expect(rows.map((n) => n.status)).toEqual(['sent', 'sent']);
  });

  it('a reminder still waiting for its channel when the expiry is extended is dropped, not sent with the old date', async () => {
    let clock = Date.now();
    const { s, k, sms } = await setup({ sms: true, now: () => clock });
    const p = await s.server.createShipment({ barcode: 'EXTR-0002', size: 'S', kioskId: k.id, recipient: { phone: '+48500100200' } });
    await k.send('POST', `/v1/kiosks/${k.id}/events`, { events: [deposited(p.parcelId, p.barcode, 'A01', 'S', clock)] }, { now: clock });
    await s.server.drainNotifications();
    expect(sms!.messages).toHaveLength(1); // the code
    clock += 2 * DAY + HOUR;
    sms!.failing = true;
    await s.server.sweep(); // the reminder fails once and waits for a retry
    const oldExpiry = (await s.server.parcel('EXTR-0002'))!.expiresAt!;
    const newExpiry = (await admin(s.server, 'POST', '/v1/shipments/EXTR-0002/extend', { days: 2 })).body.expiresAt as string;
    sms!.failing = false;
    clock += HOUR; // the old reminder's retry would be due now
    await s.server.drainNotifications();
    expect(sms!.messages).toHaveLength(1);
    clock += 2 * DAY;
    await s.server.sweep();
    await s.server.sweep();
    const texts = sms!.messages.slice(1).map((m) => m.text);
    expect(texts).toEqual([expect.stringContaining(wording(newExpiry))]);
    expect(texts[0]).not.toContain(wording(oldExpiry));
  });
});

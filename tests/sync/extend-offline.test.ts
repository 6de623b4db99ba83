import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { Clock } from '../../src-main/clock';
import { createSync } from '../../src-main/sync/index';
import { operator } from '../server/console-helpers';
import { startSmsGateway } from '../server/sinks';
import { deliver, FAST_SYNC, localParcel, pickUp, seenOpen, serverRows, startKiosk, startServer, until } from './helpers';

/**
 * Red team 13 (finding A): the recipient extends on the link page while the kiosk is offline; still offline, the OLD
 * deadline passes at the kiosk and its sweep expires the parcel. When the link comes back the server must not take that
 * expiry over its own later deadline: no "not picked up in time" SMS, no `expired` webhook, the conflict recorded, and
 * the parcel waits (both sides) until the new deadline, where its code opens the door. A real kiosk core and a real
 * fleet server (SQLite; PostgreSQL in the postgres project), a real SMS gateway sink and a real webhook receiver. Time
 * passes on one clock both sides read (wall and monotonic together, so the kiosk sees days pass, not a clock jump).
 */
const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!().catch(() => {});
});

const DAY = 86_400_000;

/** Real time plus the days a test lets pass. */
class TravelClock implements Clock {
  offsetMs = 0;
  now(): number {
    return Date.now() + this.offsetMs;
  }
  mono(): number {
    return performance.now() + this.offsetMs;
  }
}

/** A carrier's webhook endpoint: answers 200 and keeps what it got. */
async function startReceiver(): Promise<{ url: string; got: Array<{ type: string; parcel: { barcode: string } }>; close(): Promise<void> }> {
  const got: Array<{ type: string; parcel: { barcode: string } }> = [];
  const server = http.createServer((rq, rs) => {
    let body = '';
    rq.on('data', (c: Buffer) => (body += c.toString('utf8')));
    rq.on('end', () => {
      got.push(JSON.parse(body));
      rs.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`, got, close: () => new Promise((r) => server.close(() => r())) };
}

const PHONE = '+48500100813';
const BARCODE = 'EXTOFF-001';
const BARCODE2 = 'EXTOFF-002';

/**
 * Shared start: a carrier with a webhook books the parcel, it is delivered and its code texted; the link goes down,
 * the recipient extends by 3 days; still offline, the old deadline passes and the kiosk's sweep expires it.
 */
async function expiredOfflineAfterExtension(barcode: string) {
  const clock = new TravelClock();
  const sms = await startSmsGateway();
  cleanup.push(() => sms.close());
  const rx = await startReceiver();
  cleanup.push(() => rx.close());
  const server = await startServer({
    now: () => clock.now(),
    channels: { smsUrl: sms.url, timeoutMs: 2000 },
    publicUrlIsSelf: true,
    webhooks: { pollMs: 25, baseDelayMs: 40, maxDelayMs: 200, timeoutMs: 2000 },
  });
  cleanup.push(() => server.close());
  const k = await startKiosk({ url: server.url, token: await server.createEnrollmentToken(), clock });
  cleanup.push(() => k.close());
  await k.core.ctx.sync.syncNow();

  // A carrier with a webhook books the parcel: the recipient gets "on its way" with the link.
  const admin = await operator(server, 'admin');
  const key = (await admin.send('POST', '/console/api/carrier-keys', { carrier: 'Acme', kiosks: null })).body as { id: string; key: string };
  expect((await admin.send('PUT', `/console/api/carrier-keys/${key.id}/webhook`, { url: rx.url })).status).toBe(200);
  const booked = await fetch(server.url + '/v1/shipments', {
    method: 'POST',
    headers: { authorization: `Bearer ${key.key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ barcode: barcode, size: 'S', kioskId: k.kioskId(), recipient: { phone: PHONE } }),
  });
  expect(booked.status).toBe(201);
  await until(() => sms.messages.length === 1, 8000, 'the on-its-way SMS');
  const link = /(http:\/\/127\.0\.0\.1:[0-9]+\/r\/\S+)/.exec(sms.messages[0]!.text)![1]!;

  // Delivered; the code SMS goes out.
  await k.core.ctx.sync.syncNow();
  const { sessionId } = await k.call('authBadge', { badge: (await server.issueBadge({ role: 'driver', name: 'Dana' })).token });
  await deliver(k, sessionId, barcode);
  await k.core.ctx.sync.syncNow();
  const codeSms = await until(() => sms.messages.find((m) => m.text.includes(`code for parcel ${barcode}`)), 8000, 'the code SMS');
  const code = /is (\S+)\. Pick/.exec(codeSms.text)![1]!;
  const oldDeadline = localParcel(k, barcode)!.expiresAt!;

  // The link goes down. The recipient extends by 3 days, well before the deadline.
  await k.core.ctx.sync.close();
  const extended = await fetch(link + '/extend', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'days=3' });
  expect(extended.status).toBe(200);
  expect(await extended.text()).toContain('Done: your parcel now waits until');
  const newDeadline = oldDeadline + 3 * DAY;

  // Still offline, the old deadline passes at the kiosk: its sweep expires the parcel.
  clock.offsetMs = oldDeadline - Date.now() + 60_000;
  k.core.ctx.services.sweep();
  expect(localParcel(k, barcode)!.status).toBe('expired');

  return { clock, sms, rx, server, k, link, code, newDeadline };
}

describe('an extension made while the kiosk is offline (red team 13, finding A)', () => {
  it('the kiosk expires the parcel on the old deadline offline: the server keeps it waiting until the new one, no expiry message or webhook', async () => {
    const { sms, rx, server, k, link, code, newDeadline } = await expiredOfflineAfterExtension(BARCODE);

    // The link comes back: the expiry goes up, the extension comes down.
    k.core.ctx.sync = await createSync(k.core.ctx, FAST_SYNC);
    await k.core.ctx.sync.syncNow();
    await until(() => k.core.ctx.sync.status().outboxDepth === 0, 8000, 'the outbox drained');
    await until(() => localParcel(k, BARCODE)?.status === 'deposited', 8000, 'the kiosk to bring the parcel back');
    expect(localParcel(k, BARCODE)!.expiresAt).toBe(newDeadline);
    const view = (await server.parcel(BARCODE))!;
    expect(view.status).toBe('deposited');
    expect(Date.parse(view.expiresAt!)).toBe(newDeadline);
    expect(view.conflict).toMatch(/older deadline/);
    const outcomes = await serverRows<{ outcome: string }>(server, `SELECT outcome FROM events WHERE type = 'parcel.expired' AND kiosk_id = ?`, [k.kioskId()]);
    expect(outcomes).toEqual([{ outcome: 'conflict' }]);
    expect(await (await fetch(link)).text()).toContain('Your parcel is waiting');

    // The recipient comes, the code opens the door; the carrier heard deposited and picked up, never expired.
    await pickUp(k, code, BARCODE);
    await until(async () => (await server.parcel(BARCODE))?.status === 'picked_up', 8000, 'the pickup at the server');
    await until(() => rx.got.some((g) => g.type === 'parcel.picked_up'), 8000, 'the picked_up webhook');
    await server.drainNotifications();
    expect(rx.got.map((g) => g.type)).toEqual(['parcel.deposited', 'parcel.picked_up']);
    const queued = await serverRows<{ event: string }>(server, 'SELECT event FROM webhook_deliveries ORDER BY id');
    expect(queued.map((r) => r.event)).toEqual(['deposited', 'picked_up']);
    expect(sms.messages.filter((m) => /not picked up in time/.test(m.text))).toEqual([]);
  });
  it('still offline, a driver takes the expired parcel back: the recipient and the carrier are told it expired (red team 13b)', async () => {
    const { sms, rx, server, k } = await expiredOfflineAfterExtension(BARCODE2);
    const { sessionId } = await k.call('authBadge', { badge: (await server.issueBadge({ role: 'driver', name: 'Dana' })).token });
    const parcel = localParcel(k, BARCODE2)!;
    const opened = await k.call('collectionOpen', { sessionId, parcelId: parcel.id });
    await seenOpen(k.core, opened.operationId, `door ${parcel.compartmentId}`);
    k.core.ctx.simulator!.removeItem(parcel.compartmentId!);
    k.core.ctx.simulator!.closeDoor(parcel.compartmentId!);
    await until(() => localParcel(k, BARCODE2)?.status === 'collected', 8000, 'the kiosk to record the collection');

    k.core.ctx.sync = await createSync(k.core.ctx, FAST_SYNC);
    await k.core.ctx.sync.syncNow();
    await until(async () => (await server.parcel(BARCODE2))?.status === 'collected', 8000, 'the server to see the collection');
    expect((await server.parcel(BARCODE2))!.conflict).toMatch(/collected by a driver/);
    await until(() => sms.messages.some((m) => /not picked up in time/.test(m.text)), 8000, 'the expired SMS');
    await until(() => rx.got.some((g) => g.type === 'parcel.collected'), 8000, 'the collected webhook');
    expect(rx.got.map((g) => g.type)).toEqual(['parcel.deposited', 'parcel.expired', 'parcel.collected']);
  });
});

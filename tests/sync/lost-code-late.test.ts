import { afterEach, describe, expect, it } from 'vitest';
import { startSmsGateway } from '../server/sinks';
import { startHeldProxy } from './held-proxy';
import { deliver, localParcel, pickUp, serverRows, startKiosk, startServer, until, type Kiosk } from './helpers';

/**
 * Red team, issue 13: "I lost my code" on a slow link. The kiosk waited its request timeout, said it could not reach the
 * parcel service (and the footer still said Online); the request then reached the server anyway, which re-issued the code:
 * a new code went out by SMS and the old one stopped working, behind the customer's back. Now a request whose kiosk has
 * stopped waiting is rolled back at the server, and the kiosk says "no answer yet" (a code MAY come) instead of "try
 * again". A real kiosk core, a real fleet server on loopback (SQLite; PostgreSQL in the postgres project), a real SMS
 * gateway sink, and a TCP proxy that holds the lost-code request until the kiosk gives up.
 */
const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!().catch(() => {});
});

const PHONE = '+48500100777';

/** A kiosk through a proxy that holds the requests `hold` matches, with a parcel for PHONE deposited and its code sent. */
async function setup(hold: RegExp, barcode: string) {
  const sms = await startSmsGateway();
  cleanup.push(() => sms.close());
  const server = await startServer({ channels: { smsUrl: sms.url, timeoutMs: 2000 } });
  cleanup.push(() => server.close());
  const proxy = await startHeldProxy(Number(new URL(server.url).port), (bytes) => hold.test(bytes));
  cleanup.push(() => proxy.close());
  // Cycles only when asked (syncNow), so the requests held are the customer's; 1.5 s is the kiosk's patience.
  const k: Kiosk = await startKiosk({ url: proxy.url, token: await server.createEnrollmentToken(), sync: { intervalMs: 600_000, requestTimeoutMs: 1500 } });
  cleanup.push(() => k.close());
  await k.core.ctx.sync.syncNow();
  const shipment = await server.createShipment({ barcode, size: 'S', kioskId: k.kioskId(), recipient: { phone: PHONE } });
  await k.core.ctx.sync.syncNow();
  const driver = await server.issueBadge({ role: 'driver', name: 'Dana' });
  await deliver(k, (await k.call('authBadge', { badge: driver.token })).sessionId, barcode);
  await k.core.ctx.sync.syncNow();
  await until(async () => (await server.parcel(barcode))?.status === 'deposited', 8000, 'the deposit at the server');
  await server.drainNotifications();
  expect(sms.messages.length).toBeGreaterThan(0); // the code went out at deposit
  return { sms, server, proxy, k, code: shipment.code, smsBefore: sms.messages.length, digestBefore: localParcel(k, barcode)!.codeDigest };
}

const auditActions = (k: Kiosk) => k.core.ctx.services.repos.audit.recent(20).map((e) => e.action);

describe('I lost my code, answered too late', () => {
  it('the question reaches the server after the kiosk gave up: "try later" is true, nothing is re-issued, the old code opens', async () => {
    const { sms, server, proxy, k, code, smsBefore, digestBefore } = await setup(/^POST \/v1\/kiosks\/[^/ ]+\/lost-code /, 'LATE-0001');

    const answer = await k.core.call('lostCodeRequest', { phone: PHONE });
    expect(answer.ok ? answer.value : answer.error.code).toBe('SERVER_UNREACHABLE');
    expect(proxy.held).toBe(1);
    // The held question reaches the server only now, after the kiosk hung up: no confirmation ever follows it.
    await until(() => proxy.delivered === 1, 10_000, 'the late question to reach the server');
    await until(async () => (await serverRows(server, 'SELECT at FROM lost_code_requests')).length === 1, 10_000, 'the server to record it');
    await server.drainNotifications();
    expect(sms.messages.length).toBe(smsBefore);
    expect(auditActions(k)).not.toContain('lost_code.requested');

    // The old code still opens the door: nothing changed behind the customer's back.
    await k.core.ctx.sync.syncNow();
    expect(localParcel(k, 'LATE-0001')!.codeDigest).toBe(digestBefore);
    await pickUp(k, code, 'LATE-0001');
  });

  it('the confirmation goes unanswered: the screen says a code MAY come (no "try again"), and the promise holds', async () => {
    const { sms, server, proxy, k, smsBefore } = await setup(/^POST \/v1\/kiosks\/[^/ ]+\/lost-code\/confirm /, 'LATE-0002');

    expect(await k.call('lostCodeRequest', { phone: PHONE })).toEqual({ accepted: true, confirmed: false });
    expect(proxy.held).toBe(1);
    const audit = auditActions(k);
    expect(audit).toContain('lost_code.unconfirmed');
    expect(audit).not.toContain('lost_code.requested');
    // Counted on the kiosk: the server heard the question.
    expect(k.core.ctx.services.repos.db.prepare('SELECT count(*) AS n FROM lost_code_requests').get()).toEqual({ n: 1 });
    await until(() => proxy.delivered === 1, 10_000, 'the late confirmation to reach the server');
    await until(() => sms.messages.length === smsBefore + 1, 10_000, 'the new code by SMS');
    expect(sms.messages.at(-1)!.to).toBe(PHONE);
    void server;
  });

  it('answered in time: confirmed, one new code to that number, the old one stops opening', async () => {
    const { sms, k, code, smsBefore } = await setup(/^$/, 'LATE-0003');

    expect(await k.call('lostCodeRequest', { phone: PHONE })).toEqual({ accepted: true, confirmed: true });
    await until(() => sms.messages.length === smsBefore + 1, 10_000, 'the new code by SMS');
    expect(sms.messages.at(-1)!.to).toBe(PHONE);
    expect(auditActions(k)).toContain('lost_code.requested');
    await until(async () => {
      await k.core.ctx.sync.syncNow();
      const r = await k.core.call('pickupSubmitCode', { code });
      return !r.ok;
    }, 10_000, 'the old code to stop opening');
  });
});

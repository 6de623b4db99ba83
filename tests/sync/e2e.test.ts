import { afterEach, describe, expect, it } from 'vitest';
import { codeDigest } from '../../src-common/code-digest';
import { deliver, localParcel, pickUp, startKiosk, startServer, startSmtpSink, until, type Kiosk } from './helpers';

const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!().catch(() => {});
});

describe('sync end to end: server → kiosk → door → customer → server', () => {
  it('a shipment reaches the kiosk, is deposited, the code goes out by SMTP, the pickup reaches the server', async () => {
    const smtp = await startSmtpSink();
    cleanup.push(() => smtp.close());
    const server = await startServer({ channels: { smtpUrl: smtp.url } });
    cleanup.push(() => server.close());
    const k: Kiosk = await startKiosk({ url: server.url, token: await server.createEnrollmentToken() });
    cleanup.push(() => k.close());

    // Enrollment on the first sync; the connectivity event reaches the UI bus.
    await k.core.ctx.sync.syncNow();
    expect(k.core.ctx.sync.status()).toMatchObject({ status: 'online', lastError: null, outboxDepth: 0 });
    expect(k.kioskId()).toMatch(/^K-/);
    expect(k.events.some((e) => e.event === 'connectivity' && (e.payload as { status: string }).status === 'online')).toBe(true);
    expect((await server.fleet()).find((f) => f.kioskId === k.kioskId())?.freeBySize).toEqual({ S: 8, M: 8, L: 5, XL: 3 });

    // Carrier intake on the server; the next pull brings it in with the code's digest, never the code.
    const shipment = await server.createShipment({ barcode: 'E2E-000001', size: 'M', kioskId: k.kioskId(), recipient: { email: 'ada@example.com' } });
    await k.core.ctx.sync.syncNow();
    const expected = localParcel(k, 'E2E-000001')!;
    expect(expected).toMatchObject({ id: shipment.parcelId, status: 'expected', size: 'M' });
    expect(expected.codeDigest).toBe(codeDigest(k.core.ctx.services.repos.enrollment.getKioskSecret()!, shipment.code));

    // The driver deposits it; the queued event is pushed at once (nudge), and the server notifies by email.
    const driver = await server.issueBadge({ role: 'driver', name: 'Dana' });
    const session = await k.call('authBadge', { badge: driver.token });
    const compartment = await deliver(k, session.sessionId, 'E2E-000001');
    await until(async () => (await server.parcel('E2E-000001'))?.status === 'deposited', 5000, 'server to see the deposit');
    expect(await server.parcel('E2E-000001')).toMatchObject({ compartmentId: compartment, conflict: null });
    const mail = await until(() => smtp.mails.find((m) => m.to.includes('ada@example.com')), 5000, 'the code email');
    expect(mail.raw).toContain(shipment.code);
    expect(mail.raw).toContain('E2E-000001');

    // The customer uses the code from the email; the server follows.
    const code = /is (\d{6})/.exec(mail.raw.replace(/=\r?\n/g, ''))![1]!;
    expect(code).toBe(shipment.code);
    await pickUp(k, code, 'E2E-000001');
    await until(async () => (await server.parcel('E2E-000001'))?.status === 'picked_up', 5000, 'server to see the pickup');
    await until(() => k.core.ctx.sync.status().outboxDepth === 0, 5000, 'outbox to drain');
    expect(await server.eventCount(k.kioskId())).toBe(2);
  });

  it('bad data from the server is an error: nothing is applied, the kiosk shows offline with the reason', async () => {
    const server = await startServer();
    cleanup.push(() => server.close());
    const k = await startKiosk({ url: server.url, token: await server.createEnrollmentToken() });
    cleanup.push(() => k.close());
    await k.core.ctx.sync.syncNow();
    await k.core.ctx.sync.close();
    await server.createShipment({ barcode: 'BAD-000001', size: 'S', kioskId: k.kioskId(), recipient: { phone: '+48500100200' } });
    // Point the kiosk at a "server" that answers 200 with garbage for everything.
    const http = await import('node:http');
    const liar = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"expected":"lots"}'));
    await new Promise<void>((r) => liar.listen(0, '127.0.0.1', r));
    cleanup.push(() => new Promise((r) => liar.close(r)));
    const { createSync } = await import('../../src-main/sync/index');
    const port = (liar.address() as { port: number }).port;
    k.core.ctx.config.server.url = `http://127.0.0.1:${port}`;
    k.core.ctx.sync = await createSync(k.core.ctx, { intervalMs: 60_000, backoffBaseMs: 60_000, backoffCapMs: 60_000 });
    await k.core.ctx.sync.syncNow();
    const st = k.core.ctx.sync.status();
    expect(st.status).toBe('offline');
    expect(st.lastError).toMatch(/outside the contract/);
    expect(localParcel(k, 'BAD-000001')).toBeNull();
  });
});

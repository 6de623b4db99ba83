import { afterEach, describe, expect, it } from 'vitest';
import { deliver, localParcel, serverRows, startKiosk, startServer, startSmtpSink, until } from './helpers';

/**
 * ADR 0008 (code lockout) end to end with the real fleet server on loopback: intake makes a QR token and a check code, the message
 * carries both, the manifest only their keyed digests. With the keypad hardened by someone else's wrong codes, the
 * customer with code + check code and the customer with the QR both open their doors; the fleet hears `codes.failed`.
 */
const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!().catch(() => {});
});

describe('QR token and check code: server → message → kiosk', () => {
  it('customers get in by code + check code or by QR while the keypad is hardened; the fleet is told', async () => {
    const smtp = await startSmtpSink();
    cleanup.push(() => smtp.close());
    const server = await startServer({ channels: { smtpUrl: smtp.url } });
    cleanup.push(() => server.close());
    const k = await startKiosk({ url: server.url, token: await server.createEnrollmentToken() });
    cleanup.push(() => k.close());
    await k.core.ctx.sync.syncNow();

    const a = await server.createShipment({ barcode: 'QRC-000001', size: 'S', kioskId: k.kioskId(), recipient: { email: 'ada@example.com', name: 'Ada' } });
    const b = await server.createShipment({ barcode: 'QRC-000002', size: 'S', kioskId: k.kioskId(), recipient: { email: 'bob@example.com', name: 'Bob' } });
    await k.core.ctx.sync.syncNow();
    const local = localParcel(k, 'QRC-000001')!;
    expect(local.qrDigest).toMatch(/^[0-9a-f]{64}$/);
    expect(local.checkDigest).toMatch(/^[0-9a-f]{64}$/);
    // No plaintext token at rest on either side, and no recipient identity reaches the kiosk.
    const kioskRows = JSON.stringify(k.core.ctx.db.prepare('SELECT * FROM parcels').all());
    expect(kioskRows).not.toContain(a.qrToken);
    expect(kioskRows).not.toContain('ada@example.com');
    expect(kioskRows).not.toContain('Ada');
    expect(JSON.stringify(await serverRows(server, 'SELECT * FROM parcels'))).not.toContain(a.qrToken);

    const driver = await server.issueBadge({ role: 'driver', name: 'Dana' });
    const session = await k.call('authBadge', { badge: driver.token });
    const doorA = await deliver(k, session.sessionId, 'QRC-000001');
    const doorB = await deliver(k, session.sessionId, 'QRC-000002');
    await k.call('authEnd', { sessionId: session.sessionId });
    const text = (to: string) => smtp.mails.find((m) => m.to.includes(to))?.raw.replace(/=\r?\n/g, '');
    const mailA = await until(() => text('ada@example.com'), 5000, 'Ada’s code email');
    const mailB = await until(() => text('bob@example.com'), 5000, 'Bob’s code email');
    const check = /Check code: (\d{4})/.exec(mailA)![1]!;
    expect(check).toBe(a.checkCode);
    const qr = /(LK2:[A-Za-z0-9_-]{22})/.exec(mailB)![1]!;
    expect(qr).toBe(`LK2:${b.qrToken}`);

    // Someone types wrong codes until the keypad hardens.
    for (let i = 0; i < 5; i++) expect((await k.core.call('pickupSubmitCode', { code: `99000${i}` })).ok).toBe(false);
    expect(await k.call('pickupKeypadMode', {})).toEqual({ checkRequired: true });

    // Ada: her code alone is asked for the check code, then code + check opens her door.
    const alone = await k.core.call('pickupSubmitCode', { code: a.code });
    expect(!alone.ok && alone.error.code).toBe('CHECK_REQUIRED');
    const opened = await k.call('pickupSubmitCode', { code: a.code, check });
    expect(opened.where.compartmentId).toBe(doorA);
    // Bob: the QR, never paced, never budgeted.
    const byQr = await k.call('pickupSubmitQr', { token: qr.slice(4) });
    expect(byQr.where.compartmentId).toBe(doorB);

    // The fleet records the report: counts and a mode, never a code.
    await k.core.ctx.sync.syncNow();
    const reports = await until(
      async () => (await serverRows<{ payload: string; outcome: string }>(server, "SELECT payload, outcome FROM events WHERE type = 'codes.failed'")).filter(Boolean),
      5000,
      'codes.failed at the server',
    );
    expect(reports.some((r) => JSON.parse(r.payload).reason === 'hardened' && r.outcome === 'recorded')).toBe(true);
    expect(JSON.stringify(reports)).not.toContain(a.code);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { operator } from '../server/console-helpers';
import { codesIn, deliver, localParcel, pickUp, startKiosk, startServer, startSmtpSink, until, type Kiosk } from './helpers';

const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!().catch(() => {});
});

describe('code re-issue reaches a real kiosk (ADR code-reissue)', () => {
  it('a support operator resends: the new code arrives by e-mail, the old code fails at the kiosk, the new one opens', async () => {
    const smtp = await startSmtpSink();
    cleanup.push(() => smtp.close());
    const server = await startServer({ channels: { smtpUrl: smtp.url } });
    cleanup.push(() => server.close());
    const k: Kiosk = await startKiosk({ url: server.url, token: await server.createEnrollmentToken() });
    cleanup.push(() => k.close());
    await k.core.ctx.sync.syncNow();

    const shipment = await server.createShipment({ barcode: 'REISSUE-01', size: 'S', kioskId: k.kioskId(), recipient: { email: 'eve@example.com' } });
    await k.core.ctx.sync.syncNow();
    const driver = await server.issueBadge({ role: 'driver', name: 'Dana' });
    const session = await k.call('authBadge', { badge: driver.token });
    await deliver(k, session.sessionId, 'REISSUE-01');
    await until(() => codesIn(smtp.mails, 'REISSUE-01').length === 1, 8000, 'the first code e-mail');
    const old = codesIn(smtp.mails, 'REISSUE-01')[0]!;
    expect(old).toBe(shipment.code);

    const before = localParcel(k, 'REISSUE-01')!.codeDigest;
    const support = await operator(server, 'support');
    expect((await support.send('POST', `/console/api/parcels/${shipment.parcelId}/resend`)).status).toBe(200);
    const fresh = await until(() => codesIn(smtp.mails, 'REISSUE-01')[1], 8000, 'the new code e-mail');
    expect(fresh).not.toBe(old);

    await k.core.ctx.sync.syncNow();
    await until(() => localParcel(k, 'REISSUE-01')!.codeDigest !== before, 8000, 'the kiosk to take the new digest');

    const refused = await k.core.call('pickupSubmitCode', { code: old });
    expect(refused.ok).toBe(false);
    expect(localParcel(k, 'REISSUE-01')!.status).toBe('deposited');
    await pickUp(k, fresh, 'REISSUE-01');
    await until(async () => (await server.parcel('REISSUE-01'))?.status === 'picked_up', 8000, 'the server to see the pickup');
  });
});

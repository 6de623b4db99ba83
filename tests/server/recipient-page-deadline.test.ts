import { afterEach, describe, expect, it } from 'vitest';
import { ManifestResponse } from '../../src-shared/sync-protocol';
import { deposited, http, startTestServer, TestKiosk, until } from './helpers';
import { startSmsGateway } from './sinks';

/**
 * Red team 13 (finding A, second part), on SQLite and (project `postgres`) PostgreSQL: the kiosk is offline past the
 * parcel's deadline, so the server still has it deposited. The recipient's page said "waiting … until <yesterday>" and
 * offered more time; "Extend 1 day" answered "Done: … until <14 seconds ago>", spending the one extension for nothing.
 * Once the deadline has passed the page says so, offers nothing, and the form post is refused with nothing changed.
 */
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

const DAY = 86_400_000;

describe('the recipient page after the pickup deadline', () => {
  it('says the parcel is past its date, offers no extension, and refuses the form post without using it', async () => {
    const sms = await startSmsGateway();
    const s = await startTestServer({ channels: { smsUrl: sms.url, timeoutMs: 2000 }, notifications: { baseDelayMs: 50, maxDelayMs: 200, pollMs: 25 }, publicUrlIsSelf: true });
    cleanup.push(() => s.stop(), () => sms.close());
    const k = await TestKiosk.enroll(s.server);
    const ship = await s.server.createShipment({ barcode: 'LATE-EXT-1', size: 'S', kioskId: k.id, recipient: { phone: '+48500100814' } });
    await until(() => sms.messages.length === 1, 8000, 'the on-its-way SMS');
    const link = /(http:\/\/127\.0\.0\.1:[0-9]+\/r\/\S+)/.exec(sms.messages[0]!.text)![1]!;
    // Deposited four days ago with a three-day window: the deadline was yesterday, and the kiosk has not said "expired".
    const at = Date.now() - 4 * DAY;
    expect((await k.events([deposited(ship.parcelId, 'LATE-EXT-1', 'A01', 'S', at)])).status).toBe(200);
    const deadline = at + 3 * DAY;
    expect((await s.server.parcel('LATE-EXT-1'))!).toMatchObject({ status: 'deposited', expiresAt: new Date(deadline).toISOString() });
    const cursor = ManifestResponse.parse((await k.manifest()).body).nextCursor;

    const page = await http<string>(link);
    expect(page.status).toBe(200);
    expect(page.body).toContain('Your parcel was not picked up in time');
    expect(page.body).not.toContain('is waiting');
    expect(page.body).not.toContain('/extend');

    const post = await http<string>(link + '/extend', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'days=1' });
    expect(post.status).toBe(409);
    expect(post.body).toContain('More time is possible only while the parcel waits in its compartment.');
    expect(post.body).not.toContain('Done');
    // Nothing changed: the same deadline, the extension not spent, nothing new for the kiosk.
    const rows = await s.server.query<{ expires_at: number; recipient_extended_at: number | null }>('SELECT expires_at, recipient_extended_at FROM parcels WHERE id = ?', [ship.parcelId]);
    expect(rows).toEqual([{ expires_at: deadline, recipient_extended_at: null }]);
    expect(ManifestResponse.parse((await k.manifest(cursor)).body).extensions).toEqual([]);
  });
});

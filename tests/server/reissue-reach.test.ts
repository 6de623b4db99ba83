import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { operator } from './console-helpers';
import { deposited, startTestServer, TestKiosk, until, type Started } from './helpers';
import { startSmtpSink } from './sinks';

/**
 * Red team, issue 13: a new code that reaches nobody must not kill the one a person holds. On an e-mail-only fleet
 * (SMTP, no SMS gateway) "I lost my code" re-issued the code and sent nothing; the console's "Send a new code" did the
 * same for a phone-only recipient, and on a waiting drop-off it sealed a new code "for the deposit" that the sender
 * needs in order to deposit. Real fleet server on loopback, SQLite and (project `postgres`) PostgreSQL.
 */
let s: Started;
let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
let k: TestKiosk;
beforeAll(async () => {
  smtp = await startSmtpSink();
  s = await startTestServer({ channels: { smtpUrl: smtp.url, timeoutMs: 2000 }, notifications: { baseDelayMs: 50, maxDelayMs: 200, pollMs: 25 } });
  k = await TestKiosk.enroll(s.server);
});
afterAll(async () => {
  await s.stop();
  await smtp.close();
});

const digestOf = async (parcelId: string) =>
  (await s.server.query<{ code_digest: string }>('SELECT code_digest FROM parcels WHERE id = ?', [parcelId]))[0]!.code_digest;

describe('a new code only when it can reach someone', () => {
  it('e-mail-only fleet: "I lost my code" is refused for every number, before counting, and the e-mailed code still holds', async () => {
    const p = await s.server.createShipment({ barcode: 'REACH-0001', size: 'S', kioskId: k.id, recipient: { phone: '+48500100801', email: 'ro@example.com' } });
    await k.events([deposited(p.parcelId, p.barcode, 'A02')]);
    await until(() => smtp.mails.length >= 1, 5000, 'the code e-mail');
    const before = await digestOf(p.parcelId);
    for (const phone of ['+48500100801', '+48500100899']) {
      const r = await k.send('POST', `/v1/kiosks/${k.id}/lost-code`, { phone, confirm: 'separately' });
      expect(r.status, phone).toBe(409);
      expect(r.body.error.code).toBe('INVALID_STATE');
    }
    expect(await digestOf(p.parcelId)).toBe(before);
    expect(await s.server.query('SELECT id FROM lost_code_requests')).toEqual([]);
  });

  it('console resend to a phone-only recipient on an e-mail-only fleet: refused, the old code stays', async () => {
    const op = await operator(s.server, 'support');
    const p = await s.server.createShipment({ barcode: 'REACH-0002', size: 'S', kioskId: k.id, recipient: { phone: '+48500100802' } });
    await k.events([deposited(p.parcelId, p.barcode, 'A03')]);
    await until(async () => (await s.server.parcel('REACH-0002'))?.status === 'deposited', 5000, 'the deposit');
    const before = await digestOf(p.parcelId);
    const r = await op.send('POST', `/console/api/parcels/${p.parcelId}/resend`);
    expect(r.status).toBe(409);
    expect(r.body.error.message).toContain('the old code stays valid');
    expect(await digestOf(p.parcelId)).toBe(before);
  });

  it('console resend on a waiting drop-off: refused, the sender’s code stays', async () => {
    const op = await operator(s.server, 'support');
    const d = await s.server.createDropoff({
      barcode: 'REACH-0003',
      size: 'S',
      kioskId: k.id,
      sender: { phone: '+48500100803', email: 'sender@example.com', name: 'Sam Sender' },
      destination: { reference: 'RMA-2026-0803' },
    });
    const before = await digestOf(d.parcelId);
    const r = await op.send('POST', `/console/api/parcels/${d.parcelId}/resend`);
    expect(r.status).toBe(409);
    expect(r.body.error.message).toContain('drop-off');
    expect(await digestOf(d.parcelId)).toBe(before);
  });
});

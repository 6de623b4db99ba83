import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeDigest } from '../../src-common/code-digest';
import { ManifestResponse, type EnrollResponse } from '../../src-shared/sync-protocol';
import { operator, type ConsoleClient } from './console-helpers';
import { deposited, http, pickedUp, startTestServer, TestKiosk, until, type Started } from './helpers';
import { startSmtpSink } from './sinks';

/**
 * Replacing a kiosk PC (issue 12, ADR return-reenroll) over real HTTP against a real fleet server (SQLite and
 * PostgreSQL runs) and a real SMTP sink: the console's one-time re-enrollment token (admin only, audited), the new PC
 * enrolling with it as the SAME kiosk with a NEW secret, the old secret refused at once, and the new PC's manifest
 * describing the kiosk as it is, with every parcel inside re-issued (the new codes mailed through the outbox).
 */
let s: Started;
let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
let admin: ConsoleClient;
beforeAll(async () => {
  smtp = await startSmtpSink();
  s = await startTestServer({ channels: { smtpUrl: smtp.url, timeoutMs: 2000 }, notifications: { baseDelayMs: 50, maxDelayMs: 200, pollMs: 25 } });
  admin = await operator(s.server, 'admin');
});
afterAll(async () => {
  await s.stop();
  await smtp.close();
});

const CODE_IN_TEXT = /code for parcel (\S+) at locker \S+ is ([0-9]{6})/;
const codesFor = (barcode: string) =>
  smtp.mails.map((m) => CODE_IN_TEXT.exec(m.raw.replace(/=\r?\n/g, ''))).filter((m) => m?.[1] === barcode).map((m) => m![2]!);

async function enrollWith(token: string): Promise<{ status: number; body: EnrollResponse }> {
  return http<EnrollResponse>(s.server.url + '/v1/kiosks/enroll', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ enrollmentToken: token, capacity: { S: 4, M: 3, L: 2, XL: 1 }, layoutName: 'test' }),
  });
}

describe('replacing a kiosk PC', () => {
  it('the new PC is the same kiosk with a new secret; the old one is refused; parcels inside get new codes and the manifest says where they are', async () => {
    const old = await TestKiosk.enroll(s.server);
    const ship = (barcode: string) => s.server.createShipment({ barcode, size: 'S', kioskId: old.id, recipient: { email: `${barcode.toLowerCase()}@example.com` } });
    const waiting = await ship('RE-EXP-1');
    const inside = await ship('RE-DEP-1');
    const back = await ship('RE-RET-1');
    const gone = await ship('RE-GONE-1');
    await old.events([deposited(inside.parcelId, inside.barcode, 'A01'), deposited(back.parcelId, back.barcode, 'A02'), deposited(gone.parcelId, gone.barcode, 'A03')]);
    await old.events([pickedUp(gone.parcelId, gone.barcode, 'A03')]);
    expect((await admin.send('POST', `/console/api/parcels/${back.parcelId}/return`)).status).toBe(200);
    await until(() => codesFor('RE-DEP-1').length === 1, 5000, 'the first code e-mail');
    expect((await old.heartbeat({ S: 1, M: 3, L: 2, XL: 1 })).status).toBe(200);

    const t = await admin.send('POST', `/console/api/kiosks/${old.id}/reenrollment-token`, {});
    expect(t.status).toBe(201);
    expect(t.body).toMatchObject({ kioskId: old.id, enrollmentToken: expect.stringMatching(/^lket_/) });
    const r = await enrollWith(t.body.enrollmentToken as string);
    expect(r.status).toBe(200);
    expect(r.body.kioskId).toBe(old.id);
    expect(r.body.kioskSecret).not.toBe(old.creds.kioskSecret);
    const fresh = new TestKiosk(s.server.url, r.body);

    // The old secret is refused at once, on every signed call; the new one works.
    expect((await old.heartbeat({ S: 1, M: 3, L: 2, XL: 1 })).status).toBe(401);
    expect((await old.manifest('0')).status).toBe(401);
    expect((await fresh.heartbeat({ S: 2, M: 3, L: 2, XL: 1 })).status).toBe(200);

    // The new PC's manifest from 0: the kiosk as it is, not the old PC's history.
    const m = ManifestResponse.parse((await fresh.manifest('0', 500)).body);
    expect(m.expected.map((e) => e.parcelId)).toEqual([waiting.parcelId]);
    expect(m.placed!.map((e) => [e.barcode, e.compartmentId, e.status, e.returnToSender])).toEqual([
      ['RE-DEP-1', 'A01', 'deposited', false],
      ['RE-RET-1', 'A02', 'expired', true],
    ]);
    expect(m.reissues!.map((e) => e.parcelId).sort()).toEqual([waiting.parcelId, inside.parcelId].sort());
    expect(m.hasMore).toBe(false);

    // The deposited parcel's new code reaches its recipient and matches the new secret's digest; the old code does not.
    await until(() => codesFor('RE-DEP-1').length === 2, 8000, 'the re-issued code e-mail');
    const newCode = codesFor('RE-DEP-1')[1]!;
    const re = m.reissues!.find((e) => e.parcelId === inside.parcelId)!;
    expect(re.codeDigest).toBe(codeDigest(fresh.secret, newCode));
    expect(re.codeDigest).not.toBe(codeDigest(fresh.secret, inside.code));
    expect(codesFor('RE-RET-1')).toHaveLength(1); // marked for return: no new code
    expect(codesFor('RE-EXP-1')).toHaveLength(0); // expected: its (new) code goes at deposit

    // The expected parcel, deposited by the new PC, is announced with its NEW code.
    expect((await fresh.events([deposited(waiting.parcelId, waiting.barcode, 'A04')])).status).toBe(200);
    await until(() => codesFor('RE-EXP-1').length === 1, 8000, 'the expected parcel’s code e-mail');
    const sent = codesFor('RE-EXP-1')[0]!;
    expect(codeDigest(fresh.secret, sent)).toBe(m.reissues!.find((e) => e.parcelId === waiting.parcelId)!.codeDigest);

    // One-time, audited.
    expect((await enrollWith(t.body.enrollmentToken as string)).status).toBe(401);
    const audit = (await admin.get('/console/api/audit?limit=50')).body.entries as Array<{ action: string; target: string; outcome: string }>;
    expect(audit.filter((e) => e.action === 'kiosk.replace' && e.target === old.id).map((e) => e.outcome)).toEqual(['ok']);
  });

  it('is an admin action: an operator is refused (and audited), an unknown kiosk is 404, no token without CSRF', async () => {
    const k = await TestKiosk.enroll(s.server);
    const op = await operator(s.server, 'operator');
    expect((await op.send('POST', `/console/api/kiosks/${k.id}/reenrollment-token`, {})).status).toBe(403);
    expect((await admin.send('POST', `/console/api/kiosks/${k.id}/reenrollment-token`, {}, { csrf: false })).status).toBe(403);
    expect((await admin.send('POST', '/console/api/kiosks/K-doesnotexist00/reenrollment-token', {})).status).toBe(404);
    expect((await admin.send('POST', `/console/api/kiosks/${k.id}/reenrollment-token`, { ttlHours: 0 })).status).toBe(400);
    const tokens = await s.server.query<{ n: number }>('SELECT COUNT(*) AS n FROM enrollment_tokens WHERE reenroll_kiosk_id = ?', [k.id]);
    expect(Number(tokens[0]!.n)).toBe(0);
    // The old kiosk keeps working while no token was used.
    expect((await k.heartbeat({ S: 4, M: 3, L: 2, XL: 1 })).status).toBe(200);
  });
});

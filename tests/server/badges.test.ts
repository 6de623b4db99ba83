import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateBadgeKeyPair, publicKeyPem, publicKeyRawBase64, signBadge } from '../../src-server/auth/badges';
import { verifyBadge } from '../../src-common/badge-verify';
import { BadgeResponse, ManifestResponse } from '../../src-shared/sync-protocol';
import { admin, startTestServer, TestKiosk, type Started } from './helpers';

describe('badge tokens (pure)', () => {
  const keys = generateBadgeKeyPair();
  const now = Date.UTC(2025, 0, 1);
  const claims = { bid: 'b_abcdefgh1234', role: 'driver' as const, name: 'Dana', exp: now / 1000 + 3600 };
  const token = signBadge(claims, keys.privateKey);

  it('verifies with the PEM, the raw key, or a KeyObject', () => {
    expect(token).toMatch(/^LKB1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    for (const key of [publicKeyPem(keys.publicKey), publicKeyRawBase64(keys.publicKey), keys.publicKey]) {
      expect(verifyBadge(token, key, now)).toEqual({ ok: true, claims });
    }
  });

  it('says expired, revoked or invalid', () => {
    expect(verifyBadge(token, keys.publicKey, now + 3600_000)).toEqual({ ok: false, reason: 'expired' });
    expect(verifyBadge(token, keys.publicKey, now, ['b_abcdefgh1234'])).toEqual({ ok: false, reason: 'revoked' });
    expect(verifyBadge(token, keys.publicKey, now, new Set(['b_abcdefgh1234']))).toEqual({ ok: false, reason: 'revoked' });
    const other = generateKeyPairSync('ed25519');
    expect(verifyBadge(token, other.publicKey, now)).toEqual({ ok: false, reason: 'invalid' });
    const [p, payload, sig] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ ...claims, role: 'technician' })).toString('base64url');
    expect(verifyBadge(`${p}.${forged}.${sig}`, keys.publicKey, now)).toEqual({ ok: false, reason: 'invalid' });
    expect(verifyBadge(`LKB2.${payload}.${sig}`, keys.publicKey, now)).toEqual({ ok: false, reason: 'invalid' });
    for (const junk of ['', 'LKB1', 'LKB1..', 'LKB1.a.b', 'x'.repeat(5000), 'LKB1.!!.??']) {
      expect(verifyBadge(junk, keys.publicKey, now)).toEqual({ ok: false, reason: 'invalid' });
    }
    // A validly signed payload with the wrong shape is invalid, not a crash.
    const weird = signBadge({ ...claims, role: 'admin' as never }, keys.privateKey);
    expect(verifyBadge(weird, keys.publicKey, now)).toEqual({ ok: false, reason: 'invalid' });
  });
});

describe('badges on the server', () => {
  let s: Started;
  beforeAll(async () => {
    s = await startTestServer();
  });
  afterAll(() => s.stop());

  it('issues a badge the kiosk verifies with its enrollment key; revocation reaches the manifest', async () => {
    const k = await TestKiosk.enroll(s.server);
    const r = await admin(s.server, 'POST', '/v1/badges', { role: 'technician', name: 'Tess', ttlHours: 8 });
    expect(r.status).toBe(201);
    const badge = BadgeResponse.parse(r.body);
    const v = verifyBadge(badge.token, k.creds.badgePublicKey, Date.now());
    expect(v).toMatchObject({ ok: true, claims: { bid: badge.badgeId, role: 'technician', name: 'Tess' } });
    expect(verifyBadge(badge.token, k.creds.badgePublicKey, Date.now() + 9 * 3600_000)).toEqual({ ok: false, reason: 'expired' });

    expect((await admin(s.server, 'POST', `/v1/badges/${badge.badgeId}/revoke`)).status).toBe(200);
    expect((await admin(s.server, 'POST', `/v1/badges/${badge.badgeId}/revoke`)).status).toBe(200); // idempotent
    const m = ManifestResponse.parse((await k.manifest()).body);
    expect(m.revokedBadgeIds).toEqual([badge.badgeId]);
    expect(verifyBadge(badge.token, k.creds.badgePublicKey, Date.now(), m.revokedBadgeIds)).toEqual({ ok: false, reason: 'revoked' });
    // A kiosk enrolled later still learns of it from cursor 0.
    const late = await TestKiosk.enroll(s.server);
    expect(ManifestResponse.parse((await late.manifest()).body).revokedBadgeIds).toEqual([badge.badgeId]);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { STARTS_NEW } from '../../src-main/api/door-calls';
import { setLogSink } from '../../src-main/log';
import { storeHealth } from '../../src-main/store/store-health';
import { api, CALL_NAMES } from '../../src-shared/api';
import { fillStore } from './fill-store';
import { badge, depositParcel, makeKiosk, waitFor, type TestKiosk } from './harness';

/**
 * Red-team finding 5, disk-full gaps, on a real SQLITE_FULL: (a) a technician can sign in while the store is full (the
 * sign-in's audit entry is held in memory and written once space returns); (b) every call that starts a door
 * operation, `pickupSubmitQr` included, is refused up front, from one list no new call can miss; (c) store-failure
 * log lines carry the error code as `errorCode` (a field named `code` is redacted: it is how pickup codes are kept
 * out of logs).
 */
let k: TestKiosk;
afterEach(async () => {
  setLogSink((line) => process.stderr.write(line + '\n'), 'warn');
  await k?.close();
});

describe('disk full: staff, every new door, honest logs', () => {
  it('a technician badge signs in on a full disk; the audit entry is written (deferred, with its own time) once space returns', async () => {
    k = await makeKiosk();
    const health = storeHealth(k.ctx.db);
    health.probeIntervalMs = 20;
    fillStore(k);
    // A write meets the full disk: the store turns degraded (store-health.ts).
    expect((await k.call('pickupReportProblem', { kind: 'other' })).error?.code).toBe('STORE_FULL');
    expect(health.status).toBe('full');
    const signedInAt = k.clock.now();
    const tech = await k.call('authBadge', { badge: badge('technician', { now: k.clock.now() }) });
    expect(tech.ok).toBe(true);
    expect((await k.call('maintenanceOverview', { sessionId: tech.value.sessionId })).ok).toBe(true);
    expect(k.services.repos.audit.recent(5).some((e) => e.action === 'auth.session_started')).toBe(false);
    k.clock.advance(1_000);
    k.ctx.db.pragma('max_page_count = 1000000000');
    k.ctx.db.exec('DROP TABLE test_filler');
    const entry = await waitFor(() => k.services.repos.audit.recent(20).find((e) => e.action === 'auth.session_started'), 5000, 'the held audit entry');
    expect(entry.actor).toBe('technician:b_tech00001');
    expect(entry.at).toBe(signedInAt);
    expect(JSON.parse(entry.detail)).toMatchObject({ via: 'badge', deferred: true });
    expect(k.services.repos.audit.verify().ok).toBe(true);
  });

  it('every call that starts a door operation is refused up front on a full disk, the QR included, and no door moves', async () => {
    k = await makeKiosk();
    const p = depositParcel(k, 'A02', { code: '242424' });
    fillStore(k);
    expect((await k.call('pickupReportProblem', { kind: 'other' })).error?.code).toBe('STORE_FULL');
    const unlocks = k.sim.received.unlock;
    expect(STARTS_NEW.has('pickupSubmitQr')).toBe(true);
    const qr = await k.call('pickupSubmitQr', { token: p.qrToken });
    expect(qr.error?.code).toBe('STORE_FULL');
    expect(k.sim.received.unlock).toBe(unlocks);
    // The list is derived from one classification of every call (a mapped type: a new call must be classified).
    expect([...STARTS_NEW].sort()).toEqual(
      [
        'collectionOpen',
        'dropoffDoesntFit',
        'dropoffDoorDidntOpen',
        'dropoffScan',
        'maintenanceOpenDoor',
        'pickupOpenNext',
        'pickupSubmitCode',
        'pickupSubmitQr',
        'sendDoesntFit',
        'sendSubmitCode',
        'sendSubmitQr',
      ].sort(),
    );
    for (const name of STARTS_NEW) expect(CALL_NAMES).toContain(name);
    expect(Object.keys(api)).toEqual(expect.arrayContaining([...STARTS_NEW]));
  });

  it('store-failure log lines say errorCode: STORE_FULL, not "[redacted]"; a field named code is still redacted', async () => {
    k = await makeKiosk();
    const lines: string[] = [];
    setLogSink((line) => lines.push(line), 'debug');
    fillStore(k);
    expect((await k.call('authPin', { pin: '246810' })).ok).toBe(true); // a staff call that writes, held in memory
    expect((await k.call('pickupReportProblem', { kind: 'other' })).error?.code).toBe('STORE_FULL');
    const failure = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === 'store failure');
    expect(failure).toMatchObject({ call: 'pickupReportProblem', errorCode: 'STORE_FULL' });
    expect(lines.join('\n')).not.toContain('[redacted]');
    k.ctx.log.warn('probe', { code: '123456' });
    expect(lines.at(-1)).toContain('"code":"[redacted]"');
  });
});

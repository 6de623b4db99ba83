import { afterEach, describe, expect, it } from 'vitest';
import { kioskHandlers } from '../../src-main/api/kiosk-handlers';
import { storeHealth } from '../../src-main/store/store-health';
import { badge, depositParcel, makeKiosk, waitFor, type TestKiosk } from './harness';

/**
 * Issue 14, the disk stays bounded: a kiosk whose disk fills up found out only when SQLite said SQLITE_FULL, i.e. with
 * the disk already full. Now free space under the reserve (`disk.reserveMiB`) is the same state and event as a full
 * store (ADR 0007: `store` {status: full}, new pickups and drop-offs refused with STORE_FULL) BEFORE the disk is full,
 * the technician's alarm list gets `disk_low` (once per spell), and the heartbeat says `disk.low` (tests/sync/disk-low).
 * The reserve is raised above this machine's free space to make the disk "low" (a real statfs of the data dir).
 */
let k: TestKiosk;
afterEach(async () => k?.close());

const ALL_OF_IT = 1_048_576; // MiB: 1 TiB, more than this test machine has free

describe('low disk', () => {
  it('under the reserve: new pickups refused, the technician alarmed once, the fleet told; back by itself when space returns', async () => {
    k = await makeKiosk();
    const health = storeHealth(k.ctx.db);
    health.probeIntervalMs = 20; // the production interval is 5 s; the behaviour is the same
    depositParcel(k, 'A02', { code: '424242' });
    const first = await k.services.disk.tick();
    expect(first.disk.low).toBe(false);
    expect(first.disk.freeBytes).toBeGreaterThan(0);
    expect(first.disk.dataDirBytes).toBeGreaterThanOrEqual(first.disk.dbBytes);

    k.ctx.config.disk.reserveMiB = ALL_OF_IT;
    const low = await k.services.disk.tick();
    expect(low.disk.low).toBe(true);
    expect(health.status).toBe('full');
    expect(k.events).toContainEqual({ event: 'store', payload: { status: 'full' } });
    expect((await kioskHandlers.kioskInfo({}, k.ctx)).store).toBe('full');
    // The disk is not full: the refusal comes first, with the code the screen explains, and no door opens.
    const refused = await k.call('pickupSubmitCode', { code: '424242' });
    expect(refused.error?.code).toBe('STORE_FULL');
    expect(k.sim.door('A02').open).toBe(false);

    // The technician's alarm list: one disk_low, however many ticks see the disk low.
    await k.services.disk.tick();
    const session = await k.call('authBadge', { badge: badge('technician', { now: k.clock.now() }) });
    expect(session.ok).toBe(true);
    const overview = await k.call('maintenanceOverview', { sessionId: session.value.sessionId });
    expect(overview.ok).toBe(true);
    const alarms = (overview.value.alarms as Array<{ kind: string; compartmentId: string | null }>).filter((a) => a.kind === 'disk_low');
    expect(alarms).toEqual([expect.objectContaining({ kind: 'disk_low', compartmentId: null })]);
    expect(k.services.repos.audit.recent(20).filter((e) => e.action === 'disk.low')).toHaveLength(1);
    // What the heartbeat carries to the fleet.
    expect(k.services.disk.status()).toMatchObject({ low: true, reserveBytes: ALL_OF_IT * 1024 * 1024 });

    // Space returns (here: the reserve is lowered): the probe brings the store back, and the next customer is served.
    k.ctx.config.disk.reserveMiB = 1;
    await waitFor(() => health.status === 'ok', 5000, 'store back');
    expect(k.events).toContainEqual({ event: 'store', payload: { status: 'ok' } });
    const served = await k.call('pickupSubmitCode', { code: '424242' });
    expect(served.ok).toBe(true);
    expect((await k.services.disk.tick()).disk.low).toBe(false);
  });
});

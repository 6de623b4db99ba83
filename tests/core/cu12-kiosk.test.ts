import { afterEach, describe, expect, it } from 'vitest';
import { hardwareStatus } from '../../src-main/api/kiosk-handlers';
import { bridgeDoorEvents } from '../../src-main/door-events';
import { depositParcel, makeKiosk, waitFor, waitOp, type TestKiosk } from './harness';

/**
 * The whole kiosk core on Kerong CU12 boards (the in-process CU12 simulator behind the real Cu12Driver): the flows
 * work, and the door-truth rules (ADR 0009) hold on a board that sees doors but not items (ADR 0022).
 */
let k: TestKiosk | null = null;
afterEach(async () => {
  await k?.close();
  k = null;
});

const cu12 = { board: { family: 'cu12' } };

describe('a kiosk on CU12 boards', () => {
  it('runs the CU12 layout with item presence unknown, and a pickup opens, closes and consumes the code', async () => {
    k = await makeKiosk({ config: cu12 });
    expect(k.ctx.config.board).toEqual({ family: 'cu12', transport: 'simulator' });
    expect(k.ctx.layout.compartments.every((c) => c.lock < 12)).toBe(true);
    const p = depositParcel(k, 'A12', { code: '121212' }); // board 0, lock 11
    expect(k.ctx.doors.compartment('A12').item).toBeNull(); // the simulated parcel is inside, but no sensor says so
    const r = await k.call('pickupSubmitCode', { code: '121212' });
    expect(r.ok).toBe(true);
    await waitOp(k, r.value.operationId, ['opened']);
    expect(k.sim.door('A12').open).toBe(true);
    k.sim.removeItem('A12');
    k.sim.closeDoor('A12');
    await waitOp(k, r.value.operationId, ['closed']);
    expect(k.services.repos.parcels.get(p.id)!.status).toBe('picked_up');
    expect(k.services.repos.parcels.get(p.id)!.codeDigest).toBeNull();
    expect(hardwareStatus(k.ctx)).toMatchObject({ protocol: 'simulator', family: 'cu12', boardsOnline: 2, boardsTotal: 2 });
  });

  it('a lock that stays shut while watched is a sighted jam: alarm, out of service', async () => {
    k = await makeKiosk({ config: cu12, jamMs: 150 });
    const stopBridge = bridgeDoorEvents(k.ctx);
    try {
      depositParcel(k, 'A03', { code: '131313' });
      k.sim.jam('A03');
      const r = await k.call('pickupSubmitCode', { code: '131313' });
      await waitOp(k, r.value.operationId, ['failed'], 10_000);
      await waitFor(() => k!.services.repos.alarms.unacknowledged().find((a) => a.kind === 'jammed'), 3000, 'jam alarm');
      expect(k.services.repos.compartments.get('A03')!.inService).toBe(false);
    } finally {
      stopBridge();
    }
  });

  it('a board unreadable across the deadline gives a blind verdict: with no item sensor nothing is claimed, the code still works, no alarm', async () => {
    k = await makeKiosk({ config: cu12, jamMs: 150 });
    const stopBridge = bridgeDoorEvents(k.ctx);
    try {
      const p = depositParcel(k, 'A01', { code: '141414' });
      k.sim.setFaults(0, { silent: true });
      const r = await k.call('pickupSubmitCode', { code: '141414' });
      expect(r.ok).toBe(true);
      await waitFor(() => k!.ctx.doors.boards().find((b) => b.board === 0)?.online === false, 10_000, 'board 0 given up on');
      // Opened, emptied and shut while nobody could see: a CU16 would tell from its IR; a CU12 cannot.
      await waitFor(() => k!.sim.door('A01').open, 3000, 'the unlock frame at the board'); // it still obeys, unheard
      k.sim.removeItem('A01');
      k.sim.closeDoor('A01');
      k.sim.setFaults(0, { silent: false });
      const done = await waitOp(k, r.value.operationId, ['closed', 'failed'], 10_000);
      expect(done.state).toBe('failed');
      // Not "picked up" on a guess, not a jam either: in service, no alarm, and the code still opens the door.
      expect(k.services.repos.parcels.get(p.id)!.status).toBe('deposited');
      expect(k.services.repos.compartments.get('A01')!.inService).toBe(true);
      expect(k.services.repos.alarms.unacknowledged().filter((a) => a.kind === 'jammed')).toHaveLength(0);
      const again = await k.call('pickupSubmitCode', { code: '141414' });
      expect(again.ok).toBe(true);
      await waitOp(k, again.value.operationId, ['opened']);
    } finally {
      stopBridge();
    }
  });
});

import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { maintenanceMachine, type CompartmentView, type Overview } from '../../src-renderer/flows/maintenance.machine';
import { apiError, fake, flush, session } from './helpers';

const cell = (id: string, over: Partial<CompartmentView> = {}): CompartmentView => ({
  id, size: 'M', column: 0, row: 0, heightCm: 50, board: 0, lock: 1, inService: true, status: 'free', door: 'closed', item: false, parcelBarcode: null, ...over,
});

function start() {
  const overview: Overview = {
    compartments: [cell('A01'), cell('A02', { row: 1 })],
    boards: [{ board: 0, online: true, lockBits: '00 00', irBits: '00 00', framesSent: 10, framesBad: 0, timeouts: 0 }],
    lockBitMeansClosed: true,
  };
  const loadOverview = fake(() => structuredClone(overview));
  const openDoor = fake(() => ({ operationId: 'op-00000011' }));
  const setService = fake((i: { compartmentId: string; inService: boolean }) => {
    const c = overview.compartments.find((x) => x.id === i.compartmentId)!;
    c.inService = i.inService;
    c.status = i.inService ? 'free' : 'out_of_service';
    return c;
  });
  const selfTest = fake(() => ({ boards: [{ board: 0, ok: true, detail: 'ok' }] }));
  const sync = fake(() => ({ status: 'online' as const, lastSyncAt: null, outboxDepth: 3, lastError: null }));
  const loadAudit = fake(() => ({ entries: [], chain: { ok: true, checked: 12, brokenAt: null } }));
  const simDoor = fake(() => ({ compartmentId: 'A01', door: 'closed', item: false }));
  const actor = createActor(
    maintenanceMachine.provide({
      actors: { loadOverview: loadOverview.actor, openDoor: openDoor.actor, setService: setService.actor, selfTest: selfTest.actor, sync: sync.actor, loadAudit: loadAudit.actor, simDoor: simDoor.actor },
      actions: { reportDoors: () => undefined },
    }),
    { input: { session: session('technician') } },
  ).start();
  return { actor, overview, loadOverview, openDoor, setService, selfTest, sync, loadAudit, simDoor };
}

describe('maintenance machine', () => {
  it('loads the grid, and refuses to open a door without a reason', async () => {
    const t = start();
    await flush();
    expect(t.actor.getSnapshot().context.overview?.compartments).toHaveLength(2);
    t.actor.send({ type: 'OPEN_DOOR', compartmentId: 'A01', reason: '  ' });
    await flush();
    expect(t.openDoor.calls).toHaveLength(0);
    t.actor.send({ type: 'OPEN_DOOR', compartmentId: 'A01', reason: ' Inspection ' });
    await flush();
    expect(t.openDoor.calls).toEqual([{ sessionId: session().sessionId, compartmentId: 'A01', reason: 'Inspection' }]);
    expect(t.loadOverview.calls).toHaveLength(2);
  });

  it('out of service and back, with the grid re-read after each', async () => {
    const t = start();
    await flush();
    t.actor.send({ type: 'SET_SERVICE', compartmentId: 'A02', inService: false, reason: 'Repair' });
    await flush();
    expect(t.actor.getSnapshot().context.overview?.compartments.find((c) => c.id === 'A02')?.status).toBe('out_of_service');
    t.actor.send({ type: 'SET_SERVICE', compartmentId: 'A02', inService: true, reason: 'Repair' });
    await flush();
    expect(t.actor.getSnapshot().context.overview?.compartments.find((c) => c.id === 'A02')?.status).toBe('free');
  });

  it('demo simulator: each action goes to simDoor for that compartment and the grid is re-read', async () => {
    const t = start();
    await flush();
    t.actor.send({ type: 'SIMULATE', compartmentId: 'A02', action: 'close' });
    expect(t.actor.getSnapshot().hasTag('busy')).toBe(true);
    await flush();
    t.actor.send({ type: 'SIMULATE', compartmentId: 'A02', action: 'jam' });
    await flush();
    expect(t.simDoor.calls).toEqual([
      { compartmentId: 'A02', action: 'close' },
      { compartmentId: 'A02', action: 'jam' },
    ]);
    expect(t.loadOverview.calls).toHaveLength(3);
    expect(t.actor.getSnapshot().matches('ready')).toBe(true);
  });

  it('self-test, sync and audit keep their results; errors come back to ready', async () => {
    const t = start();
    await flush();
    t.actor.send({ type: 'SELF_TEST' });
    await flush();
    t.actor.send({ type: 'SYNC' });
    await flush();
    t.actor.send({ type: 'AUDIT' });
    await flush();
    const ctx = t.actor.getSnapshot().context;
    expect(ctx.selfTest?.boards[0]?.ok).toBe(true);
    expect(ctx.sync?.outboxDepth).toBe(3);
    expect(ctx.audit?.chain.checked).toBe(12);

    const failing = createActor(
      maintenanceMachine.provide({
        actors: { loadOverview: fake(() => apiError('HARDWARE_OFFLINE')).actor },
        actions: { reportDoors: () => undefined },
      }),
      { input: { session: session('technician') } },
    ).start();
    await flush();
    expect(failing.getSnapshot().matches('ready')).toBe(true);
    expect(failing.getSnapshot().context.error?.code).toBe('HARDWARE_OFFLINE');
    failing.send({ type: 'EXIT' });
    expect(failing.getSnapshot().status).toBe('done');
  });
});

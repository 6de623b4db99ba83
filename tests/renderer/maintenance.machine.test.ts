import { describe, expect, it } from 'vitest';
import { createActor, SimulatedClock } from 'xstate';
import { BOARDS_POLL_MS, maintenanceMachine, type CompartmentView, type Overview, type Resolved } from '../../src-renderer/flows/maintenance.machine';
import { apiError, fake, flush, session } from './helpers';

const cell = (id: string, over: Partial<CompartmentView> = {}): CompartmentView => ({
  id, size: 'M', column: 0, row: 0, heightCm: 50, board: 0, lock: 1, inService: true, status: 'free', door: 'closed', item: false, parcelBarcode: null, ...over,
});

function start(clock?: SimulatedClock) {
  const overview: Overview = {
    compartments: [cell('A01'), cell('A02', { row: 1 })],
    boards: [{ board: 0, online: true, lockBits: '00 00', irBits: '00 00', framesSent: 10, framesBad: 0, timeouts: 0 }],
    lockBitMeansClosed: true,
    alarms: [{ id: 7, at: '2026-11-22T12:00:00.000Z', kind: 'door_left_open', compartmentId: 'A01' }],
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
  const resolveOperation = fake((i: { compartmentId: string }): Resolved => {
    const c = overview.compartments.find((x) => x.id === i.compartmentId)!;
    c.operation = null;
    c.inService = false;
    c.status = 'out_of_service';
    return { operation: { operationId: 'op-00000042', compartmentId: c.id, state: 'failed', outcome: 'cancelled', reference: 'R-ABC234' }, resolution: 'failed', door: 'open', compartment: c };
  });
  const acknowledgeAlarms = fake((i: { ids: number[] }) => {
    overview.alarms = overview.alarms.filter((a) => !i.ids.includes(a.id));
    return { acknowledged: i.ids.length };
  });
  const actor = createActor(
    maintenanceMachine.provide({
      actors: { loadOverview: loadOverview.actor, openDoor: openDoor.actor, setService: setService.actor, selfTest: selfTest.actor, sync: sync.actor, loadAudit: loadAudit.actor, simDoor: simDoor.actor, resolveOperation: resolveOperation.actor, acknowledgeAlarms: acknowledgeAlarms.actor },
      actions: { reportDoors: () => undefined },
    }),
    { input: { session: session('technician') }, ...(clock ? { clock } : {}) },
  ).start();
  return { actor, overview, loadOverview, openDoor, setService, selfTest, sync, loadAudit, simDoor, resolveOperation, acknowledgeAlarms };
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
    // "Sync now" forces a sync.
    expect(t.sync.calls).toEqual([{ sessionId: session().sessionId, force: true }]);

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

  it('resolve: needs a reason, calls the API for that compartment, keeps the answer and re-reads the grid', async () => {
    const t = start();
    t.overview.compartments[0]!.operation = { operationId: 'op-00000042', purpose: 'pickup', state: 'opened', since: '2026-11-22T11:00:00.000Z', openedAt: '2026-11-22T11:00:01.000Z', parcelBarcode: 'BC-000001' };
    t.overview.compartments[0]!.status = 'occupied';
    await flush();
    t.actor.send({ type: 'REFRESH' });
    await flush();
    expect(t.actor.getSnapshot().context.overview?.compartments[0]?.operation?.purpose).toBe('pickup');
    t.actor.send({ type: 'SELECT', compartmentId: 'A01' });
    t.actor.send({ type: 'RESOLVE', compartmentId: 'A01', reason: ' ' });
    await flush();
    expect(t.resolveOperation.calls).toHaveLength(0);
    t.actor.send({ type: 'RESOLVE', compartmentId: 'A01', reason: ' Repair ' });
    expect(t.actor.getSnapshot().hasTag('busy')).toBe(true);
    await flush();
    expect(t.resolveOperation.calls).toEqual([{ sessionId: session().sessionId, compartmentId: 'A01', reason: 'Repair' }]);
    const ctx = t.actor.getSnapshot().context;
    expect(ctx.resolved).toMatchObject({ resolution: 'failed', operation: { reference: 'R-ABC234' } });
    expect(ctx.overview?.compartments[0]).toMatchObject({ status: 'out_of_service', operation: null });
    expect(t.loadOverview.calls).toHaveLength(3);
    expect(t.actor.getSnapshot().matches('ready')).toBe(true);
    // Selecting another compartment clears the answer.
    t.actor.send({ type: 'SELECT', compartmentId: 'A02' });
    expect(t.actor.getSnapshot().context.resolved).toBeNull();
  });

  it('resolve refused (nothing in progress any more): the error is shown and the grid re-read', async () => {
    const t = start();
    await flush();
    const actor = createActor(
      maintenanceMachine.provide({
        actors: { loadOverview: t.loadOverview.actor, resolveOperation: fake(() => apiError('INVALID_STATE')).actor },
        actions: { reportDoors: () => undefined },
      }),
      { input: { session: session('technician') } },
    ).start();
    await flush();
    actor.send({ type: 'RESOLVE', compartmentId: 'A01', reason: 'Repair' });
    await flush();
    expect(actor.getSnapshot().context.error?.code).toBe('INVALID_STATE');
    expect(actor.getSnapshot().context.resolved).toBeNull();
    expect(actor.getSnapshot().matches('ready')).toBe(true);
  });

  it('stored alarms come with the overview; acknowledging sends the ids shown and re-reads them', async () => {
    const t = start();
    await flush();
    expect(t.actor.getSnapshot().context.overview?.alarms.map((a) => a.id)).toEqual([7]);
    t.actor.send({ type: 'ACK_ALARMS', ids: [7] });
    await flush();
    expect(t.acknowledgeAlarms.calls).toEqual([{ sessionId: session().sessionId, ids: [7] }]);
    expect(t.actor.getSnapshot().context.overview?.alarms).toEqual([]);
    expect(t.actor.getSnapshot().context.acknowledging).toBeNull();
  });

  it('opening the Audit tab loads the log and the Sync tab reads the state (no sync forced), with no button pressed', async () => {
    const t = start();
    await flush();
    t.actor.send({ type: 'OPEN_TAB', tab: 'audit' });
    expect(t.actor.getSnapshot().context.tab).toBe('audit');
    await flush();
    expect(t.loadAudit.calls).toEqual([{ sessionId: session().sessionId, limit: 100 }]);
    expect(t.actor.getSnapshot().context.audit?.chain.checked).toBe(12);
    t.actor.send({ type: 'OPEN_TAB', tab: 'sync' });
    await flush();
    expect(t.sync.calls).toEqual([{ sessionId: session().sessionId, force: false }]);
    expect(t.actor.getSnapshot().context.sync?.outboxDepth).toBe(3);
    // Refresh stays: AUDIT re-reads the log; the Grid tab loads nothing more than the overview it has.
    t.actor.send({ type: 'OPEN_TAB', tab: 'audit' });
    await flush();
    t.actor.send({ type: 'AUDIT' });
    await flush();
    expect(t.loadAudit.calls).toHaveLength(3);
    t.actor.send({ type: 'OPEN_TAB', tab: 'grid' });
    await flush();
    expect(t.loadOverview.calls).toHaveLength(1);
    expect(t.actor.getSnapshot().matches('ready')).toBe(true);
  });

  it('a tab opened while a command runs is loaded once the command is over', async () => {
    const t = start();
    await flush();
    t.actor.send({ type: 'SELF_TEST' });
    expect(t.actor.getSnapshot().hasTag('busy')).toBe(true);
    t.actor.send({ type: 'OPEN_TAB', tab: 'audit' });
    await flush();
    await flush();
    expect(t.selfTest.calls).toHaveLength(1);
    expect(t.loadAudit.calls).toHaveLength(1);
    expect(t.actor.getSnapshot().context.audit).not.toBeNull();
    // Back from another command on the same tab: the log is not re-read (each read is itself audited).
    t.actor.send({ type: 'REFRESH' });
    await flush();
    expect(t.loadAudit.calls).toHaveLength(1);
  });

  it('the Boards tab re-reads the overview every BOARDS_POLL_MS while open, without a spinner, and stops when left', async () => {
    const clock = new SimulatedClock();
    const t = start(clock);
    await flush();
    expect(t.loadOverview.calls).toHaveLength(1);
    clock.increment(BOARDS_POLL_MS * 3);
    await flush();
    expect(t.loadOverview.calls, 'the Grid tab does not poll').toHaveLength(1);
    t.actor.send({ type: 'OPEN_TAB', tab: 'boards' });
    t.overview.boards[0]!.framesSent = 11;
    clock.increment(BOARDS_POLL_MS);
    expect(t.actor.getSnapshot().hasTag('busy'), 'a live re-read shows no spinner').toBe(false);
    await flush();
    expect(t.loadOverview.calls).toHaveLength(2);
    expect(t.actor.getSnapshot().context.overview?.boards[0]?.framesSent).toBe(11);
    clock.increment(BOARDS_POLL_MS);
    await flush();
    expect(t.loadOverview.calls).toHaveLength(3);
    // Commands are still accepted between re-reads.
    t.actor.send({ type: 'SELF_TEST' });
    await flush();
    expect(t.selfTest.calls).toHaveLength(1);
    t.actor.send({ type: 'OPEN_TAB', tab: 'grid' });
    const calls = t.loadOverview.calls.length;
    clock.increment(BOARDS_POLL_MS * 5);
    await flush();
    expect(t.loadOverview.calls).toHaveLength(calls);
  });
});

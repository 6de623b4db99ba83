import { describe, expect, it } from 'vitest';
import { createActor, createMachine, fromPromise, SimulatedClock } from 'xstate';
import { appMachine, DOOR_REMINDER_MS, HOME_IDLE_MS, IDLE_GRACE_MS, IDLE_TIMEOUT_MS } from '../../src-renderer/flows/app.machine';
import { pickupMachine } from '../../src-renderer/flows/pickup.machine';
import { apiError, fake, flush, session, where } from './helpers';

/** A stand-in flow: ends when told, with the given output. */
const fakeFlow = (output: unknown = {}) =>
  createMachine({ initial: 'on', states: { on: { on: { FINISH: 'off' } }, off: { type: 'final' } }, output: () => output });

function start(opts: { role?: 'driver' | 'technician'; auth?: Parameters<typeof fake>[0]; dropoffOutput?: unknown; pickupOutput?: unknown } = {}) {
  const clock = new SimulatedClock();
  const auth = fake(opts.auth ?? (() => session(opts.role ?? 'driver')));
  const end = fake(() => ({ ended: true }));
  let visitsEnded = 0;
  const machine = appMachine.provide({
    actions: { visitEnded: () => void visitsEnded++ },
    actors: {
      authenticate: auth.actor as never,
      endSession: end.actor as never,
      pickupFlow: fakeFlow(opts.pickupOutput ?? { completed: true }) as never,
      dropoffFlow: fakeFlow(opts.dropoffOutput ?? { next: 'end' }) as never,
      collectionFlow: fakeFlow() as never,
      maintenanceFlow: fakeFlow() as never,
    },
  });
  const actor = createActor(machine, { clock }).start();
  return { actor, clock, auth, end, visits: () => visitsEnded };
}

describe('app machine', () => {
  it('attract → home on a touch; home left alone goes back to attract and resets the view', () => {
    const { actor, clock, visits } = start();
    expect(actor.getSnapshot().matches('attract')).toBe(true);
    actor.send({ type: 'TOUCH' });
    expect(actor.getSnapshot().matches('home')).toBe(true);
    clock.increment(HOME_IDLE_MS - 1);
    actor.send({ type: 'ACTIVITY' });
    clock.increment(HOME_IDLE_MS - 1);
    expect(actor.getSnapshot().matches('home')).toBe(true);
    clock.increment(1);
    expect(actor.getSnapshot().matches('attract')).toBe(true);
    expect(visits()).toBe(2);
  });

  it('a flow idle for 60 s asks "are you still there?", and 10 s later ends the visit (attract, view reset)', () => {
    const { actor, clock, visits } = start();
    actor.send({ type: 'START_PICKUP' });
    expect(actor.getSnapshot().matches({ flow: { screen: 'pickup' } })).toBe(true);
    clock.increment(IDLE_TIMEOUT_MS - 1);
    expect(actor.getSnapshot().hasTag('idle-asking')).toBe(false);
    clock.increment(1);
    expect(actor.getSnapshot().hasTag('idle-asking')).toBe(true);
    clock.increment(IDLE_GRACE_MS);
    expect(actor.getSnapshot().matches('attract')).toBe(true);
    expect(visits()).toBe(2);
  });

  it('activity or "I\'m here" keeps the visit going', () => {
    const { actor, clock } = start();
    actor.send({ type: 'START_PICKUP' });
    clock.increment(IDLE_TIMEOUT_MS - 1000);
    actor.send({ type: 'ACTIVITY' });
    clock.increment(IDLE_TIMEOUT_MS - 1000);
    expect(actor.getSnapshot().hasTag('idle-asking')).toBe(false);
    clock.increment(1000);
    expect(actor.getSnapshot().hasTag('idle-asking')).toBe(true);
    actor.send({ type: 'STILL_HERE' });
    clock.increment(IDLE_GRACE_MS);
    expect(actor.getSnapshot().matches({ flow: { screen: 'pickup' } })).toBe(true);
  });

  it('never times out while a door is open: it reminds instead, repeatedly, until the door closes', () => {
    const { actor, clock } = start();
    actor.send({ type: 'START_PICKUP' });
    actor.send({ type: 'DOOR_OPENED' });
    clock.increment(DOOR_REMINDER_MS);
    expect(actor.getSnapshot().hasTag('door-reminder')).toBe(true);
    expect(actor.getSnapshot().context.reminders).toBe(1);
    // Step the clock as time really passes: each reminder schedules the next one.
    for (let i = 0; i < 10; i++) clock.increment(60_000);
    const s = actor.getSnapshot();
    expect(s.matches({ flow: { screen: 'pickup' } })).toBe(true);
    expect(s.hasTag('idle-asking')).toBe(false);
    expect(s.context.reminders).toBeGreaterThan(5);
    actor.send({ type: 'DOOR_CLOSED' });
    expect(actor.getSnapshot().hasTag('door-reminder')).toBe(false);
    clock.increment(IDLE_TIMEOUT_MS);
    expect(actor.getSnapshot().hasTag('idle-asking')).toBe(true);
  });

  it('the real pickup flow reports its open door to the idle timer', async () => {
    const clock = new SimulatedClock();
    const machine = appMachine.provide({
      actors: {
        pickupFlow: pickupMachine.provide({
          actors: { submitCode: fromPromise(async () => ({ operationId: 'op-00000001', where: where() })) as never },
        }) as never,
      },
    });
    const actor = createActor(machine, { clock }).start();
    actor.send({ type: 'SCAN', text: 'LK1:123456' });
    await flush();
    expect(actor.getSnapshot().matches({ flow: { idle: 'doorOpen' } })).toBe(true);
    clock.increment(5 * 60_000);
    expect(actor.getSnapshot().matches({ flow: { screen: 'pickup' } })).toBe(true);
    actor.stop();
  });

  it('a driver badge scanned on home signs in, drop-off → collection → drop-off → done ends the session', async () => {
    const { actor, auth, end } = start({ role: 'driver', dropoffOutput: { next: 'collection' } });
    actor.send({ type: 'TOUCH' });
    actor.send({ type: 'SCAN', text: 'LKB1.header.signature-of-a-badge' });
    expect(actor.getSnapshot().hasTag('busy')).toBe(true);
    await flush();
    expect(auth.calls).toEqual([{ badge: 'LKB1.header.signature-of-a-badge' }]);
    expect(actor.getSnapshot().matches({ flow: { screen: 'dropoff' } })).toBe(true);
    actor.getSnapshot().children.flow!.send({ type: 'FINISH' });
    expect(actor.getSnapshot().matches({ flow: { screen: 'collection' } })).toBe(true);
    actor.getSnapshot().children.flow!.send({ type: 'FINISH' });
    expect(actor.getSnapshot().matches({ flow: { screen: 'dropoff' } })).toBe(true);
    actor.send({ type: 'EXIT' });
    await flush();
    expect(end.calls).toEqual([{ sessionId: session().sessionId }]);
    expect(actor.getSnapshot().matches('attract')).toBe(true);
    expect(actor.getSnapshot().context.session).toBeNull();
  });

  it('a technician PIN opens maintenance; a bad badge shows its error on home', async () => {
    const tech = start({ role: 'technician' });
    tech.actor.send({ type: 'TOUCH' });
    tech.actor.send({ type: 'STAFF_PIN' });
    tech.actor.send({ type: 'PIN_SUBMIT', pin: '2468' });
    await flush();
    expect(tech.auth.calls).toEqual([{ pin: '2468' }]);
    expect(tech.actor.getSnapshot().matches({ flow: { screen: 'maintenance' } })).toBe(true);

    const bad = start({ auth: () => apiError('BADGE_REVOKED') });
    bad.actor.send({ type: 'TOUCH' });
    bad.actor.send({ type: 'SCAN', text: 'LKB1.revoked.badge-token' });
    await flush();
    expect(bad.actor.getSnapshot().matches('home')).toBe(true);
    expect(bad.actor.getSnapshot().context.authError?.code).toBe('BADGE_REVOKED');
  });

  it('Back inside a pickup keeps the visit (home, view kept); a completed pickup ends it (attract, view reset)', () => {
    const back = start({ pickupOutput: { completed: false } });
    back.actor.send({ type: 'TOUCH' });
    back.actor.send({ type: 'START_PICKUP' });
    back.actor.getSnapshot().children.flow!.send({ type: 'FINISH' });
    expect(back.actor.getSnapshot().matches('home')).toBe(true);
    expect(back.visits()).toBe(1); // only the start-up attract

    const done = start({ pickupOutput: { completed: true } });
    done.actor.send({ type: 'TOUCH' });
    done.actor.send({ type: 'START_PICKUP' });
    done.actor.getSnapshot().children.flow!.send({ type: 'FINISH' });
    expect(done.actor.getSnapshot().matches('attract')).toBe(true);
    expect(done.visits()).toBe(2);
  });

  it('a pickup QR scanned on home starts the pickup with that code', () => {
    const { actor } = start();
    actor.send({ type: 'TOUCH' });
    actor.send({ type: 'SCAN', text: 'LK1:112233' });
    expect(actor.getSnapshot().matches({ flow: { screen: 'pickup' } })).toBe(true);
    expect(actor.getSnapshot().context.initialCode).toBe('LK1:112233');
  });
});

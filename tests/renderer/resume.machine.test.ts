import { describe, expect, it } from 'vitest';
import { createActor, createMachine, fromCallback } from 'xstate';
import type { OperationInProgress } from '../../src-shared/api/kiosk';
import { appMachine, type InProgressEvent } from '../../src-renderer/flows/app.machine';
import { fake, session } from './helpers';

const idleFlow = () => createMachine({ initial: 'on', states: { on: {} } });
const open = (compartmentId: string, purpose: OperationInProgress['purpose'] = 'dropoff'): OperationInProgress => ({ purpose, compartmentId, state: 'opened' });

/** The app machine with a `followInProgress` the test drives by hand (as main's answers would). */
function start() {
  let follow: ((e: InProgressEvent) => void) | null = null;
  const auth = fake(() => session('driver'));
  const machine = appMachine.provide({
    actors: {
      authenticate: auth.actor,
      endSession: fake(() => ({ ended: true })).actor,
      pickupFlow: idleFlow() as never,
      dropoffFlow: idleFlow() as never,
      collectionFlow: idleFlow() as never,
      maintenanceFlow: idleFlow() as never,
      followInProgress: fromCallback<InProgressEvent>(({ sendBack }) => {
        follow = sendBack;
        return () => (follow = null);
      }),
    },
  });
  const actor = createActor(machine).start();
  return { actor, auth, main: (ops: OperationInProgress[]) => follow?.({ type: 'IN_PROGRESS', operations: ops }), following: () => follow !== null };
}

describe('resume after a reload (issue 10 §1)', () => {
  it('a page loading with a delivery door open shows "close door A01" and holds no staff session', () => {
    const { actor, following } = start();
    actor.send({ type: 'IN_PROGRESS', operations: [open('A01')] });
    const s = actor.getSnapshot();
    expect(s.matches('resume')).toBe(true);
    expect(s.context.resume).toEqual(open('A01'));
    expect(s.context.session).toBeNull();
    expect(following()).toBe(true);
  });

  it('follows the door until main reports nothing in progress, then attract; no driver screen comes back', () => {
    const { actor, main, following } = start();
    actor.send({ type: 'IN_PROGRESS', operations: [open('A01')] });
    main([open('A01')]);
    expect(actor.getSnapshot().matches('resume')).toBe(true);
    main([]);
    expect(actor.getSnapshot().matches('attract')).toBe(true);
    expect(actor.getSnapshot().context.session).toBeNull();
    expect(following()).toBe(false);
  });

  it('keeps showing the same door while it stays open, then the next one still open', () => {
    const { actor, main } = start();
    actor.send({ type: 'IN_PROGRESS', operations: [open('A01'), open('B02', 'pickup')] });
    main([open('B02', 'pickup'), open('A01')]);
    expect(actor.getSnapshot().context.resume?.compartmentId).toBe('A01');
    main([open('B02', 'pickup')]);
    expect(actor.getSnapshot().context.resume?.compartmentId).toBe('B02');
  });

  it('nothing in progress on load: stays on attract', () => {
    const { actor } = start();
    actor.send({ type: 'IN_PROGRESS', operations: [] });
    expect(actor.getSnapshot().matches('attract')).toBe(true);
  });

  it('a flow on screen ignores the reading (it follows its own operation)', () => {
    const { actor } = start();
    actor.send({ type: 'START_PICKUP' });
    actor.send({ type: 'IN_PROGRESS', operations: [open('A01')] });
    expect(actor.getSnapshot().matches({ flow: { screen: 'pickup' } })).toBe(true);
  });

  it('a fresh badge scan on the resume screen signs the driver in again', async () => {
    const { actor, auth } = start();
    actor.send({ type: 'IN_PROGRESS', operations: [open('A01')] });
    actor.send({ type: 'SCAN', text: 'LKB1.driver.sig' });
    await new Promise((r) => setTimeout(r, 0));
    expect(auth.calls).toEqual([{ badge: 'LKB1.driver.sig' }]);
    expect(actor.getSnapshot().matches({ flow: { screen: 'dropoff' } })).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import { createActor, createMachine, fromCallback } from 'xstate';
import type { KioskBridge } from '../../src-shared/api';
import type { OperationInProgress } from '../../src-shared/api/kiosk';
import { appMachine, type InProgressEvent, type RelinkCheck, type RelinkedEvent } from '../../src-renderer/flows/app.machine';
import { askOnEveryLink } from '../../src-renderer/flows/resume';
import { apiError, fake, flush, session } from './helpers';

const idleFlow = () => createMachine({ initial: 'on', states: { on: {} } });
const open = (compartmentId: string, purpose: OperationInProgress['purpose'] = 'dropoff'): OperationInProgress => ({ purpose, compartmentId, state: 'opened' });

/** The app machine with a driver or technician signed in, and main's answer to the relink check scripted. */
async function signedIn(role: 'driver' | 'technician', check: () => RelinkCheck | ReturnType<typeof apiError>) {
  const checks = fake(check);
  const machine = appMachine.provide({
    actors: {
      authenticate: fake(() => session(role)).actor,
      endSession: fake(() => ({ ended: true })).actor,
      pickupFlow: idleFlow() as never,
      dropoffFlow: idleFlow() as never,
      collectionFlow: idleFlow() as never,
      maintenanceFlow: idleFlow() as never,
      checkRelink: checks.actor,
      followInProgress: fromCallback<InProgressEvent>(() => () => undefined),
    },
  });
  const actor = createActor(machine).start();
  actor.send({ type: 'SCAN', text: 'LKB1.staff.sig' });
  await flush();
  return { actor, checks };
}

// Red-team finding 6 (issue 10): the kiosk restarted under a driver's screen (no reload); the page reconnected and the
// driver screen said "Nothing delivered yet" with a door open, on a session main no longer knew.
describe('after the link to main comes back (a kiosk restart under the page)', () => {
  it('a driver whose session died in the restart, with the door open: "please close door A01", no session', async () => {
    const { actor, checks } = await signedIn('driver', () => ({ sessionAlive: false, operations: [open('A01')] }));
    expect(actor.getSnapshot().matches({ flow: { screen: 'dropoff' } })).toBe(true);
    actor.send({ type: 'RELINKED', operations: [open('A01')] });
    await flush();
    expect(checks.calls).toEqual([{ session: session('driver') }]);
    const s = actor.getSnapshot();
    expect(s.matches('resume')).toBe(true);
    expect(s.context.resume).toEqual(open('A01'));
    expect(s.context.session).toBeNull();
  });

  it('no door open: back to attract with the session ended (a fresh badge scan is needed)', async () => {
    const { actor } = await signedIn('technician', () => ({ sessionAlive: false, operations: [] }));
    expect(actor.getSnapshot().matches({ flow: { screen: 'maintenance' } })).toBe(true);
    actor.send({ type: 'RELINKED', operations: [] });
    await flush();
    expect(actor.getSnapshot().matches('attract')).toBe(true);
    expect(actor.getSnapshot().context.session).toBeNull();
  });

  it('a mere socket blip (the session still stands) leaves the flow as it is', async () => {
    const { actor } = await signedIn('driver', () => ({ sessionAlive: true, operations: [open('A01')] }));
    const flow = actor.getSnapshot().children.flow;
    actor.send({ type: 'RELINKED', operations: [open('A01')] });
    await flush();
    expect(actor.getSnapshot().matches({ flow: { screen: 'dropoff' } })).toBe(true);
    expect(actor.getSnapshot().children.flow).toBe(flow);
    expect(actor.getSnapshot().context.session).not.toBeNull();
  });

  it('no answer to the check (the link went again): the flow stays until the next relink asks again', async () => {
    let n = 0;
    const { actor, checks } = await signedIn('driver', () => (++n === 1 ? apiError('INTERNAL') : { sessionAlive: false, operations: [] }));
    actor.send({ type: 'RELINKED', operations: [] });
    await flush();
    expect(actor.getSnapshot().matches({ flow: { screen: 'dropoff' } })).toBe(true);
    actor.send({ type: 'RELINKED', operations: [] });
    await flush();
    expect(checks.calls).toHaveLength(2);
    expect(actor.getSnapshot().matches('attract')).toBe(true);
  });

  it('on attract, a relink that finds a door open shows it, as a load does', () => {
    const actor = createActor(appMachine.provide({ actors: { followInProgress: fromCallback<InProgressEvent>(() => () => undefined) } })).start();
    actor.send({ type: 'RELINKED', operations: [open('B02', 'maintenance')] });
    expect(actor.getSnapshot().matches('resume')).toBe(true);
    expect(actor.getSnapshot().context.resume?.purpose).toBe('maintenance');
  });

  it('the page tells a load from a relink: IN_PROGRESS on the first link, RELINKED after the link was lost; the drop-off to resume is asked on load only', async () => {
    let feed: (s: 'connecting' | 'open' | 'closed') => void = () => undefined;
    const watch = (fn: typeof feed) => {
      feed = fn;
      fn('open');
      return () => undefined;
    };
    // Each answer at an open door revokes the previous "doesn't fit" token: asked again, it would strand the flow on screen.
    let resumes = 0;
    const kiosk = {
      operationsInProgress: async () => ({ ok: true, value: { operations: [open('A01')] } }),
      sendResume: async () => (resumes++, { ok: true, value: { resume: null } }),
    } as unknown as KioskBridge;
    const sent: Array<InProgressEvent | RelinkedEvent> = [];
    askOnEveryLink(kiosk, (e) => sent.push(e), watch as never);
    await flush();
    feed('closed');
    feed('connecting');
    feed('closed');
    feed('open');
    await flush();
    feed('open');
    await flush();
    expect(sent.map((e) => e.type)).toEqual(['IN_PROGRESS', 'RELINKED', 'IN_PROGRESS']);
    expect(sent.map((e) => 'send' in e)).toEqual([true, false, false]);
    expect(resumes).toBe(1);
  });
});

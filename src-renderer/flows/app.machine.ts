import { assign, fromCallback, sendTo, setup } from 'xstate';
import type { OperationInProgress } from '../../src-shared/api/kiosk';
import { classifyScan } from '../input/scanner';
import { collectionMachine } from './collection.machine';
import { asApiError, notProvided } from './common';
import { dropoffMachine, type DropoffOutput } from './dropoff.machine';
import { lostCodeMachine } from './lostcode.machine';
import { maintenanceMachine } from './maintenance.machine';
import { pickupMachine, type PickupOutput } from './pickup.machine';
import { sendMachine, type SendOutput } from './send.machine';
import { DOOR_REMINDER_MS, HOME_IDLE_MS, IDLE_GRACE_MS, IDLE_TIMEOUT_MS, type AppContext, type AppEvent, type InProgressEvent, type RelinkCheck } from './app-types';
import type { Session } from '../../src-shared/api/staff';

export { DOOR_REMINDER_MS, HOME_IDLE_MS, IDLE_GRACE_MS, IDLE_TIMEOUT_MS } from './app-types';
export type { AppContext, AppEvent, InProgressEvent, RelinkCheck, RelinkedEvent } from './app-types';

/** The open door to show: the one already shown while it is still open (so the screen does not jump), else the oldest. */
function doorToShow(current: OperationInProgress | null, ops: OperationInProgress[]): OperationInProgress | null {
  return ops.find((o) => o.compartmentId === current?.compartmentId) ?? ops[0] ?? null;
}

/**
 * A page that (re)loads with a door open shows "please close door A01" instead of the home screen (issue 10 §1).
 * Only from the start screens: a flow on screen follows its own operation. No staff session is resumed: those
 * live in main and only a badge or PIN yields one, so the next parcel needs a fresh scan.
 */
const resumeIfDoorOpen = { guard: 'a door is in progress', target: '#app.resume', actions: 'show the open door' } as const;
/** First, though: the sender's drop-off this page was on continues in the send flow at its step (issue 13). */
const resumeTheSend = { guard: 'a send to resume', target: '#app.flow.screen.send', actions: 'take the send over' } as const;
const onLink = [resumeTheSend, resumeIfDoorOpen];

/** A flow that ended by itself: a pickup says whether the visit is over; staff flows always end it. */
const flowDone = { target: '#app.signingOut', actions: 'flow ended the visit' } as const;
const visitOver = { target: '#app.signingOut', actions: 'visit over' } as const;

/**
 * The kiosk's top level: attract → home → one flow → home. It owns what is common to every flow: who is signed in,
 * the idle question, and the open-door reminder. Flows are child machines invoked as `flow`; they report doors
 * opening and closing with DOOR_OPENED / DOOR_CLOSED so the idle timer never ends a visit with a door open.
 */
export const appMachine = setup({
  types: {} as { context: AppContext; events: AppEvent },
  actors: {
    authenticate: notProvided<Session, { badge: string } | { pin: string }>('authenticate'),
    endSession: notProvided<unknown, { sessionId: string }>('endSession'),
    pinStatus: notProvided<{ paused: boolean; until: string | null }, Record<string, never>>('pinStatus'),
    pickupFlow: pickupMachine,
    dropoffFlow: dropoffMachine,
    collectionFlow: collectionMachine,
    maintenanceFlow: maintenanceMachine,
    sendFlow: sendMachine,
    lostCodeFlow: lostCodeMachine,
    /** After a relink in a staff flow: does the session still stand (a restart ended it), and which doors are open. */
    checkRelink: notProvided<RelinkCheck, { session: Session }>('checkRelink'),
    /** Follows main's operations in progress while `resume` shows; sends IN_PROGRESS with each reading. */
    followInProgress: fromCallback<InProgressEvent>(() => () => undefined),
  },
  actions: {
    /** Provided by the UI: restore language and display options for the next person. */
    visitEnded: () => undefined,
    forwardToFlow: sendTo('flow', ({ event }) => event),
    'visit over': assign({ visitOver: true }),
    /** A flow ended because its code belongs to the other customer flow: that flow starts with the same entry. */
    'hand the code over': assign({
      initialCode: ({ event }) => (event as unknown as { output?: { switchTo?: { code: string } | null } }).output?.switchTo?.code ?? null,
      sendResume: null,
    }),
    'take the send over': assign({
      sendResume: ({ event }) => (event.type === 'IN_PROGRESS' || event.type === 'RELINKED' ? (event.send ?? null) : null),
      initialCode: null,
    }),
    'show the open door': assign({
      resume: ({ context, event }) => (event.type === 'IN_PROGRESS' || event.type === 'RELINKED' ? doorToShow(context.resume, event.operations) : context.resume),
    }),
    /** Main restarted under a staff flow: the session is gone; the door it left open (if any) is what to show. */
    'session lost in a restart': assign({
      session: null,
      pendingAuth: null,
      resume: ({ event }) => doorToShow(null, (event as unknown as { output: RelinkCheck }).output.operations),
    }),
    'flow ended the visit': assign({
      visitOver: ({ event }) => (event as unknown as { output?: Partial<PickupOutput> }).output?.completed ?? true,
    }),
  },
  guards: {
    'scan is a pickup code': ({ event }) => event.type === 'SCAN' && classifyScan(event.text).kind === 'pickup-code',
    'scan is a badge': ({ event }) => event.type === 'SCAN' && classifyScan(event.text).kind === 'badge',
    'is a driver': ({ context }) => context.session?.role === 'driver',
    'is a technician': ({ context }) => context.session?.role === 'technician',
    'signed in': ({ context }) => context.session !== null,
    'a door is in progress': ({ event }) => (event.type === 'IN_PROGRESS' || event.type === 'RELINKED') && event.operations.length > 0,
    'a send to resume': ({ event }) => (event.type === 'IN_PROGRESS' || event.type === 'RELINKED') && !!event.send,
    'session still stands': ({ event }) => (event as unknown as { output: RelinkCheck }).output.sessionAlive,
    'a door was left open': ({ event }) => (event as unknown as { output: RelinkCheck }).output.operations.length > 0,
    'visit is over': ({ context }) => context.visitOver,
    /** The code typed for one customer flow turned out to belong to the other (ADR drop-offs: one code space). */
    'pickup code for send': ({ event }) => (event as unknown as { output?: PickupOutput }).output?.switchTo?.flow === 'send',
    'send code for pickup': ({ event }) => (event as unknown as { output?: SendOutput }).output?.switchTo?.flow === 'pickup',
    'wants collection': ({ event }) => (event as unknown as { output?: DropoffOutput }).output?.next === 'collection',
  },
  delays: { IDLE_TIMEOUT: IDLE_TIMEOUT_MS, IDLE_GRACE: IDLE_GRACE_MS, DOOR_REMINDER: DOOR_REMINDER_MS, HOME_IDLE: HOME_IDLE_MS },
}).createMachine({
  id: 'app',
  context: { session: null, initialCode: null, authError: null, pendingAuth: null, reminders: 0, visitOver: false, resume: null, pinPausedUntil: null, sendResume: null },
  initial: 'attract',
  states: {
    attract: {
      entry: ['visitEnded', assign({ authError: null, initialCode: null, visitOver: false, sendResume: null })],
      on: {
        TOUCH: 'home',
        START_PICKUP: 'flow.screen.pickup',
        SCAN: [
          { guard: 'scan is a pickup code', target: 'flow.screen.pickup', actions: assign({ initialCode: ({ event }) => event.text }) },
          { guard: 'scan is a badge', target: 'authenticating', actions: assign({ pendingAuth: ({ event }) => ({ badge: event.text }) }) },
        ],
        IN_PROGRESS: onLink,
        RELINKED: onLink,
      },
    },
    // "Please close door A01" after a reload or restart found it open; back to attract once main says it is closed.
    // A badge or PIN scan still signs staff in (a technician sees to a door that will not close; a driver's next
    // parcel starts with that fresh scan). Pickup codes wait: the bank is not free for the next person yet.
    resume: {
      tags: ['resume'],
      invoke: { src: 'followInProgress' },
      on: {
        IN_PROGRESS: [
          { guard: 'a door is in progress', actions: 'show the open door' },
          { target: 'attract', actions: assign({ resume: null }) },
        ],
        RELINKED: [
          { guard: 'a door is in progress', actions: 'show the open door' },
          { target: 'attract', actions: assign({ resume: null }) },
        ],
        SCAN: { guard: 'scan is a badge', target: 'authenticating', actions: assign({ pendingAuth: ({ event }) => ({ badge: event.text }), resume: null }) },
      },
    },
    home: {
      entry: assign({ initialCode: null, sendResume: null }),
      after: { HOME_IDLE: 'attract' },
      on: {
        ACTIVITY: { target: 'home', reenter: true },
        START_PICKUP: { target: 'flow.screen.pickup', actions: assign({ authError: null }) },
        START_SEND: { target: 'flow.screen.send', actions: assign({ authError: null }) },
        LOST_CODE: { target: 'flow.screen.lostCode', actions: assign({ authError: null }) },
        STAFF_PIN: { target: 'pinEntry', actions: assign({ authError: null }) },
        SCAN: [
          { guard: 'scan is a pickup code', target: 'flow.screen.pickup', actions: assign({ initialCode: ({ event }) => event.text, authError: null }) },
          { guard: 'scan is a badge', target: 'authenticating', actions: assign({ pendingAuth: ({ event }) => ({ badge: event.text }) }) },
        ],
        CANCEL: 'attract',
        IN_PROGRESS: onLink,
        RELINKED: onLink,
      },
    },
    pinEntry: {
      after: { HOME_IDLE: 'home' },
      // Ask main up front whether PIN entry is paused (red-team finding 3): the screen says so and until when.
      invoke: {
        src: 'pinStatus',
        input: () => ({}),
        onDone: { actions: assign({ pinPausedUntil: ({ event }) => (event.output.paused ? event.output.until : null) }) },
        onError: {},
      },
      on: {
        ACTIVITY: { target: 'pinEntry', reenter: true },
        PIN_SUBMIT: { target: 'authenticating', actions: assign({ pendingAuth: ({ event }) => ({ pin: event.pin }) }) },
        SCAN: { guard: 'scan is a badge', target: 'authenticating', actions: assign({ pendingAuth: ({ event }) => ({ badge: event.text }) }) },
        CANCEL: 'home',
        IN_PROGRESS: onLink,
        RELINKED: onLink,
      },
    },
    authenticating: {
      tags: ['busy'],
      invoke: {
        src: 'authenticate',
        input: ({ context }) => context.pendingAuth!,
        onDone: [
          { guard: ({ event }) => event.output.role === 'driver', target: 'flow.screen.dropoff', actions: assign({ session: ({ event }) => event.output, authError: null, pendingAuth: null }) },
          { target: 'flow.screen.maintenance', actions: assign({ session: ({ event }) => event.output, authError: null, pendingAuth: null }) },
        ],
        onError: { target: 'home', actions: assign({ authError: ({ event }) => asApiError(event.error), pendingAuth: null }) },
      },
    },
    flow: {
      type: 'parallel',
      on: { EXIT: visitOver },
      states: {
        screen: {
          initial: 'pickup',
          states: {
            pickup: {
              invoke: {
                id: 'flow',
                src: 'pickupFlow',
                input: ({ context }) => ({ initialCode: context.initialCode }),
                onDone: [{ guard: 'pickup code for send', target: 'send', actions: 'hand the code over' }, flowDone],
              },
              on: { SCAN: { actions: 'forwardToFlow' } },
            },
            // "Send or return a parcel" (ADR drop-offs): a sender's code opens a compartment for their parcel.
            send: {
              invoke: {
                id: 'flow',
                src: 'sendFlow',
                input: ({ context }) => ({ initialCode: context.initialCode, resume: context.sendResume }),
                onDone: [{ guard: 'send code for pickup', target: 'pickup', actions: 'hand the code over' }, flowDone],
              },
              on: { SCAN: { actions: 'forwardToFlow' } },
            },
            dropoff: {
              invoke: {
                id: 'flow',
                src: 'dropoffFlow',
                input: ({ context }) => ({ session: context.session! }),
                onDone: [{ guard: 'wants collection', target: 'collection' }, visitOver],
              },
              on: { SCAN: { actions: 'forwardToFlow' } },
            },
            collection: {
              invoke: { id: 'flow', src: 'collectionFlow', input: ({ context }) => ({ session: context.session! }), onDone: 'dropoff' },
            },
            maintenance: {
              invoke: { id: 'flow', src: 'maintenanceFlow', input: ({ context }) => ({ session: context.session! }), onDone: visitOver },
            },
            // "I lost my code" (ADR customer-self-service): a request that reached the server ends the visit.
            lostCode: {
              invoke: { id: 'flow', src: 'lostCodeFlow', onDone: flowDone },
            },
          },
        },
        // A staff flow never outlives its session: after main came back from a restart (the session is gone), the screen
        // shows what the journal says: the door still open ("please close door A01"), else attract. A mere socket
        // blip (session still there) changes nothing. Customer flows follow their own operation, which survives.
        link: {
          initial: 'steady',
          states: {
            steady: { on: { RELINKED: { guard: 'signed in', target: 'checking' } } },
            checking: {
              invoke: {
                src: 'checkRelink',
                input: ({ context }) => ({ session: context.session! }),
                onDone: [
                  { guard: 'session still stands', target: 'steady' },
                  { guard: 'a door was left open', target: '#app.resume', actions: ['session lost in a restart', 'visitEnded'] },
                  { target: '#app.attract', actions: 'session lost in a restart' },
                ],
                // No answer: the link went again; the next RELINKED asks again.
                onError: 'steady',
              },
              on: { RELINKED: { target: 'checking', reenter: true } },
            },
          },
        },
        idle: {
          initial: 'watching',
          states: {
            watching: {
              after: { IDLE_TIMEOUT: 'asking' },
              on: { ACTIVITY: { target: 'watching', reenter: true }, SCAN: { target: 'watching', reenter: true }, DOOR_OPENED: 'doorOpen' },
            },
            asking: {
              tags: ['idle-asking'],
              after: { IDLE_GRACE: visitOver },
              on: { STILL_HERE: 'watching', ACTIVITY: 'watching', SCAN: 'watching', DOOR_OPENED: 'doorOpen' },
            },
            // Never time out with a door open: the next person would find someone else's parcel.
            doorOpen: {
              after: { DOOR_REMINDER: { target: 'reminding', actions: assign({ reminders: ({ context }) => context.reminders + 1 }) } },
              on: { DOOR_CLOSED: 'watching' },
            },
            reminding: {
              tags: ['door-reminder'],
              after: { DOOR_REMINDER: { target: 'reminding', reenter: true, actions: assign({ reminders: ({ context }) => context.reminders + 1 }) } },
              on: { DOOR_CLOSED: 'watching' },
            },
          },
        },
      },
    },
    signingOut: {
      always: [{ guard: 'signed in', target: 'endingSession' }, { target: 'leaving' }],
    },
    // Back inside a visit returns home with the person's choices; a visit that is over starts again from attract.
    leaving: {
      always: [{ guard: 'visit is over', target: 'attract' }, { target: 'home' }],
    },
    endingSession: {
      tags: ['busy'],
      invoke: {
        src: 'endSession',
        input: ({ context }) => ({ sessionId: context.session!.sessionId }),
        // Ending the session is best effort: main expires it anyway; the screen must move on either way.
        onDone: { target: 'leaving', actions: assign({ session: null }) },
        onError: { target: 'leaving', actions: assign({ session: null }) },
      },
    },
  },
});

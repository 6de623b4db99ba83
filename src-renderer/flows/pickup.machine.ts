import { assign, sendParent, setup } from 'xstate';
import type { DoorOperation } from '../../src-shared/api/common';
import type { ApiError } from '../../src-shared/errors';
import { parsePickupQr } from '../input/scanner';
import { asApiError, detailNumber, detailString, msUntil, notProvided, watchOperationPlaceholder, type OperationEvent } from './common';

export const CODE_LENGTH = 6;
export type ProblemKind = 'damaged' | 'missing' | 'wrong_parcel' | 'door_problem' | 'other';
export type Where = { compartmentId: string; size: 'S' | 'M' | 'L' | 'XL'; column: number; row: number; heightCm: number };
export type PickupStarted = { operationId: string; where: Where };

export interface PickupContext {
  code: string;
  source: 'keypad' | 'scan';
  error: ApiError | null;
  started: PickupStarted | null;
  op: DoorOperation | null;
  /** Set on LOCKED_OUT: how long code entry is paused, and when that started (for the on-screen countdown). */
  lockoutMs: number;
  lockedAt: number;
  /** Set when the door closes: how long "Door closed too soon? Reopen" stays on offer. */
  graceMs: number;
  reportKind: ProblemKind | null;
  reportReference: string | null;
  /** How many parcels this person has taken this visit (several codes, one visit). */
  collected: number;
}

export type PickupEvent =
  | { type: 'DIGIT'; digit: string }
  | { type: 'BACKSPACE' }
  | { type: 'CLEAR' }
  | { type: 'SUBMIT' }
  | { type: 'SCAN'; text: string }
  | OperationEvent
  | { type: 'REOPEN' }
  | { type: 'NEXT_CODE' }
  | { type: 'FINISH' }
  | { type: 'REPORT' }
  | { type: 'REPORT_KIND'; kind: ProblemKind }
  | { type: 'CANCEL' };

/**
 * How the visit ended: `completed` once a door opened for this person (or they reported a problem), so the kiosk
 * returns to attract and forgets their language and display choices; Back before that keeps them.
 */
export type PickupOutput = { completed: boolean };

const freshEntry = { code: '', error: null, reportKind: null, reportReference: null } as const;

/**
 * A customer's visit: code (keypad or QR) → door open → door closed → next code or finish. Errors come back from
 * `submitCode` as ApiErrors and pick the next state: wrong/expired stay on the keypad, lockout pauses it,
 * a door fault shows the reference.
 */
export const pickupMachine = setup({
  types: {} as { context: PickupContext; events: PickupEvent; input: { initialCode?: string | null }; output: PickupOutput },
  actors: {
    submitCode: notProvided<PickupStarted, { code: string; source: 'keypad' | 'scan' }>('submitCode'),
    reopen: notProvided<PickupStarted, { operationId: string }>('reopen'),
    reportProblem: notProvided<{ reference: string }, { operationId?: string; compartmentId?: string; kind: ProblemKind }>('reportProblem'),
    watchOperation: watchOperationPlaceholder,
  },
  actions: {
    reportDoorOpened: sendParent({ type: 'DOOR_OPENED' }),
    reportDoorClosed: sendParent({ type: 'DOOR_CLOSED' }),
  },
  guards: {
    'code complete': ({ context }) => context.code.length === CODE_LENGTH,
    'room for a digit': ({ context, event }) => event.type === 'DIGIT' && /^[0-9]$/.test(event.digit) && context.code.length < CODE_LENGTH,
    'scan is a pickup code': ({ event }) => event.type === 'SCAN' && parsePickupQr(event.text) !== null,
    'locked out': ({ event }) => asApiError((event as { error?: unknown }).error).code === 'LOCKED_OUT',
    'door fault': ({ event }) => asApiError((event as { error?: unknown }).error).code === 'DOOR_FAULT',
    'door opened': ({ event }) => event.type === 'OPERATION' && event.op.state === 'opened',
    'door closed': ({ event }) => event.type === 'OPERATION' && event.op.state === 'closed',
    'door failed': ({ event }) => event.type === 'OPERATION' && (event.op.state === 'failed' || event.op.outcome === 'jammed'),
    'door was closed': ({ context }) => context.op?.state === 'closed',
  },
  delays: {
    LOCKOUT: ({ context }) => context.lockoutMs,
    GRACE: ({ context }) => context.graceMs,
  },
}).createMachine({
  id: 'pickup',
  output: ({ context }) => ({ completed: context.started !== null || context.reportReference !== null }),
  context: ({ input }) => ({
    ...freshEntry,
    code: parsePickupQr(input.initialCode ?? '') ?? '',
    source: input.initialCode ? 'scan' : 'keypad',
    started: null,
    op: null,
    lockoutMs: 0,
    lockedAt: 0,
    graceMs: 0,
    collected: 0,
  }),
  // A QR scanned on the home screen arrives as the initial code and goes straight to checking.
  initial: 'start',
  states: {
    start: { always: [{ guard: 'code complete', target: 'submitting' }, { target: 'entering' }] },
    entering: {
      on: {
        DIGIT: { guard: 'room for a digit', actions: assign({ code: ({ context, event }) => context.code + event.digit, source: 'keypad' }) },
        BACKSPACE: { actions: assign({ code: ({ context }) => context.code.slice(0, -1) }) },
        CLEAR: { actions: assign({ code: '' }) },
        SUBMIT: { guard: 'code complete', target: 'submitting', actions: assign({ source: 'keypad' }) },
        SCAN: {
          guard: 'scan is a pickup code',
          target: 'submitting',
          actions: assign({ code: ({ event }) => parsePickupQr(event.text) ?? '', source: 'scan' }),
        },
        FINISH: 'done',
      },
    },
    submitting: {
      tags: ['busy'],
      invoke: {
        src: 'submitCode',
        input: ({ context }) => ({ code: context.code, source: context.source }),
        onDone: { target: 'door', actions: assign({ started: ({ event }) => event.output, op: null, error: null }) },
        onError: [
          {
            guard: 'locked out',
            target: 'lockedOut',
            actions: assign({
              error: ({ event }) => asApiError(event.error),
              lockoutMs: ({ event }) => detailNumber(asApiError(event.error), 'retryAfterMs') ?? 60_000,
              lockedAt: () => Date.now(),
              code: '',
            }),
          },
          { guard: 'door fault', target: 'doorFault', actions: assign({ error: ({ event }) => asApiError(event.error) }) },
          // Wrong or expired code, hardware offline…: stay on the keypad with the message and an empty code.
          { target: 'entering', actions: assign({ error: ({ event }) => asApiError(event.error), code: '' }) },
        ],
      },
    },
    lockedOut: {
      tags: ['error'],
      after: { LOCKOUT: { target: 'entering', actions: assign({ error: null }) } },
      on: { FINISH: 'done' },
    },
    door: {
      tags: ['door-open'],
      entry: 'reportDoorOpened',
      exit: 'reportDoorClosed',
      invoke: { src: 'watchOperation', input: ({ context }) => ({ operationId: context.started!.operationId }) },
      // The frame being on the wire is not the door being open: "Opening door A01…" until a read says open
      // (operation `opened`), so the screen never says "take your parcel" to a shut door (ADR door-truth).
      initial: 'opening',
      states: {
        opening: { on: { OPERATION: { guard: 'door opened', target: 'open', actions: assign({ op: ({ event }) => event.op }) } } },
        open: {},
      },
      on: {
        OPERATION: [
          {
            guard: 'door closed',
            target: 'closed',
            actions: assign({
              op: ({ event }) => event.op,
              graceMs: ({ event }) => msUntil(event.op.graceUntil, Date.now()),
              collected: ({ context, event }) => context.collected + (event.op.outcome === 'completed' ? 1 : 0),
            }),
          },
          {
            guard: 'door failed',
            target: 'doorFault',
            actions: assign({
              op: ({ event }) => event.op,
              error: ({ event }) => ({ code: 'DOOR_FAULT', message: 'door did not open', details: { reference: event.op.reference } }),
            }),
          },
          { actions: assign({ op: ({ event }) => event.op }) },
        ],
      },
    },
    closed: {
      initial: 'canReopen',
      states: {
        canReopen: { after: { GRACE: 'graceOver' }, on: { REOPEN: '#pickup.reopening' } },
        graceOver: {},
      },
      on: {
        NEXT_CODE: { target: 'entering', actions: assign(freshEntry) },
        REPORT: 'reporting',
        FINISH: 'done',
        SCAN: { guard: 'scan is a pickup code', target: 'submitting', actions: assign({ ...freshEntry, code: ({ event }) => parsePickupQr(event.text) ?? '', source: 'scan' }) },
      },
    },
    reopening: {
      tags: ['busy'],
      invoke: {
        src: 'reopen',
        input: ({ context }) => ({ operationId: context.started!.operationId }),
        onDone: { target: 'door', actions: assign({ started: ({ event }) => event.output, op: null, error: null }) },
        onError: { target: 'closed.graceOver', actions: assign({ error: ({ event }) => asApiError(event.error) }) },
      },
    },
    doorFault: {
      tags: ['error'],
      on: { NEXT_CODE: { target: 'entering', actions: assign(freshEntry) }, REPORT: 'reporting', FINISH: 'done' },
    },
    reporting: {
      initial: 'choosing',
      states: {
        choosing: {
          on: {
            REPORT_KIND: { target: 'sending', actions: assign({ reportKind: ({ event }) => event.kind }) },
            CANCEL: [{ guard: 'door was closed', target: '#pickup.closed.graceOver' }, { target: '#pickup.doorFault' }],
          },
        },
        sending: {
          tags: ['busy'],
          invoke: {
            src: 'reportProblem',
            input: ({ context }) => ({
              operationId: context.started?.operationId,
              compartmentId: context.started?.where.compartmentId,
              kind: context.reportKind ?? 'other',
            }),
            onDone: { target: 'sent', actions: assign({ reportReference: ({ event }) => event.output.reference, error: null }) },
            onError: { target: 'choosing', actions: assign({ error: ({ event }) => asApiError(event.error) }) },
          },
        },
        sent: {},
      },
      on: { NEXT_CODE: { target: 'entering', actions: assign(freshEntry) }, FINISH: 'done' },
    },
    done: { type: 'final' },
  },
});

/** The reference a customer can quote, from the error or the operation. */
export function faultReference(ctx: PickupContext): string | null {
  return detailString(ctx.error, 'reference') ?? ctx.op?.reference ?? null;
}

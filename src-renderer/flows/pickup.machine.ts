import { assign, sendParent, setup } from 'xstate';
import type { DoorOperation } from '../../src-shared/api/common';
import type { ApiError } from '../../src-shared/errors';
import { parsePickupQr, qrTokenOf } from '../input/scanner';
import { asApiError, detailString, notProvided, watchOperationPlaceholder, type OperationEvent } from './common';

export const CODE_LENGTH = 6;
/** The check code from the message, asked for when the keypad is hardened (ADR 0008 (code lockout)). */
export const CHECK_LENGTH = 4;
export type ProblemKind = 'damaged' | 'missing' | 'wrong_parcel' | 'door_problem' | 'other';
export type Where = { compartmentId: string; size: 'S' | 'M' | 'L' | 'XL'; column: number; row: number; heightCm: number };
/** `moreWaiting`: parcels for the same recipient still here (ADR customer-self-service); opened one after another. */
export type PickupStarted = { operationId: string; where: Where; moreWaiting?: number; nextToken?: string };

export interface PickupContext {
  /** Six digits typed, or a scanned QR (`LK2:<token>`, or the six digits of an older QR). */
  code: string;
  /** The 4-digit check code, typed after the code when the keypad is hardened. */
  check: string;
  /** The keypad is hardened (ADR 0008 (code lockout)): the check-code field shows from the start and is sent with the code. */
  checkRequired: boolean;
  source: 'keypad' | 'scan';
  error: ApiError | null;
  /** The door this visit opened last. */
  started: PickupStarted | null;
  op: DoorOperation | null;
  /**
   * "Door closed too soon?": the door the person wants open again, so the keypad says "Enter your code again to
   * reopen door A01". Only a hint: the code (or the QR) is what opens it, as any code does (ADR 0008 (code lockout)).
   */
  reenterDoor: string | null;
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
  | { type: 'REENTER' }
  | { type: 'OPEN_NEXT' }
  | { type: 'NEXT_CODE' }
  | { type: 'FINISH' }
  | { type: 'REPORT' }
  | { type: 'REPORT_KIND'; kind: ProblemKind }
  | { type: 'CANCEL' };

/**
 * How the visit ended: `completed` once a door opened for this person (or they reported a problem), so the kiosk
 * returns to attract and forgets their language and display choices; Back before that keeps them.
 */
export type PickupOutput = { completed: boolean; switchTo?: { flow: 'send'; code: string } | null };

const freshEntry = { code: '', check: '', error: null, reportKind: null, reportReference: null, reenterDoor: null } as const;

/** Where a typed digit goes: the code first, then (when hardened) the check code. */
function typed(ctx: PickupContext, digit: string): Pick<PickupContext, 'code' | 'check'> {
  if (ctx.code.length < CODE_LENGTH) return { code: ctx.code + digit, check: ctx.check };
  return { code: ctx.code, check: ctx.checkRequired && ctx.check.length < CHECK_LENGTH ? ctx.check + digit : ctx.check };
}

const errorOf = (e: unknown) => asApiError(e);
const saysCheckRequired = (e: ApiError) => e.code === 'CHECK_REQUIRED' || e.details?.checkRequired === true;

/**
 * A customer's visit: code (keypad or QR) → door open → door closed → next code or finish. Errors come back from
 * `submitCode` as ApiErrors and pick the next state: wrong/expired stay on the keypad (once the keypad is hardened it
 * asks for the check code too; CHECK_REQUIRED keeps the code and asks only for the check), a door fault shows the
 * reference. No door opens without the code: "Door closed too soon?" leads back to code entry for the same door
 * (the code, or the QR scanned again, reopens it within grace; with the parcel still inside it works anyway).
 */
export const pickupMachine = setup({
  types: {} as { context: PickupContext; events: PickupEvent; input: { initialCode?: string | null }; output: PickupOutput },
  actors: {
    submitCode: notProvided<PickupStarted, { code: string; check?: string; source: 'keypad' | 'scan' }>('submitCode'),
    keypadMode: notProvided<{ checkRequired: boolean }, Record<string, never>>('keypadMode'),
    reportProblem: notProvided<{ reference: string }, { operationId?: string; compartmentId?: string; kind: ProblemKind }>('reportProblem'),
    /** The same recipient's next door after a pickup closed with its parcel taken (pickupOpenNext). */
    openNext: notProvided<PickupStarted, { operationId: string; token: string }>('openNext'),
    watchOperation: watchOperationPlaceholder,
  },
  actions: {
    reportDoorOpened: sendParent({ type: 'DOOR_OPENED' }),
    reportDoorClosed: sendParent({ type: 'DOOR_CLOSED' }),
  },
  guards: {
    'code complete': ({ context }) =>
      qrTokenOf(context.code) !== null || (context.code.length === CODE_LENGTH && (!context.checkRequired || context.check.length === CHECK_LENGTH)),
    'is a digit': ({ event }) => event.type === 'DIGIT' && /^[0-9]$/.test(event.digit),
    'scan is a pickup code': ({ event }) => event.type === 'SCAN' && parsePickupQr(event.text) !== null,
    'door fault': ({ event }) => errorOf((event as { error?: unknown }).error).code === 'DOOR_FAULT',
    'door opened': ({ event }) => event.type === 'OPERATION' && event.op.state === 'opened',
    'door closed': ({ event }) => event.type === 'OPERATION' && event.op.state === 'closed',
    'door failed': ({ event }) => event.type === 'OPERATION' && (event.op.state === 'failed' || event.op.outcome === 'jammed'),
    'door was closed': ({ context }) => context.op?.state === 'closed',
    'more parcels wait': ({ context }) => (context.started?.moreWaiting ?? 0) > 0 && !!context.started?.nextToken && context.op?.outcome === 'completed',
  },
}).createMachine({
  id: 'pickup',
  output: ({ context }) => ({
    completed: context.started !== null || context.reportReference !== null,
    // A drop-off's code (ADR drop-offs): the app carries on with "Send or return a parcel" and this entry.
    ...(context.error?.code === 'SEND_CODE' ? { switchTo: { flow: 'send' as const, code: context.code } } : {}),
  }),
  context: ({ input }) => ({
    ...freshEntry,
    code: parsePickupQr(input.initialCode ?? '') ?? '',
    checkRequired: false,
    source: input.initialCode ? 'scan' : 'keypad',
    started: null,
    op: null,
    collected: 0,
  }),
  // A QR scanned on the home screen arrives as the initial code and goes straight to checking.
  initial: 'start',
  states: {
    start: { always: [{ guard: 'code complete', target: 'submitting' }, { target: 'entering' }] },
    entering: {
      // Ask main whether the keypad is hardened, so the check-code field is there before the first digit.
      invoke: {
        src: 'keypadMode',
        input: () => ({}),
        // Once asked for within a visit, the field stays (a check code is never in the way).
        onDone: { actions: assign({ checkRequired: ({ context, event }) => context.checkRequired || event.output.checkRequired }) },
        onError: {},
      },
      on: {
        DIGIT: { guard: 'is a digit', actions: assign(({ context, event }) => ({ ...typed(context, event.digit), source: 'keypad' as const })) },
        BACKSPACE: { actions: assign(({ context }) => (context.check ? { check: context.check.slice(0, -1) } : { code: context.code.slice(0, -1) })) },
        CLEAR: { actions: assign({ code: '', check: '' }) },
        SUBMIT: { guard: 'code complete', target: 'submitting', actions: assign({ source: 'keypad' }) },
        SCAN: {
          guard: 'scan is a pickup code',
          target: 'submitting',
          actions: assign({ code: ({ event }) => parsePickupQr(event.text) ?? '', check: '', source: 'scan' }),
        },
        FINISH: 'done',
      },
    },
    submitting: {
      tags: ['busy'],
      invoke: {
        src: 'submitCode',
        input: ({ context }) => ({ code: context.code, source: context.source, ...(context.checkRequired && context.check ? { check: context.check } : {}) }),
        onDone: { target: 'door', actions: assign({ started: ({ event }) => event.output, op: null, error: null, check: '', reenterDoor: null }) },
        onError: [
          // A drop-off's code: same code space, other flow (ADR drop-offs); the entry is kept for it.
          { guard: ({ event }) => errorOf(event.error).code === 'SEND_CODE', target: 'done', actions: assign({ error: ({ event }) => errorOf(event.error) }) },
          // Hardened: a code alone is asked for its check code (kept, so only the 4 digits remain to type).
          {
            guard: ({ event }) => errorOf(event.error).code === 'CHECK_REQUIRED',
            target: 'entering',
            actions: assign({ error: ({ event }) => errorOf(event.error), checkRequired: true, check: '', code: ({ context }) => (qrTokenOf(context.code) ? '' : context.code) }),
          },
          { guard: 'door fault', target: 'doorFault', actions: assign({ error: ({ event }) => errorOf(event.error) }) },
          // Wrong or expired code, hardware offline…: stay on the keypad with the message and an empty code.
          {
            target: 'entering',
            actions: assign({
              error: ({ event }) => errorOf(event.error),
              checkRequired: ({ context, event }) => context.checkRequired || saysCheckRequired(errorOf(event.error)),
              code: '',
              check: '',
            }),
          },
        ],
      },
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
      on: {
        // "Door closed too soon?": back to the keypad for the same door; the code (or QR) opens it, nothing else.
        REENTER: { target: 'entering', actions: assign(({ context }) => ({ ...freshEntry, reenterDoor: context.started?.where.compartmentId ?? null })) },
        NEXT_CODE: { target: 'entering', actions: assign(freshEntry) },
        // "All my parcels": the next door of the same recipient, opened only from here (this door closed, parcel taken).
        OPEN_NEXT: { guard: 'more parcels wait', target: 'openingNext' },
        REPORT: 'reporting',
        FINISH: 'done',
        SCAN: {
          guard: 'scan is a pickup code',
          target: 'submitting',
          actions: assign({ ...freshEntry, code: ({ event }) => parsePickupQr(event.text) ?? '', source: 'scan' }),
        },
      },
    },
    openingNext: {
      tags: ['busy'],
      invoke: {
        src: 'openNext',
        input: ({ context }) => ({ operationId: context.started!.operationId, token: context.started!.nextToken! }),
        onDone: { target: 'door', actions: assign({ started: ({ event }) => event.output, op: null, error: null }) },
        onError: [
          { guard: 'door fault', target: 'doorFault', actions: assign({ error: ({ event }) => errorOf(event.error) }) },
          // Nothing more to open after all (taken meanwhile, visit too old): say so where the person was.
          { target: 'closed', actions: assign({ error: ({ event }) => errorOf(event.error), started: ({ context }) => (context.started ? { ...context.started, moreWaiting: 0 } : null) }) },
        ],
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
            CANCEL: [{ guard: 'door was closed', target: '#pickup.closed' }, { target: '#pickup.doorFault' }],
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
            onError: { target: 'choosing', actions: assign({ error: ({ event }) => errorOf(event.error) }) },
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

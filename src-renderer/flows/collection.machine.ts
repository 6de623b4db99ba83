import { assign, sendParent, setup } from 'xstate';
import type { DoorOperation } from '../../src-shared/api/common';
import type { Session } from '../../src-shared/api/staff';
import type { ApiError } from '../../src-shared/errors';
import { asApiError, notProvided, watchOperationPlaceholder, type OperationEvent } from './common';
import type { Where } from './pickup.machine';

/** `kind`: `outgoing` = a drop-off a sender left (ADR drop-offs); absent from an older core = expired. */
export type ExpiredParcel = { parcelId: string; barcode: string; compartmentId: string; expiredAt: string; kind?: 'expired' | 'outgoing' };
type WithSession = { sessionId: string };

export interface CollectionContext {
  session: Session;
  parcels: ExpiredParcel[];
  current: { parcel: ExpiredParcel; operationId: string; where: Where } | null;
  op: DoorOperation | null;
  error: ApiError | null;
  pendingId: string;
}

export type CollectionEvent = { type: 'OPEN'; parcelId: string } | OperationEvent | { type: 'BACK' };

/** The driver takes expired parcels back in the same visit: list → open one → door closed → list again. */
export const collectionMachine = setup({
  types: {} as { context: CollectionContext; events: CollectionEvent; input: { session: Session } },
  actors: {
    loadExpired: notProvided<{ parcels: ExpiredParcel[] }, WithSession>('loadExpired'),
    openForCollection: notProvided<{ operationId: string; where: Where }, WithSession & { parcelId: string }>('openForCollection'),
    watchOperation: watchOperationPlaceholder,
  },
  actions: {
    reportDoorOpened: sendParent({ type: 'DOOR_OPENED' }),
    reportDoorClosed: sendParent({ type: 'DOOR_CLOSED' }),
  },
  guards: {
    'door finished': ({ event }) => event.type === 'OPERATION' && (event.op.state === 'closed' || event.op.state === 'failed'),
  },
}).createMachine({
  id: 'collection',
  context: ({ input }) => ({ session: input.session, parcels: [], current: null, op: null, error: null, pendingId: '' }),
  initial: 'loading',
  states: {
    loading: {
      tags: ['busy'],
      invoke: {
        src: 'loadExpired',
        input: ({ context }) => ({ sessionId: context.session.sessionId }),
        onDone: { target: 'list', actions: assign({ parcels: ({ event }) => event.output.parcels }) },
        onError: { target: 'list', actions: assign({ error: ({ event }) => asApiError(event.error) }) },
      },
    },
    list: {
      on: {
        OPEN: { target: 'opening', actions: assign({ pendingId: ({ event }) => event.parcelId, error: null }) },
        BACK: 'finished',
      },
    },
    opening: {
      tags: ['busy'],
      invoke: {
        src: 'openForCollection',
        input: ({ context }) => ({ sessionId: context.session.sessionId, parcelId: context.pendingId }),
        onDone: {
          target: 'door',
          actions: assign({
            current: ({ context, event }) => ({ parcel: context.parcels.find((p) => p.parcelId === context.pendingId)!, ...event.output }),
            op: null,
          }),
        },
        onError: { target: 'loading', actions: assign({ error: ({ event }) => asApiError(event.error) }) },
      },
    },
    door: {
      tags: ['door-open'],
      entry: 'reportDoorOpened',
      exit: 'reportDoorClosed',
      invoke: { src: 'watchOperation', input: ({ context }) => ({ operationId: context.current!.operationId }) },
      on: {
        OPERATION: [
          { guard: 'door finished', target: 'loading', actions: assign({ op: ({ event }) => event.op, current: null }) },
          { actions: assign({ op: ({ event }) => event.op }) },
        ],
      },
    },
    finished: { type: 'final' },
  },
});

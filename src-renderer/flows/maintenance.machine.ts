import { assign, fromCallback, sendParent, setup } from 'xstate';
import type { Session } from '../../src-shared/api/staff';
import type { ApiError } from '../../src-shared/errors';
import type { EventPayload } from '../../src-shared/events';
import { asApiError, notProvided } from './common';

export type CompartmentView = {
  id: string;
  size: 'S' | 'M' | 'L' | 'XL';
  column: number;
  row: number;
  heightCm: number;
  board: number;
  lock: number;
  inService: boolean;
  status: 'free' | 'occupied' | 'expired' | 'out_of_service';
  door: 'open' | 'closed' | 'unknown';
  item: boolean | null;
  parcelBarcode: string | null;
};
export type BoardView = { board: number; online: boolean; lockBits: string; irBits: string; framesSent: number; framesBad: number; timeouts: number };
export type Overview = { compartments: CompartmentView[]; boards: BoardView[]; lockBitMeansClosed: boolean };
export type SelfTest = { boards: Array<{ board: number; ok: boolean; detail: string }> };
export type SyncState = { status: 'online' | 'offline' | 'unknown'; lastSyncAt: string | null; outboxDepth: number; lastError: string | null };
export type Audit = {
  entries: Array<{ id: number; at: string; actor: string; action: string; detail: string }>;
  chain: { ok: boolean; checked: number; brokenAt: number | null };
};
type WithSession = { sessionId: string };
export type Alarm = EventPayload<'alarm'>;

export interface MaintenanceContext {
  session: Session;
  overview: Overview | null;
  selected: string | null;
  selfTest: SelfTest | null;
  sync: SyncState | null;
  audit: Audit | null;
  alarms: Alarm[];
  error: ApiError | null;
  pending: { compartmentId: string; reason: string; inService?: boolean } | null;
}

export type MaintenanceEvent =
  | { type: 'SELECT'; compartmentId: string }
  | { type: 'OPEN_DOOR'; compartmentId: string; reason: string }
  | { type: 'SET_SERVICE'; compartmentId: string; inService: boolean; reason: string }
  | { type: 'SELF_TEST' }
  | { type: 'SYNC' }
  | { type: 'AUDIT' }
  | { type: 'REFRESH' }
  | { type: 'ALARM'; alarm: Alarm }
  | { type: 'EXIT' };

/** Door and alarm pushes from main: a door changing means the grid is stale. */
export type DoorWatchEvent = { type: 'REFRESH' } | { type: 'ALARM'; alarm: Alarm };
const watchDoorsPlaceholder = fromCallback<DoorWatchEvent>(() => () => undefined);

/** The reason a technician gives is required by the API (≥3 characters): refuse early with the same rule. */
const reasonOk = (r: string) => r.trim().length >= 3;

/** The technician's tools. Every command refreshes the grid afterwards, so what is shown is what the board says. */
export const maintenanceMachine = setup({
  types: {} as { context: MaintenanceContext; events: MaintenanceEvent; input: { session: Session } },
  actors: {
    loadOverview: notProvided<Overview, WithSession>('loadOverview'),
    openDoor: notProvided<{ operationId: string }, WithSession & { compartmentId: string; reason: string }>('openDoor'),
    setService: notProvided<CompartmentView, WithSession & { compartmentId: string; inService: boolean; reason: string }>('setService'),
    selfTest: notProvided<SelfTest, WithSession>('selfTest'),
    sync: notProvided<SyncState, WithSession>('sync'),
    loadAudit: notProvided<Audit, WithSession & { limit: number }>('loadAudit'),
    watchDoors: watchDoorsPlaceholder,
  },
  actions: {
    // A technician working at an open door must not be timed out of maintenance mode.
    reportDoors: sendParent(({ context }) => ({
      type: context.overview?.compartments.some((c) => c.door === 'open') ? 'DOOR_OPENED' : 'DOOR_CLOSED',
    })),
  },
  guards: {
    'reason given': ({ event }) => (event.type === 'OPEN_DOOR' || event.type === 'SET_SERVICE') && reasonOk(event.reason),
  },
}).createMachine({
  id: 'maintenance',
  context: ({ input }) => ({
    session: input.session,
    overview: null,
    selected: null,
    selfTest: null,
    sync: null,
    audit: null,
    alarms: [],
    error: null,
    pending: null,
  }),
  invoke: { src: 'watchDoors' },
  initial: 'loading',
  on: {
    ALARM: { actions: assign({ alarms: ({ context, event }) => [event.alarm, ...context.alarms].slice(0, 5) }) },
    EXIT: '.finished',
  },
  states: {
    loading: {
      tags: ['busy'],
      invoke: {
        src: 'loadOverview',
        input: ({ context }) => ({ sessionId: context.session.sessionId }),
        onDone: { target: 'ready', actions: [assign({ overview: ({ event }) => event.output }), 'reportDoors'] },
        onError: { target: 'ready', actions: assign({ error: ({ event }) => asApiError(event.error) }) },
      },
    },
    ready: {
      on: {
        REFRESH: 'loading',
        SELECT: { actions: assign({ selected: ({ event }) => event.compartmentId, error: null }) },
        OPEN_DOOR: {
          guard: 'reason given',
          target: 'openingDoor',
          actions: assign({ pending: ({ event }) => ({ compartmentId: event.compartmentId, reason: event.reason.trim() }), error: null }),
        },
        SET_SERVICE: {
          guard: 'reason given',
          target: 'settingService',
          actions: assign({
            pending: ({ event }) => ({ compartmentId: event.compartmentId, reason: event.reason.trim(), inService: event.inService }),
            error: null,
          }),
        },
        SELF_TEST: { target: 'selfTesting', actions: assign({ error: null }) },
        SYNC: { target: 'syncing', actions: assign({ error: null }) },
        AUDIT: { target: 'loadingAudit', actions: assign({ error: null }) },
      },
    },
    openingDoor: {
      tags: ['busy'],
      invoke: {
        src: 'openDoor',
        input: ({ context }) => ({ sessionId: context.session.sessionId, compartmentId: context.pending!.compartmentId, reason: context.pending!.reason }),
        onDone: 'loading',
        onError: { target: 'ready', actions: assign({ error: ({ event }) => asApiError(event.error) }) },
      },
    },
    settingService: {
      tags: ['busy'],
      invoke: {
        src: 'setService',
        input: ({ context }) => ({
          sessionId: context.session.sessionId,
          compartmentId: context.pending!.compartmentId,
          inService: context.pending!.inService ?? true,
          reason: context.pending!.reason,
        }),
        onDone: 'loading',
        onError: { target: 'ready', actions: assign({ error: ({ event }) => asApiError(event.error) }) },
      },
    },
    selfTesting: {
      tags: ['busy'],
      invoke: {
        src: 'selfTest',
        input: ({ context }) => ({ sessionId: context.session.sessionId }),
        onDone: { target: 'loading', actions: assign({ selfTest: ({ event }) => event.output }) },
        onError: { target: 'ready', actions: assign({ error: ({ event }) => asApiError(event.error) }) },
      },
    },
    syncing: {
      tags: ['busy'],
      invoke: {
        src: 'sync',
        input: ({ context }) => ({ sessionId: context.session.sessionId }),
        onDone: { target: 'ready', actions: assign({ sync: ({ event }) => event.output }) },
        onError: { target: 'ready', actions: assign({ error: ({ event }) => asApiError(event.error) }) },
      },
    },
    loadingAudit: {
      tags: ['busy'],
      invoke: {
        src: 'loadAudit',
        input: ({ context }) => ({ sessionId: context.session.sessionId, limit: 100 }),
        onDone: { target: 'ready', actions: assign({ audit: ({ event }) => event.output }) },
        onError: { target: 'ready', actions: assign({ error: ({ event }) => asApiError(event.error) }) },
      },
    },
    finished: { type: 'final' },
  },
});

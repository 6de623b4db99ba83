import { assign, fromCallback, sendParent, setup } from 'xstate';
import type { Session } from '../../src-shared/api/staff';
import type { ApiError } from '../../src-shared/errors';
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
  /** The unfinished door operation holding this compartment (older cores omit it). */
  operation?: OperationInProgress | null;
};
export type OperationInProgress = {
  operationId: string;
  purpose: 'pickup' | 'dropoff' | 'collection' | 'maintenance';
  state: 'requested' | 'unlocked' | 'opened' | 'closed' | 'failed';
  since: string;
  openedAt: string | null;
  parcelBarcode: string | null;
};
/** A door alarm no technician has acknowledged, as the store keeps it (survives restarts). */
export type StoredAlarm = { id: number; at: string; kind: 'forced_open' | 'jammed' | 'door_left_open' | 'unexpected_item'; compartmentId: string };
export type Resolved = {
  operation: { operationId: string; compartmentId: string; state: string; outcome: string; reference: string | null };
  resolution: 'finished' | 'failed';
  door: 'open' | 'closed' | 'unknown';
  compartment: CompartmentView;
};
export type BoardView = { board: number; online: boolean; lockBits: string; irBits: string; framesSent: number; framesBad: number; timeouts: number };
export type Overview = { compartments: CompartmentView[]; boards: BoardView[]; lockBitMeansClosed: boolean; alarms: StoredAlarm[] };
export type SelfTest = { boards: Array<{ board: number; ok: boolean; detail: string }> };
export type SyncState = { status: 'online' | 'offline' | 'unknown'; lastSyncAt: string | null; outboxDepth: number; lastError: string | null };
export type Audit = {
  entries: Array<{ id: number; at: string; actor: string; action: string; detail: string }>;
  chain: { ok: boolean; checked: number; brokenAt: number | null };
};
type WithSession = { sessionId: string };
export type SimAction = 'close' | 'open' | 'put-item' | 'remove-item' | 'jam' | 'unjam';

export interface MaintenanceContext {
  session: Session;
  overview: Overview | null;
  selected: string | null;
  selfTest: SelfTest | null;
  /** The last "Clear the pickup keypad lock" (ADR 0008): how many wrong codes were in the window. */
  codeLockoutCleared: { keypadFailures: number } | null;
  sync: SyncState | null;
  audit: Audit | null;
  error: ApiError | null;
  pending: { compartmentId: string; reason: string; inService?: boolean; action?: SimAction } | null;
  /** The last "Resolve" and what the kiosk made of it (shown beside the compartment until another is selected). */
  resolved: Resolved | null;
  /** The stored alarms being acknowledged (the ids shown, so one arriving meanwhile is not acknowledged unseen). */
  acknowledging: number[] | null;
}

export type MaintenanceEvent =
  | { type: 'SELECT'; compartmentId: string }
  | { type: 'OPEN_DOOR'; compartmentId: string; reason: string }
  | { type: 'SET_SERVICE'; compartmentId: string; inService: boolean; reason: string }
  | { type: 'SELF_TEST' }
  | { type: 'CLEAR_CODE_LOCKOUT' }
  | { type: 'SYNC' }
  | { type: 'AUDIT' }
  | { type: 'REFRESH' }
  | { type: 'SIMULATE'; compartmentId: string; action: SimAction }
  | { type: 'RESOLVE'; compartmentId: string; reason: string }
  | { type: 'ACK_ALARMS'; ids: number[] }
  | { type: 'EXIT' };

/** Door and alarm pushes from main: either means the grid and the stored alarms are stale: re-read the overview. */
export type DoorWatchEvent = { type: 'REFRESH' };
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
    clearCodeLockout: notProvided<{ wasHardened: boolean; keypadFailures: number }, WithSession>('clearCodeLockout'),
    sync: notProvided<SyncState, WithSession>('sync'),
    loadAudit: notProvided<Audit, WithSession & { limit: number }>('loadAudit'),
    resolveOperation: notProvided<Resolved, WithSession & { compartmentId: string; reason: string }>('resolveOperation'),
    acknowledgeAlarms: notProvided<{ acknowledged: number }, WithSession & { ids: number[] }>('acknowledgeAlarms'),
    /** Demo only: what a person would do at the simulated door (main refuses it on real hardware). */
    simDoor: notProvided<unknown, { compartmentId: string; action: SimAction }>('simDoor'),
    watchDoors: watchDoorsPlaceholder,
  },
  actions: {
    // A technician working at an open door must not be timed out of maintenance mode.
    reportDoors: sendParent(({ context }) => ({
      type: context.overview?.compartments.some((c) => c.door === 'open') ? 'DOOR_OPENED' : 'DOOR_CLOSED',
    })),
  },
  guards: {
    'reason given': ({ event }) => (event.type === 'OPEN_DOOR' || event.type === 'SET_SERVICE' || event.type === 'RESOLVE') && reasonOk(event.reason),
  },
}).createMachine({
  id: 'maintenance',
  context: ({ input }) => ({
    session: input.session,
    overview: null,
    selected: null,
    selfTest: null,
    codeLockoutCleared: null,
    sync: null,
    audit: null,
    error: null,
    pending: null,
    resolved: null,
    acknowledging: null,
  }),
  invoke: { src: 'watchDoors' },
  initial: 'loading',
  on: {
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
        SELECT: { actions: assign({ selected: ({ event }) => event.compartmentId, error: null, resolved: null }) },
        RESOLVE: {
          guard: 'reason given',
          target: 'resolving',
          actions: assign({ pending: ({ event }) => ({ compartmentId: event.compartmentId, reason: event.reason.trim() }), error: null, resolved: null }),
        },
        ACK_ALARMS: { target: 'acknowledging', actions: assign({ acknowledging: ({ event }) => event.ids, error: null }) },
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
        CLEAR_CODE_LOCKOUT: { target: 'clearingCodeLockout', actions: assign({ error: null }) },
        SYNC: { target: 'syncing', actions: assign({ error: null }) },
        AUDIT: { target: 'loadingAudit', actions: assign({ error: null }) },
        SIMULATE: { target: 'simulating', actions: assign({ pending: ({ event }) => ({ compartmentId: event.compartmentId, reason: '', action: event.action }), error: null }) },
      },
    },
    simulating: {
      tags: ['busy'],
      invoke: {
        src: 'simDoor',
        input: ({ context }) => ({ compartmentId: context.pending!.compartmentId, action: context.pending!.action ?? 'close' }),
        onDone: 'loading',
        onError: { target: 'ready', actions: assign({ error: ({ event }) => asApiError(event.error) }) },
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
    resolving: {
      tags: ['busy'],
      invoke: {
        src: 'resolveOperation',
        input: ({ context }) => ({ sessionId: context.session.sessionId, compartmentId: context.pending!.compartmentId, reason: context.pending!.reason }),
        onDone: { target: 'loading', actions: assign({ resolved: ({ event }) => event.output }) },
        onError: { target: 'loading', actions: assign({ error: ({ event }) => asApiError(event.error) }) },
      },
    },
    acknowledging: {
      tags: ['busy'],
      invoke: {
        src: 'acknowledgeAlarms',
        input: ({ context }) => ({ sessionId: context.session.sessionId, ids: context.acknowledging ?? [] }),
        onDone: { target: 'loading', actions: assign({ acknowledging: null }) },
        onError: { target: 'ready', actions: assign({ acknowledging: null, error: ({ event }) => asApiError(event.error) }) },
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
    clearingCodeLockout: {
      tags: ['busy'],
      invoke: {
        src: 'clearCodeLockout',
        input: ({ context }) => ({ sessionId: context.session.sessionId }),
        onDone: { target: 'loading', actions: assign({ codeLockoutCleared: ({ event }) => ({ keypadFailures: event.output.keypadFailures }) }) },
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

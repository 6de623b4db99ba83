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
  /** Until when the parcel inside may be picked up (ISO; follows extensions; ADR customer-self-service). */
  parcelExpiresAt?: string | null;
  /** The unfinished door operation holding this compartment (older cores omit it). */
  operation?: OperationInProgress | null;
};
export type OperationInProgress = {
  operationId: string;
  purpose: 'pickup' | 'dropoff' | 'collection' | 'maintenance' | 'send';
  state: 'requested' | 'unlocked' | 'opened' | 'closed' | 'failed';
  since: string;
  openedAt: string | null;
  parcelBarcode: string | null;
};
/** A door alarm no technician has acknowledged, as the store keeps it (survives restarts). */
export type StoredAlarm = { id: number; at: string; kind: 'forced_open' | 'jammed' | 'door_left_open' | 'unexpected_item' | 'disk_low'; compartmentId: string | null };
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
export type AuditEntry = {
  id: number;
  at: string;
  actor: string;
  action: string;
  /** The stored JSON text, as hashed into the chain: shown on demand, never as the row itself. */
  detail: string;
  /** Lifted out of `detail` by main (older cores omit them). */
  compartmentId?: string | null;
  reference?: string | null;
};
export type Audit = {
  entries: AuditEntry[];
  chain: { ok: boolean; checked: number; brokenAt: number | null };
};
type WithSession = { sessionId: string };
export type SimAction = 'close' | 'open' | 'put-item' | 'remove-item' | 'jam' | 'unjam';
export type Tab = 'grid' | 'boards' | 'audit' | 'sync';
/**
 * How often the Boards tab re-reads the overview while it is open: its frame counters and raw bits move with every
 * poll of the boards, and a figure that sits still for seconds reads as a frozen screen (issue 10 §6).
 */
export const BOARDS_POLL_MS = 1_000;

export interface MaintenanceContext {
  session: Session;
  /** The tab on screen: opening Audit or Sync loads it, and Boards is re-read while it is open. */
  tab: Tab;
  /** The open tab's data is still to be loaded (a tab opened while a command was running waits for it to end). */
  tabStale: boolean;
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
  | { type: 'OPEN_TAB'; tab: Tab }
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
    /** `force`: "Sync now" (a sync runs, audited); without it only the state is read (the Sync tab opening). */
    sync: notProvided<SyncState, WithSession & { force: boolean }>('sync'),
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
    'audit tab to load': ({ context }) => context.tabStale && context.tab === 'audit',
    'sync tab to load': ({ context }) => context.tabStale && context.tab === 'sync',
    'watching boards': ({ context }) => context.tab === 'boards',
  },
  delays: { boardsPoll: BOARDS_POLL_MS },
}).createMachine({
  id: 'maintenance',
  context: ({ input }) => ({
    session: input.session,
    tab: 'grid',
    tabStale: false,
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
    // Mid-command: remember the tab; `ready` loads it once the command is over.
    OPEN_TAB: { actions: assign({ tab: ({ event }) => event.tab, tabStale: true }) },
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
      initial: 'entering',
      states: {
        /** Back from a command, or a tab just opened: load what the open tab shows if it is not loaded yet. */
        entering: {
          always: [
            { guard: 'audit tab to load', target: 'loadingAudit' },
            { guard: 'sync tab to load', target: 'readingSync' },
            { target: 'idle' },
          ],
        },
        idle: {
          // Boards: live figures. The timer restarts on every entry, so it ticks only while the tab is idle and open.
          after: { boardsPoll: { guard: 'watching boards', target: 'polling' } },
        },
        /** A quiet re-read for the Boards tab (no busy tag: no spinner flashing every second; commands stay accepted). */
        polling: {
          invoke: {
            src: 'loadOverview',
            input: ({ context }) => ({ sessionId: context.session.sessionId }),
            onDone: { target: 'idle', actions: [assign({ overview: ({ event }) => event.output }), 'reportDoors'] },
            onError: { target: 'idle', actions: assign({ error: ({ event }) => asApiError(event.error) }) },
          },
        },
        loadingAudit: {
          tags: ['busy'],
          entry: assign({ tabStale: false }),
          invoke: {
            src: 'loadAudit',
            input: ({ context }) => ({ sessionId: context.session.sessionId, limit: 100 }),
            onDone: { target: 'idle', actions: assign({ audit: ({ event }) => event.output }) },
            onError: { target: 'idle', actions: assign({ error: ({ event }) => asApiError(event.error) }) },
          },
        },
        readingSync: {
          tags: ['busy'],
          entry: assign({ tabStale: false }),
          invoke: {
            src: 'sync',
            input: ({ context }) => ({ sessionId: context.session.sessionId, force: false }),
            onDone: { target: 'idle', actions: assign({ sync: ({ event }) => event.output }) },
            onError: { target: 'idle', actions: assign({ error: ({ event }) => asApiError(event.error) }) },
          },
        },
      },
      on: {
        OPEN_TAB: { target: '.entering', actions: assign({ tab: ({ event }) => event.tab, tabStale: true }) },
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
        AUDIT: { target: '.loadingAudit', actions: assign({ error: null }) },
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
        input: ({ context }) => ({ sessionId: context.session.sessionId, force: true }),
        onDone: { target: 'ready', actions: assign({ sync: ({ event }) => event.output }) },
        onError: { target: 'ready', actions: assign({ error: ({ event }) => asApiError(event.error) }) },
      },
    },
    finished: { type: 'final' },
  },
});

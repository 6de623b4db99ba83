import { z } from 'zod';
import { Barcode, OperationId, SessionId, Where, CompartmentId, Size, IsoTime, DoorOpState, DoorOpPurpose, DoorOperation } from './common';

export const Role = z.enum(['driver', 'technician']);
export const Session = z.object({
  sessionId: SessionId,
  role: Role,
  badgeId: z.string(),
  name: z.string().nullable(),
  expiresAt: IsoTime,
});
export type Session = z.infer<typeof Session>;

const WithSession = z.object({ sessionId: SessionId });

export const DropoffStarted = z.object({ operationId: OperationId, parcelId: z.string(), barcode: Barcode, where: Where });
/**
 * A parcel for the driver to take away: `expired` (not picked up in time; `expiredAt` is when) or `outgoing`, a drop-off
 * a sender left (ADR drop-offs; `expiredAt` is then when it went in). Absent `kind`: an older core, read as `expired`.
 */
export const ExpiredParcel = z.object({ parcelId: z.string(), barcode: Barcode, compartmentId: CompartmentId, expiredAt: IsoTime, kind: z.enum(['expired', 'outgoing']).optional() });

/** The unfinished door operation holding a compartment, as a technician needs to judge it. */
export const OperationInProgress = z.object({
  operationId: OperationId,
  purpose: DoorOpPurpose,
  state: DoorOpState,
  /** When the operation was journaled, and when its door was first read open (null: never seen open). */
  since: IsoTime,
  openedAt: IsoTime.nullable(),
  parcelBarcode: Barcode.nullable(),
});
/** A door alarm no technician has acknowledged yet (kept in the store, so it survives a restart). */
export const AlarmView = z.object({
  id: z.number().int(),
  at: IsoTime,
  /** `disk_low`: the kiosk's free disk space is under its reserve (ADR disk-bounds); it names no compartment (null). */
  kind: z.enum(['forced_open', 'jammed', 'door_left_open', 'unexpected_item', 'disk_low']),
  compartmentId: CompartmentId.nullable(),
});

export const CompartmentView = z.object({
  id: CompartmentId,
  size: Size,
  column: z.number().int(),
  row: z.number().int(),
  heightCm: z.number(),
  board: z.number().int(),
  lock: z.number().int(),
  inService: z.boolean(),
  status: z.enum(['free', 'occupied', 'expired', 'out_of_service']),
  door: z.enum(['open', 'closed', 'unknown']),
  item: z.boolean().nullable(),
  parcelBarcode: Barcode.nullable(),
  /** Until when the parcel inside may be picked up (it follows a recipient's or carrier's extension); absent: none. */
  parcelExpiresAt: IsoTime.nullable().optional(),
  /** The unfinished door operation on this compartment, if any (maintenance cannot open it until it ends or is resolved). */
  operation: OperationInProgress.nullable().optional(),
});
export const BoardView = z.object({
  board: z.number().int(),
  online: z.boolean(),
  lockBits: z.string(), // raw hex of LOCKS_1_8 LOCKS_9_16, as read, before polarity is applied
  irBits: z.string(),
  framesSent: z.number().int(),
  framesBad: z.number().int(),
  timeouts: z.number().int(),
});
/**
 * One audit row. `detail` is the stored JSON text exactly as hashed into the chain; `compartmentId` and `reference`
 * are lifted out of it by main (null when the entry has none) so the technician's list can show them as columns.
 */
export const AuditEntry = z.object({
  id: z.number().int(),
  at: IsoTime,
  actor: z.string(),
  action: z.string(),
  detail: z.string(),
  compartmentId: z.string().nullable(),
  reference: z.string().nullable(),
});

export const staffCalls = {
  /** A scanned badge token (server-signed). Errors: BADGE_INVALID, BADGE_EXPIRED, BADGE_REVOKED. */
  authBadge: { input: z.object({ badge: z.string().min(1).max(2048) }).strict(), output: Session },
  /**
   * Technician PIN fallback. Errors: PIN_INVALID (never a count of attempts left), LOCKED_OUT while PIN entry is
   * paused (details.retryAfterMs, details.pausedUntil); a technician badge still signs in then, and clears the pause.
   */
  authPin: { input: z.object({ pin: z.string().regex(/^[0-9]{4,12}$/) }).strict(), output: Session },
  /** Whether PIN entry is paused and until when (wall time, for people): the PIN screen says so before any digit. */
  authPinStatus: { input: z.object({}).strict(), output: z.object({ paused: z.boolean(), until: IsoTime.nullable() }) },
  authEnd: { input: WithSession.strict(), output: z.object({ ended: z.boolean() }) },

  /** Driver scans a parcel: allocate, journal, unlock. Errors: UNKNOWN_PARCEL, ALREADY_DEPOSITED (in the locker now), ALREADY_COMPLETED (delivered and since picked up or collected), DUPLICATE_SCAN, NO_COMPARTMENT, HARDWARE_OFFLINE. */
  dropoffScan: { input: WithSession.extend({ barcode: Barcode }).strict(), output: DropoffStarted },
  /** "Doesn't fit": the open compartment is released, the next size up is opened. */
  dropoffDoesntFit: { input: WithSession.extend({ operationId: OperationId }).strict(), output: DropoffStarted },
  /** "Door didn't open": that compartment goes out of service, another of the same size opens. */
  dropoffDoorDidntOpen: { input: WithSession.extend({ operationId: OperationId }).strict(), output: DropoffStarted },
  /** This visit's deliveries, newest first. */
  dropoffSummary: {
    input: WithSession.strict(),
    output: z.object({
      delivered: z.array(z.object({ barcode: Barcode, compartmentId: CompartmentId, state: DoorOpState })),
      keptByDriver: z.array(z.object({ barcode: Barcode, reason: z.string() })),
    }),
  },

  collectionList: { input: WithSession.strict(), output: z.object({ parcels: z.array(ExpiredParcel) }) },
  collectionOpen: { input: WithSession.extend({ parcelId: z.string().max(64) }).strict(), output: z.object({ operationId: OperationId, where: Where }) },

  maintenanceOverview: {
    input: WithSession.strict(),
    output: z.object({
      compartments: z.array(CompartmentView),
      boards: z.array(BoardView),
      lockBitMeansClosed: z.boolean(),
      /** Unacknowledged door alarms, newest first, from the store: the truth after sign-in or a restart. */
      alarms: z.array(AlarmView),
    }),
  },
  /** Acknowledges the given alarms, or all when `ids` is omitted (audited). Returns how many were still open. */
  /**
   * Clears the pickup keypad's hardened mode (ADR 0008 (code lockout)): the keypad takes a code alone again and earlier wrong entries
   * no longer count. Audited; the fleet is told (`codes.failed`, reason `cleared`). Returns what was cleared.
   */
  maintenanceClearCodeLockout: {
    input: WithSession.strict(),
    output: z.object({ wasHardened: z.boolean(), keypadFailures: z.number().int() }),
  },
  maintenanceAcknowledgeAlarms: {
    input: WithSession.extend({ ids: z.array(z.number().int().positive()).max(500).optional() }).strict(),
    output: z.object({ acknowledged: z.number().int() }),
  },
  /**
   * A door operation that never ends (the door stays open, or its sensor lies): re-read the board and close it out.
   * Door reads closed → finished as a normal close; open or unreadable → failed, compartment out of service for
   * inspection, a parcel flagged and left in the state the sensors support. Errors: INVALID_STATE (nothing in progress).
   */
  maintenanceResolveOperation: {
    input: WithSession.extend({ compartmentId: CompartmentId, reason: z.string().trim().min(3).max(200) }).strict(),
    output: z.object({
      operation: DoorOperation,
      /** `finished`: the door read closed and the purpose's close logic ran; `failed`: closed out for inspection. */
      resolution: z.enum(['finished', 'failed']),
      door: z.enum(['open', 'closed', 'unknown']),
      compartment: CompartmentView,
    }),
  },
  maintenanceOpenDoor: {
    input: WithSession.extend({ compartmentId: CompartmentId, reason: z.string().trim().min(3).max(200) }).strict(),
    output: z.object({ operationId: OperationId }),
  },
  maintenanceSetService: {
    input: WithSession.extend({ compartmentId: CompartmentId, inService: z.boolean(), reason: z.string().trim().min(3).max(200) }).strict(),
    output: CompartmentView,
  },
  maintenanceSelfTest: {
    input: WithSession.strict(),
    output: z.object({ boards: z.array(z.object({ board: z.number().int(), ok: z.boolean(), detail: z.string() })) }),
  },
  /**
   * The newest `limit` audit rows, newest first, and the chain's check (from its seal, ADR 0020). The viewing is
   * audited before the check runs, so `chain.checked` (when ok) counts every live row, the ones shown included
   * (entries archived after 90 days are behind the archive seal, not counted).
   */
  maintenanceAudit: {
    input: WithSession.extend({ limit: z.number().int().min(1).max(500).default(100) }).strict(),
    output: z.object({ entries: z.array(AuditEntry), chain: z.object({ ok: z.boolean(), checked: z.number().int(), brokenAt: z.number().int().nullable() }) }),
  },
  /**
   * Sync state; with `force` (the default, "Sync now") a sync runs first and is audited. `force: false` only reads the
   * state, for the Sync tab opening: looking must not write to the audit log or wait on the network.
   */
  maintenanceSync: {
    input: WithSession.extend({ force: z.boolean().default(true) }).strict(),
    output: z.object({ status: z.enum(['online', 'offline', 'unknown']), lastSyncAt: z.string().nullable(), outboxDepth: z.number().int(), lastError: z.string().nullable() }),
  },
} as const;

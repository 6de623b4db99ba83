import { z } from 'zod';
import { Barcode, CompartmentId, Locale, Size } from './api/common';

/**
 * The wire contract between a kiosk (src-main/sync) and the fleet server (src-server): every request and
 * response body, as zod schemas. Both sides parse with these; a field added here is added for both.
 *
 * Transport: HTTP/JSON under `/v1`. Kiosk endpoints are signed (see SIGNING below and
 * src-common/signing.ts for the implementation both sides import). Errors are always `ErrorBody`.
 * Design notes and conflict rules: docs/adr/0003-sync-and-conflicts.md.
 */

// ---------------------------------------------------------------------------------------------------------
// Versions (ADR protocol-version). A fleet runs mixed kiosk versions during a roll-out, so:
// - every kiosk request carries `x-sync-protocol: <n>`; none = version 1 (kiosks released before issue 11);
// - the server accepts MIN_SYNC_PROTOCOL_VERSION..any: a newer peer is served as this version, never refused for it;
// - kiosk request bodies are parsed without `.strict()`: a field this side does not know is dropped, not an error
//   (wrong types, out-of-range values and `__proto__` keys are still refused); carrier/admin bodies stay strict;
// - the kiosk parses answers the same way: unknown fields are dropped, an unknown event outcome or error code is
//   carried as a plain string;
// - a change that an older peer would misread (a renamed field, a new meaning) needs a new version number and the
//   server keeps answering the previous one until MIN_SYNC_PROTOCOL_VERSION moves past it.

/** The version this code speaks. 2 = versioned requests, lenient parsing (issue 11). */
export const SYNC_PROTOCOL_VERSION = 2;
/** The oldest version the server still answers. */
export const MIN_SYNC_PROTOCOL_VERSION = 1;
/** Request and answer header carrying the sender's version (decimal). Not signed: it only selects leniency. */
export const HEADER_SYNC_PROTOCOL = 'x-sync-protocol';

// ---------------------------------------------------------------------------------------------------------
// Building blocks

export const KioskId = z.string().regex(/^K-[A-Za-z0-9]{8,32}$/);
export const ParcelId = z.string().regex(/^p_[A-Za-z0-9]{8,40}$/);
export const BadgeId = z.string().regex(/^b_[A-Za-z0-9]{8,40}$/);
export const EventId = z.uuid();
export const CommandId = z.string().regex(/^c_[A-Za-z0-9]{8,40}$/);
/** ISO-8601 instant with offset, e.g. `2025-01-31T12:00:00.000Z`. */
export const Instant = z.iso.datetime({ offset: true });
/** Opaque to the kiosk; today the decimal sequence number of the last change it has seen. `'0'` = from the start. */
export const Cursor = z.string().regex(/^[0-9]{1,16}$/);
/** Lowercase hex HMAC-SHA256(kioskSecret, code): what the kiosk stores instead of the code. */
export const CodeDigest = z.string().regex(/^[0-9a-f]{64}$/);
/**
 * An IANA time zone name (`Europe/Warsaw`, `UTC`) that this runtime's Intl knows, read back in Intl's spelling
 * (`europe/warsaw` → `Europe/Warsaw`). Fixed offsets (`+01:00`) are refused: a kiosk's clock follows daylight saving.
 * Where it is used: a kiosk's zone, in which its recipients' messages state deadlines (issue 12).
 */
export const TimeZone = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z][A-Za-z0-9_+\-/]*$/, 'an IANA time zone name, e.g. Europe/Warsaw')
  .transform((tz, ctx) => {
    try {
      return new Intl.DateTimeFormat('en', { timeZone: tz }).resolvedOptions().timeZone;
    } catch {
      ctx.addIssue({ code: 'custom', message: `unknown time zone ${tz} (an IANA name, e.g. Europe/Warsaw)` });
      return z.NEVER;
    }
  });
export const SizeCounts = z
  .object({
    S: z.number().int().min(0).max(10_000),
    M: z.number().int().min(0).max(10_000),
    L: z.number().int().min(0).max(10_000),
    XL: z.number().int().min(0).max(10_000),
  });
export type SizeCounts = z.infer<typeof SizeCounts>;

// ---------------------------------------------------------------------------------------------------------
// Errors

export const SERVER_ERROR_CODES = [
  'BAD_INPUT',
  'UNAUTHORIZED', // missing/bad signature, stale timestamp, replayed nonce, bad admin key, bad enrollment token
  'FORBIDDEN', // signed by one kiosk, addressed to another
  'NOT_FOUND',
  'NO_CAPACITY', // shipment intake: the kiosk cannot take this parcel
  'DUPLICATE', // shipment intake: an active parcel already has this barcode
  'INVALID_STATE', // e.g. cancel a parcel that is already deposited
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'RATE_LIMITED', // 429 with retry-after: too many requests from this address or for this key (ADR server-hardening)
  'INTERNAL',
] as const;
export const ServerErrorCode = z.enum(SERVER_ERROR_CODES);
export type ServerErrorCode = z.infer<typeof ServerErrorCode>;
/** `code` is read as a plain string: a newer server's new code must not turn its error into a protocol error. */
export const ErrorBody = z.object({ error: z.object({ code: z.string().max(60), message: z.string() }) });
export type ErrorBody = z.infer<typeof ErrorBody>;

// ---------------------------------------------------------------------------------------------------------
// Signing (implementation: src-common/signing.ts)

/**
 * Every request to `/v1/kiosks/:id/*` except enroll carries these headers:
 * - `x-kiosk-id`: the kiosk id (must equal `:id`)
 * - `x-timestamp`: the kiosk's clock, ms since the epoch, decimal; refused outside ±5 minutes of the server's
 * - `x-nonce`: 16–64 chars `[A-Za-z0-9_-]`, never reused by this kiosk (the server remembers them past the window)
 * - `x-signature`: lowercase hex HMAC-SHA256(kioskSecret, canonical), where canonical is
 *   `${METHOD}\n${pathWithQuery}\n${timestamp}\n${nonce}\n${sha256hex(rawBodyBytes)}`
 *   (METHOD upper case; pathWithQuery exactly as sent on the request line, e.g. `/v1/kiosks/K-1/manifest?cursor=0`;
 *   an absent body hashes as the empty string).
 * Failures → 401 `UNAUTHORIZED` with a message saying which check failed.
 */
export const SIGNING = {
  headers: { kioskId: 'x-kiosk-id', timestamp: 'x-timestamp', nonce: 'x-nonce', signature: 'x-signature' },
  maxClockSkewMs: 5 * 60_000,
  nonce: /^[A-Za-z0-9_-]{16,64}$/,
} as const;

// ---------------------------------------------------------------------------------------------------------
// Enrollment: POST /v1/kiosks/enroll (unsigned; the one-time token is the credential)

export const EnrollRequest = z
  .object({
    enrollmentToken: z.string().min(16).max(128),
    capacity: SizeCounts,
    layoutName: z.string().min(1).max(80).optional(),
    version: z.string().min(1).max(40).optional(),
    /** The kiosk's own idea of its zone; an enrollment token that names one wins (the operator chose it). Default UTC. */
    timeZone: TimeZone.optional(),
  });
export type EnrollRequest = z.infer<typeof EnrollRequest>;

// MQTT forbids wildcards (+ #) and NUL in a topic name (MQTT 3.1.1 §4.7.3).
const MqttTopic = z
  .string()
  .min(1)
  .max(200)
  .refine((t) => !/[#+]/.test(t) && !t.includes(String.fromCharCode(0)), 'a topic name, no wildcards');

/**
 * The kiosk's own broker account (MQTT 3.1.1). The broker lets it subscribe to `pingTopic` and `broadcastTopic` only and
 * publish `presence` only (retained `online`; last will, retained, `offline`). A ping's payload is at most
 * `{"kind":"manifest"}`: the kiosk then pulls over the signed HTTP path. Keep `password` like the kiosk secret.
 */
export const PushCredentials = z.object({
  url: z.string().regex(/^(mqtts?|wss?):\/\/[^\s]+$/, 'an mqtt://, mqtts://, ws:// or wss:// URL').max(300),
  username: z.string().min(1).max(100),
  password: z.string().min(16).max(200),
  pingTopic: MqttTopic,
  broadcastTopic: MqttTopic,
  presenceTopic: MqttTopic,
});
export type PushCredentials = z.infer<typeof PushCredentials>;

export const EnrollResponse = z.object({
  kioskId: KioskId,
  /** 32 random bytes, base64. Keep it secret: it signs requests and keys the code digests. */
  kioskSecret: z.string().min(40).max(64),
  /** Ed25519 public key (SPKI PEM) that verifies badge tokens offline. */
  badgePublicKey: z.string().min(40).max(400),
  serverTime: Instant,
  /** Default days a parcel may wait after deposit, unless a manifest entry says otherwise. */
  pickupWindowDays: z.number().int().min(1).max(60),
  /** Present when the fleet pushes over MQTT (ADR mqtt-push); absent: the kiosk polls. Optional: v1 peers omit it. */
  push: PushCredentials.optional(),
});
export type EnrollResponse = z.infer<typeof EnrollResponse>;

// ---------------------------------------------------------------------------------------------------------
// Manifest: GET /v1/kiosks/:id/manifest?cursor=<Cursor>&limit=<1..500>

export const ManifestQuery = z
  .object({
    cursor: Cursor.default('0'),
    limit: z.coerce.number().int().min(1).max(500).default(200),
    /**
     * The UUID of the last event the server acked to this kiosk (ADR restore-epoch). The answer says whether the server
     * still has it (`lastEventKnown`): a server restored from an older backup has lost it, and the kiosk re-sends.
     */
    lastEvent: EventId.optional(),
  });
export type ManifestQuery = z.infer<typeof ManifestQuery>;

/**
 * Every manifest entry carries `seq`, the server's change sequence number. Apply all entries of a page in
 * ascending `seq` order (an expected parcel may be cancelled or extended later in the same page), then store
 * `nextCursor` in the same local transaction.
 */
/** An opaque recipient group at one kiosk (base64url, 22–64 chars): see ExpectedParcel.groupKey. */
export const GroupKey = z.string().regex(/^[A-Za-z0-9_-]{22,64}$/);

export const ExpectedParcel = z.object({
  seq: z.number().int().min(1),
  parcelId: ParcelId,
  barcode: Barcode,
  size: Size,
  codeDigest: CodeDigest,
  /** Days from deposit until the parcel expires; the kiosk computes expiresAt = depositedAt + days. */
  pickupWindowDays: z.number().int().min(1).max(60),
  /** Recipient asked for a compartment within easy reach (low-reach layout). No recipient identity is sent. */
  accessible: z.boolean(),
  /** HMAC-SHA256(kioskSecret, `qr:` + QR token), ADR 0008 (code lockout). Absent from older servers: that parcel has no QR token. */
  qrDigest: CodeDigest.optional(),
  /** HMAC-SHA256(kioskSecret, `check:` + code + `:` + check code), ADR 0008 (code lockout). Absent from older servers. */
  checkDigest: CodeDigest.optional(),
  /**
   * Parcels for the same recipient at this kiosk share it (ADR customer-self-service): an opaque HMAC of the normalized
   * recipient and the kiosk id under a server key, so it names nobody and differs per kiosk. Absent: no group.
   */
  groupKey: GroupKey.optional(),
});
export type ExpectedParcel = z.infer<typeof ExpectedParcel>;

/**
 * Why the server cancelled (absent from older servers): a carrier's cancel, never delivered in time (released), or a
 * drop-off code unused by its deadline (ADR 0019 drop-offs).
 */
export const CancelReason = z.enum(['carrier', 'not_delivered', 'return_to_sender', 'dropoff_expired']);
export type CancelReason = z.infer<typeof CancelReason>;
export const Cancellation = z.object({
  seq: z.number().int().min(1),
  parcelId: ParcelId,
  barcode: Barcode,
  cancelledAt: Instant,
  /** A reason this kiosk does not know (a newer server) is kept as a string. */
  reason: z.union([CancelReason, z.string().max(40)]).optional(),
});
export type Cancellation = z.infer<typeof Cancellation>;

/**
 * A new expiry. When the server knows the deposit time, `expiresAt` is absolute; otherwise (still expected) it is
 * null and `pickupWindowDays` replaces the window. Applying it twice is harmless (absolute values, no deltas).
 */
export const ExpiryExtension = z.object({
  seq: z.number().int().min(1),
  parcelId: ParcelId,
  barcode: Barcode,
  pickupWindowDays: z.number().int().min(1).max(60),
  expiresAt: Instant.nullable(),
});
export type ExpiryExtension = z.infer<typeof ExpiryExtension>;

export const BadgeRevocation = z.object({ seq: z.number().int().min(1), badgeId: BadgeId, revokedAt: Instant });

/**
 * A parcel's pickup secrets were re-issued (ADR code-reissue: an operator's resend, a replaced kiosk PC): its code,
 * QR and check digests are REPLACED, so the old code stops opening and the new one (sent to the recipient) opens.
 * Applies to a parcel still expected, deposited or expired at the kiosk; anything else ignores it.
 */
export const CodeReissue = z.object({
  seq: z.number().int().min(1),
  parcelId: ParcelId,
  barcode: Barcode,
  codeDigest: CodeDigest,
  qrDigest: CodeDigest,
  checkDigest: CodeDigest,
});
export type CodeReissue = z.infer<typeof CodeReissue>;

/**
 * An operator marked this parcel for return to sender (ADR return-reenroll). A parcel in a compartment stops opening by
 * code or QR (the keypad answers as for an expired one) and is listed for the driver's collection; an expected parcel
 * comes as a cancellation (reason `return_to_sender`) instead, so a kiosk that does not know this list refuses it too.
 */
export const ReturnToSender = z.object({
  seq: z.number().int().min(1),
  parcelId: ParcelId,
  barcode: Barcode,
  requestedAt: Instant,
});
export type ReturnToSender = z.infer<typeof ReturnToSender>;

/**
 * A parcel that is already in a compartment (ADR return-reenroll), written after a replaced kiosk PC re-enrolled: the new
 * PC's empty store learns which compartment holds which parcel. Its `codeDigest` is the old one (made under the old
 * secret, so it opens nothing): a `code_reissued` entry for the parcel follows with the new digests.
 */
export const PlacedParcel = z.object({
  seq: z.number().int().min(1),
  parcelId: ParcelId,
  barcode: Barcode,
  size: Size,
  accessible: z.boolean(),
  compartmentId: CompartmentId,
  status: z.enum(['deposited', 'expired']),
  codeDigest: CodeDigest,
  pickupWindowDays: z.number().int().min(1).max(60),
  depositedAt: Instant,
  expiresAt: Instant,
  /** Marked for return to sender: kept for collection, never opened by code. */
  returnToSender: z.boolean(),
  /** The recipient's group at this kiosk, as in its `expected` entry (red team 13b: a new PC lost "all my parcels"). */
  groupKey: GroupKey.optional(),
});
export type PlacedParcel = z.infer<typeof PlacedParcel>;

/**
 * A sender's drop-off already in a compartment (ADR 0019, ADR return-reenroll), written after a replaced kiosk PC
 * re-enrolled: the new PC lists it for the driver's collection. No code (the sender is done with it) and no expiry (a
 * deposited drop-off waits for a driver, not a recipient). A list of its own, as `dropoffs` is: a kiosk that does not
 * know drop-offs drops it unread rather than take the parcel for a delivery with a pickup deadline.
 */
export const PlacedDropoff = z.object({
  seq: z.number().int().min(1),
  parcelId: ParcelId,
  barcode: Barcode,
  size: Size,
  compartmentId: CompartmentId,
  depositedAt: Instant,
  /** The kiosk reference the sender got; null only if the deposit reached the server without one. */
  receipt: z.string().regex(/^R-[A-Z0-9]{6}$/).nullable(),
});
export type PlacedDropoff = z.infer<typeof PlacedDropoff>;

/**
 * The recipient asked, before delivery, for a compartment within reach (ADR customer-self-service): the kiosk's
 * allocation then prefers low compartments for this parcel. Applies only while the parcel is still expected there.
 */
export const ParcelPreference = z.object({
  seq: z.number().int().min(1),
  parcelId: ParcelId,
  barcode: Barcode,
  accessible: z.boolean(),
});
export type ParcelPreference = z.infer<typeof ParcelPreference>;

/**
 * A drop-off (ADR 0019): a sender will bring this parcel to the kiosk with the code (or QR) from their message; the kiosk
 * opens a free compartment of `size` (or larger) and the parcel leaves with a driver's collection. A separate list from
 * `expected` on purpose: a kiosk that does not know drop-offs drops the list unread instead of taking the parcel for a
 * delivery a driver brings. The code lives in the kiosk's one code space (HMAC as for pickups, the same lockout).
 */
export const ExpectedDropoff = z.object({
  seq: z.number().int().min(1),
  parcelId: ParcelId,
  barcode: Barcode,
  size: Size,
  codeDigest: CodeDigest,
  qrDigest: CodeDigest,
  checkDigest: CodeDigest,
  /** After this the code no longer opens a door (the server frees the reservation and cancels it). */
  deadline: Instant,
});
export type ExpectedDropoff = z.infer<typeof ExpectedDropoff>;

export const ManifestResponse = z.object({
  expected: z.array(ExpectedParcel),
  cancellations: z.array(Cancellation),
  extensions: z.array(ExpiryExtension),
  /** Re-issued pickup codes (ADR code-reissue). Absent from older servers. */
  reissues: z.array(CodeReissue).optional(),
  /** Parcels marked for return to sender (ADR return-reenroll). Absent from older servers. */
  returns: z.array(ReturnToSender).optional(),
  /** Parcels in compartments, after a re-enrollment (ADR return-reenroll). Absent from older servers. */
  placed: z.array(PlacedParcel).optional(),
  /** Drop-offs announced to this kiosk (ADR 0019). Absent from older servers. */
  dropoffs: z.array(ExpectedDropoff).optional(),
  /** Drop-offs in compartments, after a re-enrollment (ADR 0019, return-reenroll). Absent from older servers. */
  placedDropoffs: z.array(PlacedDropoff).optional(),
  /** Recipients' requests for a compartment within reach (ADR customer-self-service). Absent from older servers. */
  preferences: z.array(ParcelPreference).optional(),
  /** Newly revoked badges in this page (a kiosk starting from cursor 0 receives every revocation still relevant). */
  revokedBadges: z.array(BadgeRevocation),
  /** Convenience: the ids of `revokedBadges`. */
  revokedBadgeIds: z.array(BadgeId),
  nextCursor: Cursor,
  /** True when more changes wait after nextCursor: ask again at once. */
  hasMore: z.boolean(),
  serverTime: Instant,
  /**
   * The server database's epoch (ADR restore-epoch): changes when the database was restored from an older backup. A
   * kiosk that sees a new one resets its cursor to '0' and re-sends the events it keeps. Absent from older servers.
   */
  epoch: z.string().min(1).max(64).optional(),
  /** This kiosk's manifest head on the server: below the cursor the kiosk sent = the server went back in time. */
  head: z.number().int().min(0).optional(),
  /** Whether the server has the `lastEvent` the request named (absent when none was named, or from older servers). */
  lastEventKnown: z.boolean().optional(),
});
export type ManifestResponse = z.infer<typeof ManifestResponse>;

// ---------------------------------------------------------------------------------------------------------
// Events: POST /v1/kiosks/:id/events

/** Optional parcel reference: the kiosk sends the server's parcelId it got from the manifest, plus the barcode. */
const ParcelRef = { parcelId: ParcelId.optional(), barcode: Barcode };
/** Badge of the staff member who acted, when one did. */
const Actor = { badgeId: BadgeId.optional() };

export const EVENT_PAYLOADS = {
  'parcel.deposited': z.object({ ...ParcelRef, ...Actor, compartmentId: CompartmentId, size: Size, expiresAt: Instant }),
  'parcel.picked_up': z.object({ ...ParcelRef, compartmentId: CompartmentId }),
  'parcel.expired': z.object({ ...ParcelRef, compartmentId: CompartmentId }),
  /**
   * The kiosk re-anchored a deposited parcel's expiry after a wall-clock jump (ADR time): its deposit was stamped by
   * a clock since corrected, or a bogus forward jump expired it and was reverted (then it is deposited again).
   */
  'parcel.expiry_corrected': z.object({ ...ParcelRef, compartmentId: CompartmentId, expiresAt: Instant }),
  'parcel.collected': z.object({ ...ParcelRef, ...Actor, compartmentId: CompartmentId }),
  /** The driver could not deposit it (did not fit anywhere, no free compartment, door faults) and took it back. */
  'parcel.kept_by_driver': z
    .object({ ...ParcelRef, ...Actor, reason: z.enum(['does_not_fit', 'no_compartment', 'door_fault', 'other']) })
    ,
  'problem.reported': z
    .object({
      kind: z.enum(['damaged', 'missing', 'wrong_parcel', 'door_wont_open', 'other']),
      barcode: Barcode.optional(),
      parcelId: ParcelId.optional(),
      compartmentId: CompartmentId.optional(),
      reference: z.string().max(40).optional(),
      note: z.string().max(500).optional(),
    })
    ,
  'compartment.out_of_service': z.object({ ...Actor, compartmentId: CompartmentId, reason: z.string().max(200) }),
  'compartment.in_service': z.object({ ...Actor, compartmentId: CompartmentId }),
  'door.forced_open': z.object({ compartmentId: CompartmentId }),
  'door.jammed': z.object({ compartmentId: CompartmentId, reference: z.string().max(40).optional() }),
  'door.left_open': z.object({ compartmentId: CompartmentId, openForMs: z.number().int().min(0) }),
  'maintenance.door_opened': z.object({ ...Actor, compartmentId: CompartmentId, reason: z.string().max(200) }),
  /**
   * The kiosk's wall clock was stepped (NTP, a technician): `fromIso` is where it would have been, `toIso` where it
   * went, `deltaMs` = to − from (either sign). Its durations run on a monotonic clock; see the time ADR.
   */
  'clock.jumped': z.object({ fromIso: Instant, toIso: Instant, deltaMs: z.number().int() }),
  /**
   * Wrong pickup entries at this kiosk (ADR 0008 (code lockout)): counts over the rolling window, never a code. Sent when the
   * keypad's mode changes (`plain` ↔ `hardened`, or a technician cleared it) and as an hourly summary while failures go on.
   */
  'codes.failed': z
    .object({
      windowHours: z.number().min(0).max(24 * 30),
      keypadFailures: z.number().int().min(0),
      qrFailures: z.number().int().min(0),
      mode: z.enum(['plain', 'hardened']),
      reason: z.enum(['hardened', 'relaxed', 'cleared', 'summary']),
      ...Actor,
    })
    ,
  /**
   * The technician PIN was paused after too many wrong PINs (`paused`: how many in the window, for how long), or a
   * technician's badge sign-in cleared the pause (`cleared`, with the badge). Counts only, never a PIN (ADR 0008).
   */
  'pin.lockout': z.object({
    windowMinutes: z.number().min(0).max(24 * 60),
    failures: z.number().int().min(0),
    pausedForMs: z.number().int().min(0),
    reason: z.enum(['paused', 'cleared']),
    ...Actor,
  }),
  /**
   * What the kiosk did with a remote command (ADR remote-commands): `executed`; `refused` with why (`invalid`
   * signature, `expired`, `foreign_kiosk`, `replayed`, `unknown_compartment`, `busy`, `board_offline`); `door_fault`
   * (the unlock went out and failed). `parcelBarcode`: a parcel was inside the door it opened (to be inspected).
   */
  /**
   * A sender put a drop-off parcel into `compartmentId` and the door closed on it (the item sensor saw it, or on boards
   * without sensors the sender confirmed). `receipt` is the reference the sender was shown (ADR 0019).
   */
  'dropoff.deposited': z.object({ ...ParcelRef, compartmentId: CompartmentId, size: Size, receipt: z.string().regex(/^R-[A-Z0-9]{6}$/) }),
  'command.result': z.object({
    commandId: CommandId,
    outcome: z.enum(['executed', 'refused', 'door_fault']),
    reason: z.string().max(40).optional(),
    compartmentId: CompartmentId.optional(),
    operationId: z.string().max(60).optional(),
    parcelBarcode: Barcode.optional(),
  }),
} as const;

export type EventType = keyof typeof EVENT_PAYLOADS;
export const EVENT_TYPES = Object.keys(EVENT_PAYLOADS) as [EventType, ...EventType[]];
export const EventTypeSchema = z.enum(EVENT_TYPES);

function eventSchema<T extends EventType>(type: T) {
  return z.object({ id: EventId, type: z.literal(type), occurredAt: Instant, payload: EVENT_PAYLOADS[type] });
}

export const SyncEvent = z.discriminatedUnion('type', [
  eventSchema('parcel.deposited'),
  eventSchema('parcel.picked_up'),
  eventSchema('parcel.expired'),
  eventSchema('parcel.collected'),
  eventSchema('parcel.kept_by_driver'),
  eventSchema('problem.reported'),
  eventSchema('compartment.out_of_service'),
  eventSchema('compartment.in_service'),
  eventSchema('door.forced_open'),
  eventSchema('door.jammed'),
  eventSchema('door.left_open'),
  eventSchema('maintenance.door_opened'),
  eventSchema('clock.jumped'),
  eventSchema('parcel.expiry_corrected'),
  eventSchema('codes.failed'),
  eventSchema('pin.lockout'),
  eventSchema('command.result'),
  eventSchema('dropoff.deposited'),
]);
export type SyncEvent = z.infer<typeof SyncEvent>;
export type SyncEventOf<T extends EventType> = Extract<SyncEvent, { type: T }>;

export const MAX_EVENTS_PER_BATCH = 500;
/** A batch is validated as a whole: one malformed event → 400 and nothing applied. Order = outbox order. */
export const EventsRequest = z.object({ events: z.array(SyncEvent).min(1).max(MAX_EVENTS_PER_BATCH) });
export type EventsRequest = z.infer<typeof EventsRequest>;

/**
 * How the server took each event. Every event in a valid batch is acked (the kiosk may drop it from its outbox),
 * whatever the outcome: `applied` changed the server's view; `duplicate` was seen before (same UUID);
 * `recorded` was stored without a status change (a fact the server keeps but had nothing to update, e.g. a door
 * alarm or a parcel the server does not know); `conflict` was applied over the server's own differing view
 * (the kiosk's physical fact wins, e.g. a deposit of a parcel the server had cancelled).
 */
export const EventOutcome = z.enum(['applied', 'duplicate', 'recorded', 'conflict']);
export const EventsResponse = z.object({
  acked: z.array(EventId),
  /** An outcome this kiosk does not know (a newer server) is kept as a string: `acked` is what counts. */
  results: z.array(z.object({ id: EventId, outcome: z.union([EventOutcome, z.string().max(40)]), note: z.string().optional() })),
});
export type EventsResponse = z.infer<typeof EventsResponse>;

// ---------------------------------------------------------------------------------------------------------
// Heartbeat: POST /v1/kiosks/:id/heartbeat

export const KioskFault = z
  .object({
    code: z.string().min(1).max(40),
    compartmentId: CompartmentId.optional(),
    message: z.string().max(200).optional(),
  });

/**
 * The kiosk's disk (ADR disk-bounds), bytes: `dataDir` is every file under its data dir, `free` what its file system
 * still gives, `total` its size, `reserve` the free space under which the kiosk refuses new operations; `low` = free <
 * reserve (the fleet's `disk.low` alert). Optional in the heartbeat: older kiosks omit it, older servers ignore it.
 */
export const HeartbeatDisk = z.object({
  dataDirBytes: z.number().int().min(0),
  freeBytes: z.number().int().min(0),
  totalBytes: z.number().int().min(0),
  reserveBytes: z.number().int().min(0),
  low: z.boolean(),
});
export type HeartbeatDisk = z.infer<typeof HeartbeatDisk>;

export const HeartbeatRequest = z
  .object({
    /** In-service compartments with no parcel and no pending operation, per size. */
    freeBySize: SizeCounts,
    /** In-service compartments per size (free or not); optional, shown on the fleet page. */
    inServiceBySize: SizeCounts.optional(),
    faults: z.array(KioskFault).max(100),
    outboxDepth: z.number().int().min(0),
    version: z.string().min(1).max(40),
    /** The manifest cursor the kiosk holds; lets the server say whether a pull is due. */
    cursor: Cursor.optional(),
    /** Each compartment's state for the console's live grid (ADR remote-commands). Optional: older kiosks omit it. */
    compartments: z
      .array(
        z.object({
          id: CompartmentId,
          size: Size,
          status: z.enum(['free', 'occupied', 'expired', 'out_of_service']),
          door: z.enum(['open', 'closed', 'unknown']),
        }),
      )
      .max(400)
      .optional(),
    disk: HeartbeatDisk.optional(),
  });
export type HeartbeatRequest = z.infer<typeof HeartbeatRequest>;

export const HeartbeatResponse = z.object({
  serverTime: Instant,
  /** True when the manifest has changes after the kiosk's cursor (after '0' when no cursor was sent). */
  manifestPending: z.boolean(),
  /** Remote commands wait for this kiosk (GET /v1/kiosks/:id/commands). Absent from older servers. */
  commandsPending: z.boolean().optional(),
});
export type HeartbeatResponse = z.infer<typeof HeartbeatResponse>;

// ---------------------------------------------------------------------------------------------------------
// "I lost my code": POST /v1/kiosks/:id/lost-code (signed; ADR customer-self-service)

/** E.164, e.g. +48500100200 (the form recipients' phones are stored in). */
export const PhoneE164 = z.string().regex(/^\+[1-9][0-9]{6,14}$/);
/**
 * A customer at the kiosk typed the phone number their parcel was sent to. If a deposited parcel for it waits at THIS
 * kiosk, the server re-issues its code (ADR code-reissue) and texts the new one to that number only. The answer is the
 * same whatever was found (no enumeration); 429 `RATE_LIMITED` past the limits per number and per kiosk.
 *
 * `confirm: 'separately'` (ADR customer-self-service, "an answer too late"): the server only looks and counts, answers
 * with a `ticket`, and re-issues when the kiosk confirms it (POST .../lost-code/confirm) within
 * LOST_CODE_CONFIRM_WINDOW_MS. A request that reaches the server after the kiosk stopped waiting then changes nothing.
 * Without it (kiosks before this), the server re-issues at once; a server before this ignores the field and answers
 * without a ticket, which the kiosk takes as done.
 */
export const LostCodeRequest = z.object({ phone: PhoneE164, confirm: z.literal('separately').optional() });
export type LostCodeRequest = z.infer<typeof LostCodeRequest>;
/** `lc_` + 22 base64url characters (128 bits): names one request of one kiosk, nothing about the number. */
export const LostCodeTicket = z.string().regex(/^lc_[A-Za-z0-9_-]{22}$/);
export const LostCodeResponse = z.object({ accepted: z.literal(true), ticket: LostCodeTicket.optional() });
export type LostCodeResponse = z.infer<typeof LostCodeResponse>;
/** POST /v1/kiosks/:id/lost-code/confirm: 404 for another kiosk's or an unknown ticket, 409 past the window; repeat-safe. */
export const LostCodeConfirm = z.object({ ticket: LostCodeTicket }).strict();
export type LostCodeConfirm = z.infer<typeof LostCodeConfirm>;
/** How long after its question a kiosk may confirm: its request timeout and a second request, with room to spare. */
export const LOST_CODE_CONFIRM_WINDOW_MS = 60_000;

// ---------------------------------------------------------------------------------------------------------
// Remote commands: GET /v1/kiosks/:id/commands (signed; ADR remote-commands)

/** The signed commands waiting for this kiosk (at most 50, oldest first); each `token` is checked by src-common/command-token.ts. */
export const CommandsResponse = z.object({
  commands: z.array(z.object({ commandId: CommandId, token: z.string().min(20).max(2048) })).max(50),
  serverTime: Instant,
});
export type CommandsResponse = z.infer<typeof CommandsResponse>;

// ---------------------------------------------------------------------------------------------------------
// Carrier / admin endpoints (API key: `authorization: Bearer <adminKey>`)

export const Recipient = z
  .object({
    email: z.email().max(200).optional(),
    /** E.164, e.g. +48500100200 */
    phone: z.string().regex(/^\+[1-9][0-9]{6,14}$/).optional(),
    name: z.string().min(1).max(120).optional(),
  })
  .strict()
  .refine((r) => r.email !== undefined || r.phone !== undefined, { message: 'recipient needs an email or a phone' });

/** POST /v1/shipments */
export const ShipmentRequest = z
  .object({
    barcode: Barcode,
    size: Size,
    recipient: Recipient,
    accessible: z.boolean().default(false),
    kioskId: KioskId,
    pickupWindowDays: z.number().int().min(1).max(60).optional(),
    /** The recipient's language for the code message, reminder and notice (the kiosk's languages). Default en. */
    locale: Locale.default('en'),
  })
  .strict();
export type ShipmentRequest = z.input<typeof ShipmentRequest>;
export const ShipmentResponse = z.object({ parcelId: ParcelId, barcode: Barcode, kioskId: KioskId, status: z.literal('expected') });
export type ShipmentResponse = z.infer<typeof ShipmentResponse>;

/**
 * POST /v1/dropoffs (ADR 0019): a merchant or carrier books a drop-off: the sender brings a parcel of `size` to `kioskId`
 * by `validDays` (default 7) with the code sent to `sender`. `barcode` is the parcel's label, the idempotency key as for
 * shipments (one active parcel per barcode: a second booking is 409 DUPLICATE). `destination.reference`: where it goes
 * (a return authorisation, an address id), passed back in webhooks. `locale`: the language of the sender's messages.
 */
export const DropoffRequest = z
  .object({
    barcode: Barcode,
    size: Size,
    kioskId: KioskId,
    sender: Recipient,
    destination: z.object({ reference: z.string().trim().min(1).max(80).regex(/^[\x20-\x7e]+$/, 'printable ASCII') }).strict(),
    locale: Locale.optional(),
    validDays: z.number().int().min(1).max(30).optional(),
  })
  .strict();
export type DropoffRequest = z.input<typeof DropoffRequest>;
export const DropoffResponse = z.object({
  parcelId: ParcelId,
  barcode: Barcode,
  kioskId: KioskId,
  status: z.literal('expected'),
  direction: z.literal('out'),
  deadline: Instant,
});
export type DropoffResponse = z.infer<typeof DropoffResponse>;

/** POST /v1/shipments/:barcode/extend */
export const ExtendRequest = z.object({ days: z.number().int().min(1).max(30) }).strict();

export const ParcelStatus = z.enum(['expected', 'deposited', 'picked_up', 'expired', 'collected', 'cancelled']);
export type ParcelStatus = z.infer<typeof ParcelStatus>;

/** GET /v1/parcels/:barcode → the most recent parcel with that barcode. */
export const ParcelView = z.object({
  parcelId: ParcelId,
  barcode: Barcode,
  kioskId: KioskId,
  size: Size,
  status: ParcelStatus,
  accessible: z.boolean(),
  compartmentId: CompartmentId.nullable(),
  pickupWindowDays: z.number().int(),
  createdAt: Instant,
  depositedAt: Instant.nullable(),
  expiresAt: Instant.nullable(),
  pickedUpAt: Instant.nullable(),
  cancelledAt: Instant.nullable(),
  /** Why it was cancelled: `carrier`, or `not_delivered` (released after `--undelivered-days`); null otherwise or unknown. */
  cancelReason: CancelReason.nullable().optional(),
  /** Set when a kiosk's physical fact overrode the server's view (see ADR 0003). */
  conflict: z.string().nullable(),
  /** `out`: a drop-off (ADR 0019), which leaves the kiosk with a driver; absent/`in`: a delivery to a recipient. */
  direction: z.enum(['in', 'out']).optional(),
  /** Drop-offs: the destination reference, the deadline for the sender, and the receipt shown at deposit. */
  destinationRef: z.string().nullable().optional(),
  dropoffDeadline: Instant.nullable().optional(),
  receipt: z.string().nullable().optional(),
  notifications: z.array(z.object({ kind: z.string(), channel: z.string(), status: z.string(), attempts: z.number() })),
});
export type ParcelView = z.infer<typeof ParcelView>;

/** POST /v1/badges */
export const BadgeRole = z.enum(['driver', 'technician']);
export type BadgeRole = z.infer<typeof BadgeRole>;
export const BadgeRequest = z
  .object({ role: BadgeRole, name: z.string().min(1).max(80), ttlHours: z.number().int().min(1).max(24 * 366) })
  .strict();
export const BadgeResponse = z.object({ badgeId: BadgeId, token: z.string(), expiresAt: Instant });
export type BadgeResponse = z.infer<typeof BadgeResponse>;

/** POST /v1/enrollment-tokens (admin) → a one-time token for `POST /v1/kiosks/enroll`. */
export const EnrollmentTokenRequest = z
  .object({
    ttlHours: z.number().int().min(1).max(24 * 30).default(24),
    /** The zone of the kiosk this token enrolls: its recipients' deadlines are stated in it. Default: the kiosk's own, else UTC. */
    timeZone: TimeZone.optional(),
  })
  .strict();
export const EnrollmentTokenResponse = z.object({ enrollmentToken: z.string(), expiresAt: Instant });

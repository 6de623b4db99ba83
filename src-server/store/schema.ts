import type { Generated, Kysely } from 'kysely';

/**
 * The fleet database's tables as the query layer sees them (both dialects). Times are ms since the epoch (INTEGER on
 * SQLite, BIGINT on PostgreSQL, read back as numbers: see db.ts); booleans are 0/1 integers on both.
 */
export interface KiosksTable {
  id: string;
  secret_sealed: string;
  layout_name: string | null;
  capacity_json: string;
  enrolled_at: number;
  last_heartbeat_at: number | null;
  heartbeat_kiosk_time: number | null;
  heartbeat_json: string | null;
  last_seen_at: number | null;
  /** The kiosk's manifest head: the last seq handed out, taken under this row's lock (migration 3). */
  manifest_head: Generated<number>;
  /** Events stored for this kiosk, kept as a counter so the fleet page never counts the events table (migration 3). */
  events_received: Generated<number>;
  /** A re-enrolled kiosk reads its manifest from after this seq, not from 0 (server migration returns-reenroll, ADR return-reenroll). */
  manifest_floor: Generated<number>;
  /** The open `kiosk.offline` inbox item of the current silent spell; cleared by the contact that ends it (server migration returns-reenroll). */
  offline_item: string | null;
  /** The open `disk.low` inbox item of the current low-disk spell; cleared by the heartbeat that ends it (migration 13). */
  disk_low_item: string | null;
  /** The kiosk's IANA time zone, set at enrollment; recipients' deadlines are stated in it. 'UTC' for kiosks enrolled before (issue 12). */
  time_zone: Generated<string>;
}

export interface EnrollmentTokensTable {
  token_hash: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
  kiosk_id: string | null;
  /** Set: a re-enrollment token for this existing kiosk (a replaced PC keeps the id, gets a new secret; server migration returns-reenroll). */
  reenroll_kiosk_id: string | null;
  /** The zone the operator chose for the kiosk this token enrolls (issue 12); NULL: the kiosk's own, else UTC. */
  time_zone: string | null;
}

export interface ParcelsTable {
  id: string;
  barcode: string;
  kiosk_id: string;
  size: 'S' | 'M' | 'L' | 'XL';
  accessible: number;
  recipient_name: string | null;
  recipient_email: string | null;
  recipient_phone: string | null;
  status: 'expected' | 'deposited' | 'picked_up' | 'expired' | 'collected' | 'cancelled';
  code_digest: string;
  code_sealed: string | null;
  pickup_window_days: number;
  compartment_id: string | null;
  created_at: number;
  deposited_at: number | null;
  expires_at: number | null;
  picked_up_at: number | null;
  expired_at: number | null;
  collected_at: number | null;
  cancelled_at: number | null;
  kept_by_driver_at: number | null;
  conflict: string | null;
  /** Why it was cancelled: `carrier` or `not_delivered` (the sweep's release); NULL before migration 4. */
  cancel_reason: 'carrier' | 'not_delivered' | 'return_to_sender' | 'dropoff_expired' | null;
  /** The carrier whose API key created it (migration 5); NULL: the bootstrap admin key or older parcels. */
  carrier: string | null;
  /** An operator marked it for return to sender (server migration returns-reenroll, ADR return-reenroll); the carrier hears `returned` once collected. */
  return_requested_at: number | null;
  reminder_queued_at: number | null;
  /** The recipient's language for messages (ShipmentRequest.locale; 'en' for parcels created before issue 12). */
  locale: 'en' | 'es' | 'pl' | 'de';
  /** `out`: a drop-off a sender brings and a driver collects (ADR drop-offs; the recipient_* columns hold the sender's contact). */
  direction: 'in' | 'out';
  /** Drop-offs: where it goes (the booking's destination reference), the sender's deadline, the receipt shown at deposit. */
  destination_ref: string | null;
  dropoff_deadline: number | null;
  receipt: string | null;
  /** When the recipient used the link page's one extension (migration 10); NULL: not yet. */
  recipient_extended_at: number | null;
  updated_at: number;
  /** When the recipient (sender) fields were erased (migration 14, ADR personal-data); NULL: not yet. */
  personal_erased_at: number | null;
  /** The recipient asked for erasure while the parcel was live: erased by the first sweep after it finishes (migration 14). */
  erase_requested_at: number | null;
}

/** One kiosk's manifest: (kiosk_id, seq) with seq from kiosks.manifest_head. Fleet-wide changes are fanned out. */
export interface ManifestTable {
  kiosk_id: string;
  seq: number;
  kind: 'expected' | 'cancelled' | 'extended' | 'badge_revoked' | 'code_reissued' | 'returned' | 'placed' | 'parcel_preferences';
  body: string;
  created_at: number;
}

export interface EventsTable {
  id: string;
  kiosk_id: string;
  type: string;
  occurred_at: number;
  received_at: number;
  payload: string;
  outcome: string;
  note: string | null;
  /** problem.reported: when the payload's free-text note was erased (migration 14, ADR personal-data); NULL: not yet. */
  notes_erased_at: number | null;
}

export interface NoncesTable {
  kiosk_id: string;
  nonce: string;
  seen_at: number;
}

export interface NotificationsTable {
  id: Generated<number>;
  /** The parcel the message is about, or null for an operator alert (migration 9): exactly one of the two is set. */
  parcel_id: string | null;
  alert_id: string | null;
  kind: 'code' | 'reminder' | 'expired' | 'alert' | 'on_the_way' | 'receipt';
  for_expiry: number;
  channel: 'smtp' | 'sms' | 'console';
  address: string;
  body_sealed: string | null;
  status: 'pending' | 'sent' | 'dead';
  attempts: Generated<number>;
  next_attempt_at: number;
  last_error: string | null;
  created_at: number;
  sent_at: number | null;
  /** Who holds the claim (a random token per claim): only the holder may record the outcome (migration 3). */
  lease_token: string | null;
}

export interface BadgesTable {
  id: string;
  role: 'driver' | 'technician';
  name: string;
  issued_at: number;
  expires_at: number;
  revoked_at: number | null;
}

/** Facts about the deployment itself, e.g. `keys_fingerprint` (migration 3). */
export interface ServerMetaTable {
  key: string;
  value: string;
}

/** Console accounts (migration 5; ADR operator-auth). */
export interface OperatorsTable {
  id: string;
  email: string;
  name: string;
  role: 'admin' | 'operator' | 'support';
  password_hash: string;
  created_at: number;
  disabled_at: number | null;
  /** Migration 15 (ADR password-reset): when an admin reset the password; set, the operator must choose their own first. */
  password_reset_at: number | null;
}

export interface OperatorSessionsTable {
  /** SHA-256 (hex) of the cookie's token. */
  id_hash: string;
  operator_id: string;
  csrf_token: string;
  created_at: number;
  last_seen_at: number;
  expires_at: number;
  ip: string;
  user_agent: string;
}

export interface SigninFailuresTable {
  email: string;
  failures: number;
  locks: number;
  locked_until: number | null;
  last_failure_at: number;
}

export interface CarrierKeysTable {
  id: string;
  carrier: string;
  /** HMAC-SHA-256 (hex) of the key under the server pepper. */
  key_hash: string;
  /** The key's first characters, to tell keys apart in the console. */
  key_prefix: string;
  kiosks_json: string | null;
  created_at: number;
  created_by: string;
  revoked_at: number | null;
  last_used_at: number | null;
  /** Carrier status webhook (migration 9, ADR alerts-webhooks): where to POST, and the signing secret sealed under the data key. */
  webhook_url: string | null;
  webhook_secret_sealed: string | null;
}

/** Alert rules (migration 9, ADR alerts-webhooks): one row per kind; absent = off. */
export interface AlertRulesTable {
  kind: 'kiosk.offline' | 'door.forced_open' | 'codes.attack' | 'door.left_open' | 'problem.reported' | 'disk.low';
  /** 0 or 1. */
  enabled: number;
  /** kiosk.offline: minutes without a heartbeat; null elsewhere. */
  minutes: number | null;
  /** JSON array of e-mail addresses and E.164 phone numbers. */
  recipients: string;
  updated_at: number | null;
  updated_by: string | null;
}

/** One alert per inbox item it announces (`item_id` unique: an ongoing condition alerts once). */
export interface AlertsTable {
  id: string;
  rule: AlertRulesTable['kind'];
  kiosk_id: string;
  item_id: string;
  subject: string;
  created_at: number;
}

/** Carrier status webhooks to deliver (migration 9, ADR alerts-webhooks): an outbox claimed with a lease. */
export interface WebhookDeliveriesTable {
  id: Generated<number>;
  key_id: string;
  parcel_id: string;
  event: 'deposited' | 'picked_up' | 'expired' | 'collected' | 'cancelled' | 'returned' | 'dropped_off';
  /** Sent as `x-locker-event-id` (the receiver's idempotency key) and in the body. */
  event_id: string;
  body: string;
  status: 'pending' | 'sent' | 'dead';
  attempts: Generated<number>;
  next_attempt_at: number;
  last_error: string | null;
  /** The receiver's last HTTP status (null: no answer). */
  last_status: number | null;
  created_at: number;
  sent_at: number | null;
  lease_token: string | null;
}

export interface OperatorAuditTable {
  id: string;
  at: number;
  operator_id: string | null;
  operator_email: string;
  action: string;
  target: string | null;
  outcome: 'ok' | 'refused';
  detail: string | null;
  ip: string;
  user_agent: string;
}

/** Operator commands to one kiosk (migration 6, ADR remote-commands). */
export interface RemoteCommandsTable {
  id: string;
  kiosk_id: string;
  op: 'door.open' | 'compartment.out_of_service' | 'compartment.in_service';
  compartment_id: string;
  reason: string;
  operator_id: string;
  operator_email: string;
  issued_at: number;
  expires_at: number;
  token: string;
  status: 'pending' | 'executed' | 'refused' | 'door_fault';
  result_reason: string | null;
  /** JSON: what the kiosk said beyond the outcome (operation id, parcel inside). */
  result_detail: string | null;
  result_at: number | null;
  fetched_at: number | null;
}

/** "I lost my code" requests that reached the server (migration 10): the number only as a keyed digest. */
export interface LostCodeRequestsTable {
  id: Generated<number>;
  kiosk_id: string;
  number_digest: string;
  at: number;
  /** Set when the kiosk confirms separately (migration 16): the ticket, the parcels found (JSON ids), when confirmed. */
  ticket: string | null;
  parcel_ids: string | null;
  confirmed_at: number | null;
}

export interface Schema {
  kiosks: KiosksTable;
  enrollment_tokens: EnrollmentTokensTable;
  parcels: ParcelsTable;
  manifest: ManifestTable;
  events: EventsTable;
  nonces: NoncesTable;
  notifications: NotificationsTable;
  badges: BadgesTable;
  server_meta: ServerMetaTable;
  operators: OperatorsTable;
  operator_sessions: OperatorSessionsTable;
  signin_failures: SigninFailuresTable;
  carrier_keys: CarrierKeysTable;
  operator_audit: OperatorAuditTable;
  remote_commands: RemoteCommandsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  alert_rules: AlertRulesTable;
  alerts: AlertsTable;
  lost_code_requests: LostCodeRequestsTable;
}

/** A query executor: the database, or a transaction on it (a Transaction is a Kysely too). */
export type Q = Kysely<Schema>;

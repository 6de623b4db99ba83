import type { Store } from './store/db';
import type { ServerKeys } from './keys';
import type { Logger } from './log';
import type { PushPort } from './push/hub';

/** What every service function needs; built once by app.ts. */
export interface ServerContext {
  /** The system of record (SQLite or PostgreSQL); every query goes through it (store/db.ts). */
  store: Store;
  keys: ServerKeys;
  log: Logger;
  /** ms since the epoch; injectable so tests can move time (reminders, staleness). */
  now: () => number;
  /** Default days a deposited parcel waits before it expires. */
  pickupWindowDays: number;
  /** An expected parcel not deposited within this many days is released by the sweep (services/release.ts); 0 = never. */
  undeliveredDays: number;
  /** Personal data of a finished parcel (and a problem report's note) is erased this many days after it finished (services/personal-data.ts). */
  personalDataDays: number;
  /**
   * Where this instance records the last database state it saw, outside the database, so a restore from an older
   * backup is detected (services/epoch.ts, ADR restore-epoch). null = no watermark (only restore-mark rotates).
   */
  restoreWatermarkFile: string | null;
  /** A kiosk is shown online when its last heartbeat is younger than this. */
  onlineWindowMs: number;
  /** Which channels exist, for routing recipients' addresses. */
  channels: { smtp: boolean; sms: boolean; console: boolean };
  /**
   * Decrypted kiosk secrets, cached per instance. A re-enrollment (ADR return-reenroll) replaces one, on any instance:
   * `fresh` reads the database and refreshes the cache (the guard does when a signature does not match the cached
   * secret; requireKiosk always does, inside the request's transaction). null = unknown kiosk.
   */
  kioskSecret(kioskId: string, fresh?: boolean): Promise<Buffer | null>;
  /** Called after notifications were queued (after the commit): wake the outbox worker. */
  notificationsQueued(): void;
  /** MQTT push (src-server/push; ADR mqtt-push): pings after commits, broker presence, kiosk broker accounts. */
  push: PushPort;
  /** The recipient's link page and "I lost my code" (ADR customer-self-service). */
  customer: CustomerOptions;
}

/** What recipients may do without an account (ADR customer-self-service); defaults in app.ts. */
export interface CustomerOptions {
  /**
   * Where recipients reach this server, e.g. `https://lockers.example.com` (no trailing slash): messages carry
   * `<publicUrl>/r/<token>`. null = unknown (no link, no "on its way" message); `publicUrlIsSelf` fills in the listening address.
   */
  publicUrl: string | null;
  /** The one extension a recipient may make: at most this many days (1–30). */
  extendMaxDays: number;
  /** Refused while the kiosk's free compartments of the parcel's size, after expected parcels, are below this. */
  extendFreeFloor: number;
  /** "I lost my code": at most `perNumber` requests per number in `numberWindowMs` (all kiosks)… */
  lostCodePerNumber: number;
  lostCodeNumberWindowMs: number;
  /** …and `perKiosk` per kiosk in `kioskWindowMs`. */
  lostCodePerKiosk: number;
  lostCodeKioskWindowMs: number;
}

export const DAY_MS = 24 * 3600_000;
export const iso = (ms: number): string => new Date(ms).toISOString();
export const isoOrNull = (ms: number | null | undefined): string | null => (ms == null ? null : new Date(ms).toISOString());

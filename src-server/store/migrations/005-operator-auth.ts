import type { ServerMigration } from './types';

/**
 * Issue 12, sign-in and roles (ADR operator-auth). The same DDL on both dialects (TEXT, INTEGER and BIGINT mean the
 * same to each; times are ms since the epoch as everywhere else):
 * - `operators`: console accounts; `email` is stored lower-cased; `password_hash` is an argon2id PHC string.
 * - `operator_sessions`: server-side sessions, keyed by the SHA-256 of the cookie's token (a copied database holds no
 *   usable session); the CSRF token lives beside it (synchronizer token). Deleting rows = signing out.
 * - `signin_failures`: the per-account lockout, keyed by the e-mail as typed (lower-cased), whether or not an account
 *   exists, so a locked answer says nothing about which accounts exist.
 * - `carrier_keys`: per-carrier API keys, only an HMAC-SHA-256 of each (server pepper) is kept; `kiosks_json` null =
 *   every kiosk, else a JSON array of the kiosk ids the key may deliver to.
 * - `parcels.carrier`: the carrier whose key created a parcel (NULL: the bootstrap admin key, or before this
 *   migration); a carrier key sees and changes only its carrier's parcels (all of that carrier's keys alike).
 * - `operator_audit`: append-only; nothing in the server updates or deletes its rows.
 */
const DDL = `
    CREATE TABLE operators (
      id TEXT PRIMARY KEY,
      email TEXT NOT NULL UNIQUE,
      name TEXT NOT NULL,
      role TEXT NOT NULL CHECK (role IN ('admin','operator','support')),
      password_hash TEXT NOT NULL,
      created_at BIGINT NOT NULL,
      disabled_at BIGINT
    );
    CREATE TABLE operator_sessions (
      id_hash TEXT PRIMARY KEY,
      operator_id TEXT NOT NULL REFERENCES operators(id),
      csrf_token TEXT NOT NULL,
      created_at BIGINT NOT NULL,
      last_seen_at BIGINT NOT NULL,
      expires_at BIGINT NOT NULL,
      ip TEXT NOT NULL,
      user_agent TEXT NOT NULL
    );
    CREATE INDEX operator_sessions_by_operator ON operator_sessions(operator_id);
    CREATE TABLE signin_failures (
      email TEXT PRIMARY KEY,
      failures INTEGER NOT NULL,
      locks INTEGER NOT NULL,
      locked_until BIGINT,
      last_failure_at BIGINT NOT NULL
    );
    CREATE TABLE carrier_keys (
      id TEXT PRIMARY KEY,
      carrier TEXT NOT NULL,
      key_hash TEXT NOT NULL UNIQUE,
      key_prefix TEXT NOT NULL,
      kiosks_json TEXT,
      created_at BIGINT NOT NULL,
      created_by TEXT NOT NULL,
      revoked_at BIGINT,
      last_used_at BIGINT
    );
    ALTER TABLE parcels ADD COLUMN carrier TEXT;
    CREATE TABLE operator_audit (
      id TEXT PRIMARY KEY,
      at BIGINT NOT NULL,
      operator_id TEXT,
      operator_email TEXT NOT NULL,
      action TEXT NOT NULL,
      target TEXT,
      outcome TEXT NOT NULL CHECK (outcome IN ('ok','refused')),
      detail TEXT,
      ip TEXT NOT NULL,
      user_agent TEXT NOT NULL
    );
    CREATE INDEX operator_audit_at ON operator_audit(at, id);
`;

export const m005: ServerMigration = {
  version: 5,
  name: 'operator-auth',
  sqlite: DDL,
  postgres: DDL,
};

import type { ServerMigration } from './types';

/**
 * Issue 12, remote commands (ADR remote-commands). The same DDL on both dialects; times are ms since the epoch.
 * `remote_commands`: one row per operator command to one kiosk, `token` = the signed command as the kiosk receives it
 * (no secret: it is only good for that kiosk until `expires_at`). `status` starts `pending` and takes the kiosk's first
 * report (`executed`, `refused`, `door_fault`); later reports for the same command (a replay the kiosk refused) stay
 * in `events` only. Rows are never deleted: they are the command history the kiosk page shows.
 */
const DDL = `
    CREATE TABLE remote_commands (
      id TEXT PRIMARY KEY,
      kiosk_id TEXT NOT NULL REFERENCES kiosks(id),
      op TEXT NOT NULL CHECK (op IN ('door.open','compartment.out_of_service','compartment.in_service')),
      compartment_id TEXT NOT NULL,
      reason TEXT NOT NULL,
      operator_id TEXT NOT NULL,
      operator_email TEXT NOT NULL,
      issued_at BIGINT NOT NULL,
      expires_at BIGINT NOT NULL,
      token TEXT NOT NULL,
      status TEXT NOT NULL CHECK (status IN ('pending','executed','refused','door_fault')),
      result_reason TEXT,
      result_detail TEXT,
      result_at BIGINT,
      fetched_at BIGINT
    );
    CREATE INDEX remote_commands_kiosk ON remote_commands(kiosk_id, status, issued_at);
`;

export const m006: ServerMigration = {
  version: 6,
  name: 'remote-commands',
  sqlite: DDL,
  postgres: DDL,
};

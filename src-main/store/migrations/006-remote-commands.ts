import type { Migration } from '../sqlite';

/**
 * Remote commands (issue 12, ADR remote-commands): every command id this kiosk has decided on, run or refused, so a
 * command is run at most once however often it is delivered (replay protection). Written in the same transaction as
 * what the command did (the door journal row, the service change) and its audit entry. Kept: ids are small.
 */
export const m006: Migration = {
  version: 6,
  name: 'remote-commands',
  up(db) {
    db.exec(`
      CREATE TABLE remote_commands (
        id          TEXT PRIMARY KEY,
        at          INTEGER NOT NULL,
        op          TEXT NOT NULL,
        outcome     TEXT NOT NULL CHECK (outcome IN ('executed','refused','door_fault')),
        reason      TEXT
      ) STRICT;
    `);
  },
};

import type { Migration } from '../sqlite';

/** Key/value facts about this kiosk (enrollment, sync cursor). Secrets never go here in plaintext. */
export const m001: Migration = {
  version: 1,
  name: 'meta',
  up(db) {
    db.exec(`CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;`);
  },
};

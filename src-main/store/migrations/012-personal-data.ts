import type { Migration } from '../sqlite';

/**
 * Issue 14, ADR personal-data: `outbox_notes`, a partial index holding only the outbox events whose payload still
 * carries a customer's free-text note (a problem report's `note`) that has not been erased, so the retention pass
 * (store/retention.ts) finds the ones past their window without reading the outbox's history. Erasing a note
 * (`json_set(payload, '$.note', '[erased]')`) takes the row out of the index.
 */
export const m012: Migration = {
  version: 12,
  name: 'personal-data',
  up(db) {
    db.exec(`
      CREATE INDEX outbox_notes ON outbox(seq)
        WHERE type = 'problem.reported' AND json_extract(payload, '$.note') <> '[erased]';
    `);
  },
};

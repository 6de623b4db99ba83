import type { TestKiosk } from './harness';

/**
 * Fills the kiosk's store until SQLite itself answers SQLITE_FULL: `PRAGMA max_page_count` caps the file at its
 * current size, then the free space is used up (filler rows, and the audit table's last page, which every state change
 * appends to). Shared by the disk-full tests.
 */
export function fillStore(k: TestKiosk): void {
  const db = k.ctx.db;
  db.exec('CREATE TABLE IF NOT EXISTS test_filler (x BLOB)');
  db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true }) as number}`);
  const full = (err: unknown) => (err as { code?: string }).code === 'SQLITE_FULL';
  const insert = db.prepare('INSERT INTO test_filler (x) VALUES (zeroblob(?))');
  for (const size of [65_536, 4_096, 512, 64, 1]) {
    for (;;) {
      try {
        insert.run(size);
      } catch (err) {
        if (full(err)) break;
        throw err;
      }
    }
  }
  for (;;) {
    try {
      k.services.repos.audit.append(k.clock.now(), 't', 'f', {});
    } catch (err) {
      if (full(err)) break;
      throw err;
    }
  }
}

import type { Db } from '../store/sqlite';

/** Keys of the `meta` table that belong to sync. */
export const META = {
  cursor: 'sync_cursor',
  /** The kiosk id the embedded demo server was seeded for (seed once per enrollment). */
  demoSeededFor: 'demo_seeded_for',
  /** JSON array of parcel ids the server cancelled while a driver had them half-deposited (door open). */
  deferredCancels: 'sync_deferred_cancellations',
  /** The fleet database's epoch last seen in a manifest answer (ADR restore-epoch): a new one means it was restored. */
  epoch: 'sync_server_epoch',
} as const;

export function getMeta(db: Db, key: string): string | null {
  return (db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined)?.value ?? null;
}

export function setMeta(db: Db, key: string, value: string): void {
  db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, value);
}

export function deleteMeta(db: Db, key: string): void {
  db.prepare('DELETE FROM meta WHERE key = ?').run(key);
}

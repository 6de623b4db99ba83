import { kioskMigrations } from './migrations/index';
import { startupIntegrity } from './integrity';
import { openDatabase, type Db } from './sqlite';
import { assertWritable } from './store-health';

/**
 * The kiosk's store as start-up opens it (core.ts, and bench/history.ts, which times exactly this): the schema
 * brought up to date, the bounded start-up integrity check (store/integrity.ts; the full one runs in the background),
 * and a probe write. Throws StoreError (CORRUPT, UNWRITABLE, a
 * schema code), one line naming the file; the caller prints it and exits 2.
 */
export function openKioskStore(file: string): Db {
  const db = openDatabase(file, kioskMigrations);
  try {
    startupIntegrity(db, file);
    assertWritable(db, file);
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}

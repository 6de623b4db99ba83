import { loadKeys, type ServerKeys } from '../keys';
import { xactLock } from './dialect';
import type { Store } from './db';
import { FleetStoreError } from './errors';

/**
 * Loads the key set for this instance and ties it to the database (issue 11: keys from configuration, one set per
 * fleet). Under the `keys` lock: an empty keys directory is filled only while the database has neither kiosks nor a
 * recorded fingerprint (an instance never invents keys for a database that already has kiosks); the first instance
 * records the fingerprint; any later instance whose directory holds another set is refused with one line. Two
 * instances started together on an empty database and an empty directory: the lock orders them, the file creation is
 * atomic (keys.ts), and both end with the one set on disk and in the database.
 */
export async function loadKeysFor(store: Store, keysDir: string, configuredAdminKey?: string): Promise<ServerKeys> {
  return store.tx(async (q) => {
    await xactLock(store.dialect, q, 'keys');
    const recorded = await q.selectFrom('server_meta').select('value').where('key', '=', 'keys_fingerprint').executeTakeFirst();
    const kiosk = await q.selectFrom('kiosks').select('id').limit(1).executeTakeFirst();
    const keys = loadKeys({ keysDir, configuredAdminKey, mayCreate: !recorded && !kiosk });
    if (!recorded) {
      await q.insertInto('server_meta').values({ key: 'keys_fingerprint', value: keys.fingerprint }).execute();
    } else if (recorded.value !== keys.fingerprint) {
      throw new FleetStoreError(
        'KEYS_MISMATCH',
        `the keys in ${keysDir} (fingerprint ${keys.fingerprint}) are not the set this database is sealed with (${recorded.value}): give every instance the same --keys-dir`,
      );
    }
    return keys;
  });
}

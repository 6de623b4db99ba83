import type Database from 'better-sqlite3';
import type pg from 'pg';
import { LOCKS } from './dialect';
import { FleetStoreError } from './errors';
import { serverMigrations, type ServerMigration } from './migrations/index';

/**
 * SQLite: the version lives in `PRAGMA user_version` (as it always has, so existing fleet.sqlite files carry on), each
 * step in its own transaction. One process owns the file, so no lock beyond the write transaction is needed.
 */
export function migrateSqlite(db: Database.Database, file: string, migrations: readonly ServerMigration[] = serverMigrations): void {
  check(migrations);
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > migrations.length) {
    throw new FleetStoreError('DB_FROM_FUTURE', `${file} has schema ${current}, newer than this server (${migrations.length}); run a newer server`);
  }
  for (const m of migrations.slice(current)) {
    try {
      db.transaction(() => {
        if (m.sqlite.trim()) db.exec(m.sqlite);
        db.pragma(`user_version = ${m.version}`);
      })();
    } catch (err) {
      throw new FleetStoreError('MIGRATION_FAILED', `migration ${m.version} (${m.name}) failed on ${file}: ${(err as Error).message}`, { cause: err });
    }
  }
}

/**
 * PostgreSQL: every step in ONE transaction under an advisory lock, so instances started together migrate once (the
 * others wait on the lock, then find nothing to do) and a failed step leaves nothing half-applied (DDL is
 * transactional there). The version lives in `schema_version`.
 */
export async function migratePostgres(pool: pg.Pool, migrations: readonly ServerMigration[] = serverMigrations): Promise<void> {
  check(migrations);
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [LOCKS.migrations]);
    await client.query('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
    const r = await client.query<{ version: number }>('SELECT version FROM schema_version');
    const current = r.rows[0]?.version ?? 0;
    if (r.rows.length === 0) await client.query('INSERT INTO schema_version (version) VALUES (0)');
    if (current > migrations.length) {
      throw new FleetStoreError('DB_FROM_FUTURE', `the database has schema ${current}, newer than this server (${migrations.length}); run a newer server`);
    }
    for (const m of migrations.slice(current)) {
      try {
        // No parameters: the simple query protocol, which takes a multi-statement script.
        if (m.postgres.trim()) await client.query(m.postgres);
      } catch (err) {
        throw new FleetStoreError('MIGRATION_FAILED', `migration ${m.version} (${m.name}) failed: ${(err as Error).message}`, { cause: err });
      }
    }
    await client.query('UPDATE schema_version SET version = $1', [migrations.length]);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

function check(migrations: readonly ServerMigration[]): void {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new FleetStoreError('MIGRATION_FAILED', `server migrations out of order at index ${i} (version ${m.version})`);
  });
}

import { sql, type RawBuilder, type SelectQueryBuilder } from 'kysely';
import type { Q } from './schema';

/**
 * Where SQLite and PostgreSQL differ, in one place, each with both branches. Every query in services/ and notify/ is
 * written once against Kysely; these helpers add what only one dialect has or needs.
 */
export type DialectName = 'sqlite' | 'postgres';

/**
 * `SELECT … FOR UPDATE` on PostgreSQL: the row stays locked until the transaction ends, so a second instance waits
 * instead of deciding on the same stale row. SQLite has one writer per file (BEGIN IMMEDIATE): nothing to add.
 */
export function lockRows<DB, TB extends keyof DB, O>(d: DialectName, qb: SelectQueryBuilder<DB, TB, O>): SelectQueryBuilder<DB, TB, O> {
  return d === 'postgres' ? qb.forUpdate() : qb;
}

/** `FOR UPDATE SKIP LOCKED` on PostgreSQL: concurrent claimers take disjoint rows and never wait on each other. */
export function skipLocked<DB, TB extends keyof DB, O>(d: DialectName, qb: SelectQueryBuilder<DB, TB, O>): SelectQueryBuilder<DB, TB, O> {
  return d === 'postgres' ? qb.forUpdate().skipLocked() : qb;
}

/** Cluster-wide jobs that must run in one instance at a time (advisory lock keys on PostgreSQL; any fixed bigint). */
export const LOCKS = { migrations: 7_301_100_001, housekeeping: 7_301_100_002, keys: 7_301_100_003 } as const;
export type LockName = keyof typeof LOCKS;

/**
 * Takes the named lock for the rest of the current transaction if nobody holds it: true = go ahead, false = another
 * instance is doing it right now (skip, it is idempotent). PostgreSQL: `pg_try_advisory_xact_lock`, released at
 * commit or rollback. SQLite: one process owns the file (the write transaction is the lock): always true.
 */
export async function tryXactLock(d: DialectName, q: Q, name: LockName): Promise<boolean> {
  if (d === 'sqlite') return true;
  const r = await sql<{ ok: boolean }>`SELECT pg_try_advisory_xact_lock(${LOCKS[name]}::bigint) AS ok`.execute(q);
  return r.rows[0]?.ok === true;
}

/** Waits for the named lock, held until the transaction ends (PostgreSQL); SQLite: nothing to wait for. */
export async function xactLock(d: DialectName, q: Q, name: LockName): Promise<void> {
  if (d === 'postgres') await sql`SELECT pg_advisory_xact_lock(${LOCKS[name]}::bigint)`.execute(q);
}

/** A unique index said no (SQLite SQLITE_CONSTRAINT_UNIQUE/PRIMARYKEY, PostgreSQL 23505); `index` narrows to one. */
export function isUniqueViolation(err: unknown, index?: string): boolean {
  const e = err as { code?: unknown; constraint?: unknown; message?: unknown };
  if (e.code === '23505') return index === undefined || e.constraint === index;
  if (e.code === 'SQLITE_CONSTRAINT_UNIQUE' || e.code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
    return index === undefined || (typeof e.message === 'string' && uniqueColumnsMatch(e.message, index));
  }
  return false;
}

// SQLite names the columns, not the index ("UNIQUE constraint failed: parcels.barcode"): map our indexes to them.
const SQLITE_UNIQUE_COLUMNS: Record<string, string> = { parcels_active_barcode: 'parcels.barcode', parcels_kiosk_code: 'parcels.kiosk_id, parcels.code_digest' };
function uniqueColumnsMatch(message: string, index: string): boolean {
  const cols = SQLITE_UNIQUE_COLUMNS[index];
  return cols !== undefined && message.endsWith(cols);
}

/** Worth running the whole transaction again: PostgreSQL serialization failure (40001) or deadlock (40P01); SQLite busy. */
export function isRetryable(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return code === '40001' || code === '40P01' || code === 'SQLITE_BUSY' || code === 'SQLITE_BUSY_SNAPSHOT';
}

/**
 * The UTC day (days since the epoch, an integer) of a ms-since-epoch column, for GROUP BY. Both store times as integer
 * ms, but SQLite's `/` on two integers truncates while PostgreSQL's BIGINT `/` does too only if both sides are BIGINT:
 * the cast keeps PostgreSQL from ever reading it as numeric. Analytics (ADR analytics-notifications).
 */
export function utcDay(d: DialectName, column: string): RawBuilder<number> {
  return d === 'postgres' ? sql<number>`(${sql.ref(column)} / 86400000)::bigint` : sql<number>`(${sql.ref(column)} / 86400000)`;
}

/**
 * An integer field of a JSON text column (`events.payload`), 0 when absent. SQLite: json_extract; PostgreSQL: the text
 * is cast to json and the field read as text then int (the column is TEXT on both, see migrations).
 */
export function jsonInt(d: DialectName, column: string, key: string): RawBuilder<number> {
  if (!/^[A-Za-z]+$/.test(key)) throw new Error(`jsonInt: bad key ${key}`);
  return d === 'postgres'
    ? sql<number>`COALESCE((${sql.ref(column)}::json ->> ${sql.lit(key)})::int, 0)`
    : sql<number>`COALESCE(json_extract(${sql.ref(column)}, ${sql.lit('$.' + key)}), 0)`;
}

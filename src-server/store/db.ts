import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import { isRetryable, type DialectName } from './dialect';
import { FleetStoreError } from './errors';
import { migratePostgres, migrateSqlite } from './migrate';
import type { Q, Schema } from './schema';

export type { Q, Schema };

/**
 * `full`: the commit is fsynced before we answer. Needed whenever the answer lets the kiosk forget something (acked
 * events) or a carrier rely on it (intake).
 * `relaxed`: on SQLite, synchronous=NORMAL for this commit only: in WAL mode it survives a process crash but a power cut
 * may lose it (heartbeats, the nonce of a read-only manifest pull: losing one is harmless). The next `full` commit
 * fsyncs the WAL, relaxed frames included. This is what lets one process carry a 1,000-kiosk fleet on a disk with
 * millisecond fsyncs (bench/fleet-load.ts). On PostgreSQL every commit is durable (its own WAL and group commit).
 */
export type Durability = 'full' | 'relaxed';

/** The fleet's system of record: SQLite in the data dir (the default) or PostgreSQL, behind one query layer. */
export interface Store {
  readonly dialect: DialectName;
  /** For reads outside a transaction; writes go through tx(). */
  readonly db: Q;
  /**
   * Runs `fn` in one transaction on one connection and commits, or rolls back and rethrows. A PostgreSQL
   * serialization failure or deadlock (40001/40P01) runs the whole function again (up to 5 tries), so `fn` must do
   * nothing outside the database that cannot be repeated. SQLite: BEGIN IMMEDIATE (the one writer).
   */
  tx<T>(fn: (q: Q) => Promise<T>, o?: { durability?: Durability }): Promise<T>;
  /**
   * Runs `fn` once the transaction `q` belongs to has committed (never if it rolls back; a retried attempt's are
   * dropped with it). Outside a transaction (`q` is `db`), soon. For effects others may act on at once, e.g. an MQTT
   * ping that makes a kiosk read what was just written (src-server/push). `fn` must not throw.
   */
  afterCommit(q: Q, fn: () => void): void;
  /** e.g. `sqlite:/data/fleet.sqlite` or `postgres://host:5432/db` (no password): for logs. */
  readonly where: string;
  close(): Promise<void>;
}

export interface OpenStoreOptions {
  /** Holds fleet.sqlite when no databaseUrl is given (created 0700; the file and its WAL 0600). */
  dataDir: string;
  /** `postgres://user:pass@host:port/db`: PostgreSQL as the system of record. */
  databaseUrl?: string;
  /** PostgreSQL pool size per instance (default 10). */
  poolSize?: number;
}

/** Opens the store and brings its schema up to date (under a lock on PostgreSQL). Throws FleetStoreError. */
export async function openStore(o: OpenStoreOptions): Promise<Store> {
  return o.databaseUrl ? openPostgres(o.databaseUrl, o.poolSize ?? 10) : openSqlite(o.dataDir);
}

/** Private: the data dir 0700, the file 0600. SQLite gives the WAL and shm files the main file's mode. */
export function makePrivateDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.chmodSync(dir, 0o700);
}

function openSqlite(dataDir: string): Store {
  makePrivateDir(dataDir);
  const file = path.join(dataDir, 'fleet.sqlite');
  fs.closeSync(fs.openSync(file, 'a', 0o600));
  fs.chmodSync(file, 0o600);
  const raw = new Database(file);
  try {
    // A second process on the same file (a test reading it) may hold a lock briefly; waiting beats failing.
    raw.pragma('busy_timeout = 5000');
    raw.pragma('journal_mode = WAL');
    raw.pragma('synchronous = FULL');
    raw.pragma('foreign_keys = ON');
    migrateSqlite(raw, file);
    for (const f of [`${file}-wal`, `${file}-shm`]) if (fs.existsSync(f)) fs.chmodSync(f, 0o600);
  } catch (err) {
    raw.close();
    throw err;
  }
  const db = new Kysely<Schema>({ dialect: new SqliteDialect({ database: raw }) });
  return makeStore('sqlite', db, `sqlite:${file}`);
}

// BIGINT (20) and NUMERIC (1700, e.g. SUM) arrive as strings by default; our values are ms and counts, well inside 2^53.
const pgTypes = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === 20 || oid === 1700 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

async function openPostgres(url: string, max: number): Promise<Store> {
  const safe = redact(url);
  const pool = new pg.Pool({ connectionString: url, max, types: pgTypes, connectionTimeoutMillis: 10_000 });
  // An idle client losing its server (a restart, a failover) must not crash the process; the next checkout reconnects.
  pool.on('error', () => undefined);
  try {
    await migratePostgres(pool);
  } catch (err) {
    await pool.end();
    if (err instanceof FleetStoreError) throw err;
    const e = err as { code?: string; message?: string };
    if (e.code && /^(ECONN|ENOTFOUND|ETIMEDOUT|28|3D)/.test(e.code)) {
      throw new FleetStoreError('UNREACHABLE', `cannot use the database at ${safe} (${e.code}: ${e.message?.split('\n')[0]})`, { cause: err });
    }
    throw err;
  }
  const db = new Kysely<Schema>({ dialect: new PostgresDialect({ pool }) });
  return makeStore('postgres', db, safe);
}

function makeStore(dialect: DialectName, db: Kysely<Schema>, where: string): Store {
  // Per transaction attempt (keyed by its connection object): what to run after its COMMIT.
  const pending = new WeakMap<object, Array<() => void>>();
  return {
    dialect,
    db,
    where,
    afterCommit(q, fn) {
      const list = pending.get(q);
      if (list) list.push(fn);
      else setImmediate(fn);
    },
    async tx(fn, o = {}) {
      const relaxed = dialect === 'sqlite' && o.durability === 'relaxed';
      for (let attempt = 1; ; attempt++) {
        try {
          return await db.connection().execute(async (conn) => {
            if (relaxed) await sql`PRAGMA synchronous = NORMAL`.execute(conn);
            try {
              await sql.raw(dialect === 'sqlite' ? 'BEGIN IMMEDIATE' : 'BEGIN').execute(conn);
              const after: Array<() => void> = [];
              pending.set(conn, after);
              try {
                const out = await fn(conn);
                await sql`COMMIT`.execute(conn);
                pending.delete(conn);
                for (const f of after) setImmediate(f);
                return out;
              } catch (err) {
                pending.delete(conn);
                await sql`ROLLBACK`.execute(conn).catch(() => undefined);
                throw err;
              }
            } finally {
              if (relaxed) await sql`PRAGMA synchronous = FULL`.execute(conn);
            }
          });
        } catch (err) {
          if (attempt >= 5 || !isRetryable(err)) throw err;
          // Jittered, growing pause: the transactions that collided do not collide again in lockstep.
          await new Promise((r) => setTimeout(r, Math.random() * 10 * 2 ** attempt));
        }
      }
    },
    close: () => db.destroy(),
  };
}

function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://(unparseable url)';
  }
}

import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

/**
 * A private, real PostgreSQL 15 cluster for tests (Debian's `postgresql` package): `initdb -N` in a temp dir, started
 * on a free loopback port with fsync off, trust auth for the `postgres` superuser on 127.0.0.1 only. initdb refuses to
 * run as root, so as root it runs as the `postgres` user on a dir that user owns. One cluster per test run (vitest
 * globalSetup, which exports FLEET_TEST_PG_URL to the workers) or, without it, one per worker process, stopped at exit.
 */
export const PG_BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';

export interface PgCluster {
  /** postgres://postgres@127.0.0.1:PORT/postgres */
  adminUrl: string;
  stop(): void;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

function run(bin: string, args: string[]): void {
  const [cmd, argv] = isRoot ? ['runuser', ['-u', 'postgres', '--', path.join(PG_BIN, bin), ...args]] : [path.join(PG_BIN, bin), args];
  const r = spawnSync(cmd, argv as string[], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status !== 0) throw new Error(`${bin} failed (${r.status}): ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | ')}`);
}

/** Starts a cluster; throws with the reason when PostgreSQL is not installed (`.ci/run` installs it). */
export async function startPgCluster(): Promise<PgCluster> {
  if (!fs.existsSync(path.join(PG_BIN, 'initdb'))) throw new Error(`PostgreSQL 15 is not installed (${PG_BIN}/initdb missing): apt-get install -y postgresql`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-pg-'));
  if (isRoot) execFileSync('chown', ['postgres:postgres', dir]);
  const data = path.join(dir, 'data');
  run('initdb', ['-N', '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C', '-D', data]);
  const port = await freePort();
  run('pg_ctl', [
    'start',
    '-w',
    '-D',
    data,
    '-l',
    path.join(dir, 'log'),
    '-o',
    `-k ${dir} -p ${port} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300`,
  ]);
  let stopped = false;
  return {
    adminUrl: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop() {
      if (stopped) return;
      stopped = true;
      try {
        run('pg_ctl', ['stop', '-D', data, '-m', 'immediate']);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

let own: Promise<PgCluster> | undefined;

/** The run's cluster (FLEET_TEST_PG_URL from globalSetup) or one for this process, started on first use. */
export async function pgAdminUrl(): Promise<string> {
  if (process.env.FLEET_TEST_PG_URL) return process.env.FLEET_TEST_PG_URL;
  own ??= startPgCluster().then((c) => {
    process.once('exit', () => c.stop());
    return c;
  });
  return (await own).adminUrl;
}

/** A fresh, empty database on the test cluster: each test server gets its own, like its own temp dir. */
export async function createTestDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const admin = await pgAdminUrl();
  const name = `fleet_${randomBytes(6).toString('hex')}`;
  const c = new pg.Client({ connectionString: admin });
  await c.connect();
  try {
    await c.query(`CREATE DATABASE ${name}`);
  } finally {
    await c.end();
  }
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const d = new pg.Client({ connectionString: admin });
      await d.connect();
      try {
        await d.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await d.end();
      }
    },
  };
}

/** Which store the shared server and sync suites run against: FLEET_TEST_DB=postgres, else the embedded SQLite. */
export const testDialect = (): 'sqlite' | 'postgres' => (process.env.FLEET_TEST_DB === 'postgres' ? 'postgres' : 'sqlite');

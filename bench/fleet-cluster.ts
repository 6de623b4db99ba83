/**
 * Fleet cluster (issue 11): PostgreSQL 15, 3 fleet-server instances behind HAProxy (active health checks), Mosquitto
 * with dynamic security, 1,000 simulated kiosks in push mode, carrier intake and kiosk events during the run; one
 * instance SIGKILLed at 10 s and restarted at 20 s. Then the same load against the embedded single process (SQLite,
 * one instance, no balancer, same broker). Prints both side by side. Figures, not assertions.
 *
 * Time is scaled 10×: heartbeat every 6 s (60 s in production push mode), safety pull every 30 s (5 min), so one
 * bench kiosk-minute is ten production kiosk-minutes. The load generator shares the machine's cores with everything.
 * Usage: tsx bench/fleet-cluster.ts [--kiosks 1000] [--seconds 35] [--ship-rate 10]
 * Exit 2 with one line naming the apt packages when PostgreSQL, HAProxy or Mosquitto is missing.
 */
import os from 'node:os';
import path from 'node:path';
import { benchArgs } from './_cli';
import Database from 'better-sqlite3';
import pg from 'pg';
import { missingPackages } from './_cluster-infra';

// Flags first: --help answers on a machine without haproxy too.
const values = benchArgs({ kiosks: { type: 'string', default: '1000' }, seconds: { type: 'string', default: '35' }, 'ship-rate': { type: 'string', default: '10' } }, 'usage: npx tsx bench/fleet-cluster.ts [--kiosks 1000] [--seconds 35] [--ship-rate 10]');
const missing = missingPackages();
if (missing.length) {
  console.error(`fleet-cluster needs: apt-get install -y ${missing.join(' ')}`);
  process.exit(2);
}
const { startPostgres } = await import('./_cluster-infra');
const { runScenario } = await import('./_cluster-run');
const { startBroker } = await import('../tests/push/broker');
const { startSmsGateway } = await import('../tests/server/sinks');

const opts = { kiosks: Number(values.kiosks), seconds: Number(values.seconds), shipRate: Number(values['ship-rate']), scale: 10 };

const broker = await startBroker();
const sms = await startSmsGateway();
process.once('exit', () => void broker.stop());
const pgc = await startPostgres();
const admin = new pg.Client({ connectionString: pgc.url });
await admin.connect();
await admin.query('CREATE DATABASE fleet');
await admin.end();
const dbUrl = pgc.url.replace(/\/postgres$/, '/fleet');

const cluster = await runScenario('cluster', { ...opts, broker, sms, instances: 3, databaseUrl: dbUrl, extraPids: () => pgc.pids() }, async () => {
  const c = new pg.Client({ connectionString: dbUrl });
  await c.connect();
  try {
    const one = async (sql: string) => Number((await c.query(sql)).rows[0].n);
    return {
      events: await one('SELECT count(*) AS n FROM events'),
      manifestExpected: await one(`SELECT count(*) AS n FROM manifest WHERE kind = 'expected'`),
      notesQueued: await one(`SELECT count(*) AS n FROM notifications WHERE channel = 'sms'`),
      notesSent: await one(`SELECT count(*) AS n FROM notifications WHERE channel = 'sms' AND status = 'sent'`),
    };
  } finally {
    await c.end();
  }
});
sms.messages.length = 0;

const embedded = await runScenario('embedded', { ...opts, broker, sms, instances: 1, extraPids: () => [] }, async (dataDir) => {
  const db = new Database(path.join(dataDir!, 'fleet.sqlite'), { readonly: true, fileMustExist: true });
  try {
    const one = (sql: string) => Number((db.prepare(sql).get() as { n: number }).n);
    return {
      events: one('SELECT count(*) AS n FROM events'),
      manifestExpected: one(`SELECT count(*) AS n FROM manifest WHERE kind = 'expected'`),
      notesQueued: one(`SELECT count(*) AS n FROM notifications WHERE channel = 'sms'`),
      notesSent: one(`SELECT count(*) AS n FROM notifications WHERE channel = 'sms' AND status = 'sent'`),
    };
  } finally {
    db.close();
  }
});

const rows: [string, string, string][] = [];
for (const key of Object.keys(cluster.figures)) rows.push([key, cluster.figures[key]!, embedded.figures[key] ?? '']);
const w0 = Math.max(...rows.map((r) => r[0].length));
const w1 = Math.max(30, ...rows.map((r) => r[1].length));
console.log(`\n${''.padEnd(w0)}  ${'PostgreSQL, 3 instances + HAProxy'.padEnd(w1)}  embedded (SQLite, 1 process)`);
for (const [k, a, b] of rows) console.log(`${k.padEnd(w0)}  ${a.padEnd(w1)}  ${b}`);
console.log(`\n${cluster.notes.join('\n')}`);
console.log(
  `(${os.cpus().length} cores on loopback, shared by the load generator (${opts.kiosks} kiosks + MQTT clients in this process), ` +
    `the fleet servers, PostgreSQL, HAProxy and Mosquitto; PostgreSQL with fsync and synchronous_commit on. Time scaled ${opts.scale}×: ` +
    `heartbeat 6 s, safety pull 30 s; 1 bench kiosk-minute = ${opts.scale} production kiosk-minutes.)`,
);

await broker.dispose();
await sms.close();
pgc.stop();
process.exit(0);

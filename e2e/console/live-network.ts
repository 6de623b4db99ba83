import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { startBroker, type TestBroker } from '../../tests/push/broker';
import { startSmtpSink } from '../../tests/server/sinks';
import { KioskProcess } from '../kiosk-process';
import { startConsoleFleet, type ConsoleFleet } from './fleet-server';

/**
 * A small real network for the console specs where an action must reach a kiosk (issue 12's "each action end to
 * end"): a Mosquitto broker (dynamic security, as tests/push), a real SMTP sink, `npm run server` with push and e-mail
 * on, and a host-mode kiosk process (the build, simulated board, its own SQLite) enrolled with it by a one-time token.
 * The kiosk's timers stay at their defaults (15 s poll, 60 s heartbeat in push mode): what it does within seconds, the
 * MQTT ping brought. Needs `npm run build` (kiosk and console), Mosquitto and its dynsec plugin.
 */
export interface LiveNetwork {
  fleet: ConsoleFleet;
  broker: TestBroker;
  smtp: Awaited<ReturnType<typeof startSmtpSink>>;
  kiosk: KioskProcess;
  /** The enrolled kiosk's id (K-…), as the console lists it. */
  kioskId: string;
  /** A POST with the bootstrap admin key (tooling: shipments, badges), answered JSON; throws on an error status. */
  adminPost<T = Record<string, unknown>>(p: string, body: unknown): Promise<T>;
  /** The pickup codes e-mailed so far, oldest first, read from the SMTP sink's raw messages. */
  codesMailed(): string[];
  /** The kiosk's stored code digest of `barcode` (its own SQLite file, read-only): changes when a re-issue lands. */
  kioskCodeDigest(barcode: string): string | null;
  stop(): Promise<void>;
}

export async function startLiveNetwork(): Promise<LiveNetwork> {
  // What has started so far, stopped newest first if a later part fails (no broker or server left behind).
  const started: Array<() => Promise<unknown>> = [];
  const stopAll = async () => {
    while (started.length) await started.pop()!().catch(() => undefined);
  };
  try {
    return await start(started, stopAll);
  } catch (err) {
    await stopAll();
    throw err;
  }
}

async function start(started: Array<() => Promise<unknown>>, stopAll: () => Promise<void>): Promise<LiveNetwork> {
  const broker = await startBroker();
  started.push(() => broker.dispose());
  const smtp = await startSmtpSink();
  started.push(() => smtp.close());
  // The broker admin's password goes by file, never argv (as the server's own --help says).
  const secrets = fs.mkdtempSync(path.join(os.tmpdir(), 'live-net-'));
  started.push(async () => fs.rmSync(secrets, { recursive: true, force: true }));
  const pwFile = path.join(secrets, 'mqtt-password');
  fs.writeFileSync(pwFile, broker.adminPassword, { mode: 0o600 });
  const fleet = await startConsoleFleet({ args: ['--smtp-url', smtp.url, '--mqtt-url', broker.url, '--mqtt-username', broker.adminUser, '--mqtt-password-file', pwFile] });
  started.push(() => fleet.stop());

  const adminPost = async <T>(p: string, body: unknown): Promise<T> => {
    const r = await fetch(fleet.url + p, { method: 'POST', headers: { authorization: `Bearer ${fleet.adminKey}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (!r.ok) throw new Error(`${p}: ${r.status} ${await r.text()}`);
    return (await r.json()) as T;
  };
  const { enrollmentToken } = await adminPost<{ enrollmentToken: string }>('/v1/enrollment-tokens', {});
  const kiosk = new KioskProcess(['--server-url', fleet.url, '--enrollment-token', enrollmentToken]);
  started.push(() => kiosk.stop());
  await kiosk.start();
  // Enrolled once the kiosk knows its id (the first sync cycle runs in the background after "kiosk ready").
  const deadline = Date.now() + 30_000;
  let kioskId = '';
  while (!kioskId.startsWith('K-')) {
    if (Date.now() > deadline) throw new Error(`the kiosk did not enroll:\n${kiosk.lines.join('\n')}`);
    const info = await kiosk.call<{ kioskId: string }>('kioskInfo');
    if (info.ok) kioskId = info.value.kioskId;
    if (!kioskId.startsWith('K-')) await new Promise((r) => setTimeout(r, 100));
  }

  const dbFile = path.join(kiosk.dataDir, 'kiosk.db');
  return {
    fleet,
    broker,
    smtp,
    kiosk,
    kioskId,
    adminPost,
    codesMailed: () => smtp.mails.map((m) => /is ([0-9]{6})\./.exec(m.raw.replace(/=\r?\n/g, ''))?.[1]).filter((c): c is string => !!c),
    kioskCodeDigest(barcode) {
      // Opened and closed per read: a connection kept open would hold the kiosk's data-dir lock (store/data-dir-lock.ts).
      const db = new Database(dbFile, { readonly: true, fileMustExist: true });
      try {
        const row = db.prepare('SELECT code_digest FROM parcels WHERE barcode = ? ORDER BY rowid DESC LIMIT 1').get(barcode) as { code_digest: string | null } | undefined;
        return row?.code_digest ?? null;
      } finally {
        db.close();
      }
    },
    stop: stopAll,
  };
}

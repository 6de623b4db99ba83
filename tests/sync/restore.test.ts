import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import type { CreatedShipment } from '../../src-server/embedded';
import { restoreSeen } from '../../src-main/sync/exchange';
import type { ManifestResponse } from '../../src-shared/sync-protocol';
import { PG_BIN, pgAdminUrl } from '../server/pg';
import { deliver, localParcel, pickUp, serverRows, startKiosk, startServer, tempDir, until, type Kiosk } from './helpers';

/**
 * Issue 11: a fleet server restored from an older backup heals (ADR restore-epoch). Real kiosk core and real server on
 * loopback; the backup is what an operator takes: SQLite's online backup API on the embedded default, pg_dump -Fc on
 * PostgreSQL (the `postgres` project), put back with a file copy / DROP + CREATE + pg_restore while the server is down.
 * Before: the kiosk stayed "online" with an empty outbox while the server had lost the events it acked, and a shipment
 * created after the restore was UNKNOWN_PARCEL at the kiosk for ever (its cursor was past the restored head).
 */
type Server = Awaited<ReturnType<typeof startServer>>;

const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!().catch(() => {});
});

async function backup(server: Server, to: string): Promise<void> {
  if (server.databaseUrl) {
    execFileSync(path.join(PG_BIN, 'pg_dump'), ['-Fc', '-f', to, server.databaseUrl]);
    return;
  }
  const db = new Database(path.join(server.dataDir, 'fleet.sqlite'), { readonly: true });
  try {
    await db.backup(to);
  } finally {
    db.close();
  }
}

/** The server must be stopped. Puts the backup back the way an operator would. */
async function restore(server: Server, from: string): Promise<void> {
  if (server.databaseUrl) {
    const name = new URL(server.databaseUrl).pathname.slice(1);
    const c = new pg.Client({ connectionString: await pgAdminUrl() });
    await c.connect();
    try {
      await c.query(`DROP DATABASE ${name} WITH (FORCE)`);
      await c.query(`CREATE DATABASE ${name}`);
    } finally {
      await c.end();
    }
    execFileSync(path.join(PG_BIN, 'pg_restore'), ['--no-owner', '-d', server.databaseUrl, from]);
    return;
  }
  const file = path.join(server.dataDir, 'fleet.sqlite');
  for (const f of [`${file}-wal`, `${file}-shm`]) fs.rmSync(f, { force: true });
  fs.copyFileSync(from, file);
}

const phone = (i: number) => `+4850020${String(i).padStart(4, '0')}`;

/** Every event the kiosk ever queued is stored on the server, each once. */
async function everyEventStored(server: Server, k: Kiosk): Promise<boolean> {
  const local = (k.core.ctx.db.prepare('SELECT id FROM outbox').all() as Array<{ id: string }>).map((r) => r.id);
  const stored = new Set((await serverRows<{ id: string }>(server, 'SELECT id FROM events WHERE kiosk_id = ?', [k.kioskId()])).map((r) => r.id));
  return local.length > 0 && local.every((id) => stored.has(id)) && stored.size === local.length;
}

describe('restore from an older backup heals', () => {
  for (const watermark of [true, false]) {
    it(
      watermark
        ? 'with the restore watermark: the server rotates its epoch, the kiosk re-sends and reads its manifest again'
        : 'without it (the whole data dir restored): the kiosk notices by itself (the server lacks its last acked event)',
      async () => {
        const dataDir = tempDir('heal-fleet-');
        const opts = watermark ? {} : { restoreWatermarkFile: null };
        let server = await startServer({ dataDir, ...opts });
        cleanup.push(() => server.close());
        const k = await startKiosk({ url: server.url, token: await server.createEnrollmentToken() });
        cleanup.push(() => k.close());
        const kioskId = k.kioskId();
        const driver = await server.issueBadge({ role: 'driver', name: 'Dana' });
        const { sessionId } = await k.call('authBadge', { badge: driver.token });
        const ship = (barcode: string, i: number): Promise<CreatedShipment> => server.createShipment({ barcode, size: 'S', kioskId, recipient: { phone: phone(i) } });

        // Before the backup: two shipments known to both, one delivered (its deposit acked).
        const a1 = await ship('HEAL-A1', 1);
        const a2 = await ship('HEAL-A2', 2);
        await k.core.ctx.sync.syncNow();
        await deliver(k, sessionId, a1.barcode);
        await until(() => k.core.ctx.sync.status().outboxDepth === 0, 8000, 'A1 deposit acked');
        const bak = path.join(tempDir('heal-bak-'), 'fleet.bak');
        await backup(server, bak);
        const epochBefore = (await serverRows<{ value: string }>(server, 'SELECT value FROM server_meta WHERE key = ?', ['epoch']))[0]?.value;

        // After the backup: more acked events, and (with a watermark) a manifest entry the kiosk has already read.
        await deliver(k, sessionId, a2.barcode);
        await pickUp(k, a1.code, a1.barcode);
        let b1: CreatedShipment | undefined;
        if (watermark) {
          b1 = await ship('HEAL-B1', 3);
          await until(async () => (await k.core.ctx.sync.syncNow(), localParcel(k, 'HEAL-B1')), 8000, 'B1 at the kiosk');
        }
        await until(() => k.core.ctx.sync.status().outboxDepth === 0, 8000, 'everything acked');
        expect(await server.eventCount(kioskId)).toBe(3);
        await server.sweep(); // the periodic sweep writes the watermark

        // The server dies; the operator puts the backup back and starts it again.
        const { port, databaseUrl } = server;
        await server.close();
        await restore(server, bak);
        server = await startServer({ dataDir, port, databaseUrl, ...opts });
        expect(await server.eventCount(kioskId)).toBe(1); // the restored database lost two acked events
        if (watermark) {
          // The start-up sweep compares the database with the watermark and gives it a new epoch.
          const epochNow = async () => (await serverRows<{ value: string }>(server, 'SELECT value FROM server_meta WHERE key = ?', ['epoch']))[0]?.value;
          await until(async () => (await epochNow()) !== epochBefore, 8000, 'a new epoch');
        }

        // The kiosk converges: the server has every event again (each once), A1 picked up and A2 deposited.
        await until(() => everyEventStored(server, k), 15_000, 'every kiosk event on the server');
        expect(await server.eventCount(kioskId)).toBe(3);
        expect((await server.parcel('HEAL-A1'))!.status).toBe('picked_up');
        expect((await server.parcel('HEAL-A2'))!.status).toBe('deposited');
        // (A kiosk that noticed the restore twice, by its head and then by the new epoch, re-sends twice: duplicates only.)
        await until(() => k.core.ctx.sync.status().status === 'online' && k.core.ctx.sync.status().outboxDepth === 0, 8000, 'kiosk online, outbox empty');
        expect(await server.eventCount(kioskId)).toBe(3);

        // A new shipment reaches the kiosk (its seq was at or below the kiosk's old cursor), and a driver can deliver it.
        const c1 = await ship('HEAL-C1', 4);
        await until(async () => (await k.core.ctx.sync.syncNow(), localParcel(k, 'HEAL-C1')), 8000, 'C1 at the kiosk');
        if (b1) {
          // The carrier announces the lost B1 again: the stale copy at the kiosk gives way to the server's new parcel.
          const again = await ship('HEAL-B1', 5);
          await until(async () => (await k.core.ctx.sync.syncNow(), localParcel(k, 'HEAL-B1')?.id === again.parcelId), 8000, 'the new B1 at the kiosk');
        }
        await deliver(k, sessionId, c1.barcode);
        await until(async () => (await server.parcel('HEAL-C1'))?.status === 'deposited', 8000, 'C1 deposited on the server');
      },
      60_000,
    );
  }
});

describe('what the kiosk reads as a server gone back in time', () => {
  const page = (extra: Partial<ManifestResponse>): ManifestResponse => ({
    expected: [],
    cancellations: [],
    extensions: [],
    revokedBadges: [],
    revokedBadgeIds: [],
    nextCursor: '5',
    hasMore: false,
    serverTime: new Date().toISOString(),
    ...extra,
  });
  it('a new epoch, a head behind the cursor it sent, a lost last event; never an older server or a first epoch', () => {
    expect(restoreSeen(page({ epoch: 'e_2', head: 9 }), '5', 'e_1')).toBe('epoch');
    expect(restoreSeen(page({ epoch: 'e_1', head: 4 }), '5', 'e_1')).toBe('head');
    expect(restoreSeen(page({ epoch: 'e_1', head: 9, lastEventKnown: false }), '5', 'e_1')).toBe('events');
    expect(restoreSeen(page({ epoch: 'e_1', head: 5, lastEventKnown: true }), '5', 'e_1')).toBeNull();
    expect(restoreSeen(page({ epoch: 'e_1', head: 5 }), '5', null)).toBeNull(); // first epoch seen: stored, no reset
    expect(restoreSeen(page({}), '5', 'e_1')).toBeNull(); // an older server sends none of the fields
  });
});

import { spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import type { CreatedShipment } from '../../src-server/embedded';
import { deliver, localParcel, pickUp, serverRows, startKiosk, startServer, until, type Kiosk } from './helpers';

const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!().catch(() => {});
});

const LAYOUT = 'bank-32'; // 13 S, 11 M, 4 L, 4 XL
const SIZES = [...Array(13).fill('S'), ...Array(11).fill('M'), ...Array(4).fill('L'), ...Array(4).fill('XL')] as Array<'S' | 'M' | 'L' | 'XL'>;

/** Runs the child kiosk until it prints `started <hang>`, then SIGKILLs it. Returns the barcodes it deposited. */
async function childUntilKilled(o: { dir: string; url: string; badge: string; barcodes: string[]; hang: string }): Promise<string[]> {
  const script = path.join(import.meta.dirname, 'fixtures', 'kiosk-child.ts');
  const child = spawn(process.execPath, ['--import', 'tsx', script, JSON.stringify({ ...o, layout: LAYOUT })], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, KIOSK_LOG_LEVEL: 'error' },
  });
  let stderr = '';
  child.stderr.on('data', (c) => (stderr += c));
  const deposited: string[] = [];
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code)));
  for await (const line of readline.createInterface({ input: child.stdout })) {
    const [what, barcode] = line.split(' ');
    if (what === 'deposited') deposited.push(barcode!);
    else if (what === 'started' && barcode === o.hang) {
      child.kill('SIGKILL');
      break;
    } else if (what === 'error' || what === 'done') {
      child.kill('SIGKILL');
      throw new Error(`child kiosk: ${line}\n${stderr}`);
    }
  }
  expect(await exited).toBe('SIGKILL');
  return deposited;
}

describe('outage: the server goes away, the kiosk goes on, the kiosk is killed once; every event arrives exactly once', () => {
  it('50 pickups and drop-offs offline across a SIGKILL, drained after the server restarts', async () => {
    const lines: string[] = [];
    const channels = { console: (l: string) => void lines.push(l) };
    let server = await startServer({ channels });
    const { dataDir: fleetDir, port, databaseUrl } = server;
    cleanup.push(() => server.close());
    let k: Kiosk = await startKiosk({ url: server.url, token: await server.createEnrollmentToken(), layout: LAYOUT });
    cleanup.push(() => k.close());
    await k.core.ctx.sync.syncNow();
    const kioskId = k.kioskId();
    const dir = k.dir;

    // Online: 32 shipments (the locker's whole capacity); the first 16 are delivered while the server is up.
    const shipments: CreatedShipment[] = [];
    for (const [i, size] of SIZES.entries()) {
      shipments.push(await server.createShipment({ barcode: `OUT-${String(i).padStart(6, '0')}`, size, kioskId, recipient: { phone: `+4850010${String(i).padStart(4, '0')}` } }));
    }
    const first = shipments.filter((_, i) => i % 2 === 0);
    const second = shipments.filter((_, i) => i % 2 === 1);
    await k.core.ctx.sync.syncNow();
    const driver = await server.issueBadge({ role: 'driver', name: 'Dana' });
    let { sessionId } = await k.call('authBadge', { badge: driver.token });
    for (const s of first) await deliver(k, sessionId, s.barcode);
    await until(() => k.core.ctx.sync.status().outboxDepth === 0, 5000, 'online deposits pushed');
    const onlineEvents = await server.eventCount(kioskId);
    expect(onlineEvents).toBe(16);

    // The server goes down. Offline, part 1 (this process): 16 pickups, 6 drop-offs, a problem report.
    await server.close();
    let ops = 0;
    for (const s of first) {
      await pickUp(k, s.code, s.barcode);
      ops++;
    }
    for (const s of second.slice(0, 6)) {
      await deliver(k, sessionId, s.barcode);
      ops++;
    }
    await k.call('pickupReportProblem', { kind: 'damaged', note: 'dented box' });
    ops++;
    await until(() => k.core.ctx.sync.status().status === 'offline', 3000, 'kiosk to notice the outage');
    expect(k.core.ctx.sync.status().outboxDepth).toBe(ops);
    await k.close(); // events stay in the outbox; nothing is flushed anywhere

    // Offline, part 2: a kiosk process delivers 4 more and is SIGKILLed with the 5th door open.
    const hang = second[10]!.barcode;
    const byChild = await childUntilKilled({ dir, url: server.url, badge: driver.token, barcodes: second.slice(6, 11).map((s) => s.barcode), hang });
    expect(byChild).toEqual(second.slice(6, 10).map((s) => s.barcode));
    ops += byChild.length;

    // Offline, part 3: the kiosk restarts (crash recovery puts the interrupted drop-off right), the driver
    // delivers the rest (the interrupted one again), customers pick all 16 up.
    k = await startKiosk({ url: server.url, dir, layout: LAYOUT });
    cleanup.push(() => k.close());
    expect(k.kioskId()).toBe(kioskId);
    expect(localParcel(k, hang)!.status).toBe('expected');
    ({ sessionId } = await k.call('authBadge', { badge: driver.token }));
    for (const s of second.slice(10)) {
      await deliver(k, sessionId, s.barcode);
      ops++;
    }
    for (const s of second) {
      await pickUp(k, s.code, s.barcode);
      ops++;
    }
    expect(ops).toBe(16 + 6 + 1 + 4 + 6 + 16); // 49 door operations and a report: 50
    const local = k.core.ctx.db.prepare('SELECT id, type FROM outbox ORDER BY seq').all() as Array<{ id: string; type: string }>;
    expect(k.core.ctx.sync.status().outboxDepth).toBe(local.length - onlineEvents);

    // The server comes back on the same data and port; the kiosk finds it by itself (backoff) and drains.
    server = await startServer({ dataDir: fleetDir, port, channels, ...(databaseUrl ? { databaseUrl } : {}) });
    cleanup.push(() => server.close());
    await until(() => k.core.ctx.sync.status().outboxDepth === 0 && k.core.ctx.sync.status().status === 'online', 10_000, 'outbox drained');

    // Exactly once: the server holds exactly the kiosk's events, each once.
    const onServer = await serverRows<{ id: string; type: string }>(server, 'SELECT id, type FROM events WHERE kiosk_id = ? ORDER BY id', [kioskId]);
    expect(await server.eventCount(kioskId)).toBe(local.length);
    expect(onServer.map((e) => e.id)).toEqual(local.map((e) => e.id).sort());
    const count = (t: string) => onServer.filter((e) => e.type === t).length;
    expect(count('parcel.deposited')).toBe(32);
    expect(count('parcel.picked_up')).toBe(32);
    expect(count('problem.reported')).toBe(1);
    // Every parcel ended picked up on the server, without conflicts, and each recipient got exactly one code.
    for (const s of shipments) expect(await server.parcel(s.barcode)).toMatchObject({ status: 'picked_up', conflict: null });
    const codes = await serverRows<{ n: number }>(server, `SELECT parcel_id, count(*) AS n FROM notifications WHERE kind = 'code' GROUP BY parcel_id`);
    expect(codes).toHaveLength(32);
    expect(codes.every((c) => c.n === 1)).toBe(true);
    await until(() => lines.filter((l) => /code for parcel OUT-/.test(l)).length === 32, 5000, 'one code message per parcel');
  }, 60_000);
});

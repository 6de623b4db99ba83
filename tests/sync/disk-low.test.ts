import { afterEach, describe, expect, it } from 'vitest';
import { serverRows, startKiosk, startServer, startSmtpSink, until, type Kiosk } from './helpers';

/**
 * Issue 14: a low disk reaches the fleet before the disk is full. A real kiosk core (its SQLite store, simulated board)
 * and a real fleet server on loopback with a real SMTP sink: the kiosk's disk tick finds free space under its reserve,
 * its next heartbeat says `disk.low`, and the fleet's `disk.low` rule mails the operator; the console's kiosk summary
 * carries the figures. Runs against SQLite and, in the postgres project, PostgreSQL.
 */
const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

describe('low disk, kiosk to fleet', () => {
  it('the heartbeat carries the disk, and a kiosk under its reserve alerts the disk.low rule once', async () => {
    const smtp = await startSmtpSink();
    const server = await startServer({ channels: { smtpUrl: smtp.url } });
    cleanup.push(() => smtp.close(), () => server.close());
    await serverRows(server, `INSERT INTO alert_rules (kind, enabled, minutes, recipients) VALUES ('disk.low', 1, NULL, '["noc@example.com"]')`);
    const k: Kiosk = await startKiosk({ url: server.url, token: await server.createEnrollmentToken() });
    cleanup.push(() => k.close());
    const id = k.kioskId();

    // A healthy disk, as the fleet sees it.
    await k.core.ctx.services.disk.tick();
    await k.core.ctx.sync.syncNow();
    const healthy = (await server.fleet()).find((x) => x.kioskId === id)!;
    expect(healthy.disk).toEqual(expect.objectContaining({ low: false }));
    expect(healthy.disk!.freeBytes).toBeGreaterThan(0);
    expect(healthy.disk!.dataDirBytes).toBeGreaterThan(0);

    // Under the reserve (raised above this machine's free space): one mail, through the fleet's alert outbox.
    k.core.ctx.config.disk.reserveMiB = 1_048_576;
    await k.core.ctx.services.disk.tick();
    await k.core.ctx.sync.syncNow();
    await until(() => smtp.mails.length >= 1, 10_000, 'the disk.low mail');
    expect(smtp.mails[0]!.raw).toMatch(new RegExp(`Kiosk ${id} is low on disk`));
    await k.core.ctx.sync.syncNow();
    expect((await server.fleet()).find((x) => x.kioskId === id)!.disk).toEqual(expect.objectContaining({ low: true }));
    const items = await serverRows<{ n: number | string }>(server, `SELECT count(*) AS n FROM events WHERE kiosk_id = ? AND type = 'disk.low'`, [id]);
    expect(Number(items[0]!.n)).toBe(1);
    expect(smtp.mails).toHaveLength(1);
  });
});

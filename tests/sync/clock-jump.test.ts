import { afterEach, describe, expect, it } from 'vitest';
import type { Clock } from '../../src-main/clock';
import { deliver, localParcel, serverRows, startKiosk, startServer, until } from './helpers';

const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!().catch(() => {});
});

const DAY = 86_400_000;

/** The real clocks, with a wall-clock error we set: what a kiosk whose NTP stepped it wrong (and back) looks like. */
class SkewedClock implements Clock {
  offsetMs = 0;
  now(): number {
    return Date.now() + this.offsetMs;
  }
  mono(): number {
    return performance.now();
  }
}

describe('sync across a wall-clock correction (issue 9 §4)', () => {
  it('kiosk two days fast, a deposit queued and refused, then corrected: the deposit goes out at once and the customer gets the code', async () => {
    const lines: string[] = [];
    const server = await startServer({ channels: { console: (l: string) => void lines.push(l) } });
    cleanup.push(() => server.close());
    const clock = new SkewedClock();
    const k = await startKiosk({ url: server.url, token: await server.createEnrollmentToken(), clock });
    cleanup.push(() => k.close());
    await k.core.ctx.sync.syncNow();
    const ship = await server.createShipment({ barcode: 'SKEW-00001', size: 'S', kioskId: k.kioskId(), recipient: { phone: '+48500100300' } });
    await k.core.ctx.sync.syncNow();
    expect(localParcel(k, 'SKEW-00001')?.status).toBe('expected');

    // Two days fast: every signed request is outside the server's ±5 min window, so the push is refused. The driver
    // arrives meanwhile (a 30-day badge is still valid on the fast clock) and delivers.
    clock.offsetMs = 2 * DAY;
    const { sessionId } = await k.call('authBadge', { badge: (await server.issueBadge({ role: 'driver', name: 'Dana' })).token });
    await deliver(k, sessionId, 'SKEW-00001');
    const attempts = () =>
      (k.core.ctx.db.prepare(`SELECT attempts FROM outbox WHERE type = 'parcel.deposited'`).get() as { attempts: number } | undefined)?.attempts ?? 0;
    await until(() => attempts() > 0, 10_000, 'the deposit push to be tried (and refused) while the clock is fast');
    expect(await serverRows(server, 'SELECT status FROM parcels WHERE id = ?', [ship.parcelId])).toEqual([{ status: 'expected' }]);

    // Corrected: the event goes out with the next cycle, not 48 h later.
    clock.offsetMs = 0;
    await until(
      async () => (await serverRows<{ status: string }>(server, 'SELECT status FROM parcels WHERE id = ?', [ship.parcelId]))[0]!.status === 'deposited',
      10_000,
      'the server to hear of the deposit',
    );
    await until(() => lines.some((l) => /code for parcel SKEW-00001/.test(l)), 10_000, 'the code message');
    await until(() => k.core.ctx.sync.status().outboxDepth === 0, 10_000, 'the outbox drained');
  });

  it('a jump the kiosk sees is reported to the fleet server, which records it', async () => {
    const server = await startServer();
    cleanup.push(() => server.close());
    const clock = new SkewedClock();
    const k = await startKiosk({ url: server.url, token: await server.createEnrollmentToken(), clock });
    cleanup.push(() => k.close());
    await k.core.ctx.sync.syncNow();
    clock.offsetMs = 3 * 60_000; // stepped 3 min ahead: a jump, still inside the server's signing window
    const jump = k.core.ctx.services.checkClock();
    expect(jump?.deltaMs).toBeGreaterThan(2 * 60_000);
    const recorded = () => serverRows<{ outcome: string; payload: string }>(server, `SELECT outcome, payload FROM events WHERE kiosk_id = ? AND type = 'clock.jumped'`, [k.kioskId()]);
    const rows = await until(async () => ((await recorded()).length > 0 ? recorded() : null), 10_000, 'the clock.jumped event at the server');
    expect(rows[0]!.outcome).toBe('recorded');
    expect(JSON.parse(rows[0]!.payload).deltaMs).toBe(jump!.deltaMs);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import type { Clock } from '../../src-main/clock';
import { OutboxContractError } from '../../src-main/store/outbox';
import { serverRows, startKiosk, startServer, until, type Kiosk } from './helpers';

/**
 * Red team 12, finding 1: a door left open must reach the fleet (inbox, alert rules), not only the technician. The kiosk
 * times doors on the monotonic clock, which is fractional (performance.now()); a fractional `openForMs` broke the sync
 * contract (an int), the fleet refused the event and the outbox kept it in quarantine for good. A real kiosk core on a
 * clock that is real but can be moved ahead (so the 2-minute limit passes at once, still in fractional milliseconds),
 * and a real fleet server on loopback (SQLite here, PostgreSQL in the postgres project).
 */
const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

/** The machine's clocks, moved ahead by `ahead.ms` (both the wall and the monotonic clock, as time passing). */
function movableClock(): Clock & { ahead: { ms: number } } {
  const ahead = { ms: 0 };
  return { ahead, now: () => Date.now() + Math.round(ahead.ms), mono: () => performance.now() + ahead.ms };
}

describe('door left open, kiosk to fleet', () => {
  it('a door open past the limit reaches the fleet as door.left_open with whole milliseconds, and the outbox empties', async () => {
    const server = await startServer();
    cleanup.push(() => server.close());
    const clock = movableClock();
    const k: Kiosk = await startKiosk({ url: server.url, token: await server.createEnrollmentToken(), clock });
    cleanup.push(() => k.close());
    const id = k.kioskId();

    // Forced open (no operation): the sensors see it, the watch times it.
    k.core.ctx.simulator!.openDoor('A05');
    await until(() => k.core.ctx.services.repos.audit.recent(20).some((e) => e.action === 'door.forced_open'), 5000, 'the forced-open alarm');
    clock.ahead.ms += 121_000.375;
    expect(k.core.ctx.services.checkDoorsLeftOpen()).toBe(1);
    await k.core.ctx.sync.syncNow();

    const rows = await until(
      async () => {
        const r = await serverRows<{ payload: string }>(server, `SELECT payload FROM events WHERE kiosk_id = ? AND type = 'door.left_open'`, [id]);
        return r.length ? r : null;
      },
      10_000,
      'door.left_open at the fleet',
    );
    const payload = JSON.parse(rows[0]!.payload) as { compartmentId: string; openForMs: number };
    expect(payload.compartmentId).toBe('A05');
    expect(Number.isInteger(payload.openForMs)).toBe(true);
    expect(payload.openForMs).toBeGreaterThanOrEqual(121_000);
    // Nothing held back in quarantine: the kiosk's outbox has no unacked event left.
    await k.core.ctx.sync.syncNow();
    expect(k.core.ctx.services.repos.outbox.pending(clock.now() + 86_400_000)).toEqual([]);
  });

  it('an event that does not match the sync contract is refused when queued, and nothing is written', async () => {
    const server = await startServer();
    cleanup.push(() => server.close());
    const k: Kiosk = await startKiosk({ url: server.url });
    cleanup.push(() => k.close());
    const { outbox } = k.core.ctx.services.repos;
    const before = outbox.pending(Date.now() + 86_400_000).length;
    expect(() => outbox.enqueue('door.left_open', { compartmentId: 'A05', openForMs: 1.5 }, Date.now())).toThrow(OutboxContractError);
    expect(() => outbox.enqueue('door.left_open', { compartmentId: 'A05', openForMs: 1.5 }, Date.now())).toThrow(/door\.left_open.*openForMs/);
    expect(outbox.pending(Date.now() + 86_400_000)).toHaveLength(before);
  });
});

import type { SerialPort } from 'serialport';
import { afterAll, describe, expect, it } from 'vitest';
import { HardwareError } from '../../src-main/hardware/errors';
import { FAMILIES, type FamilyUnderTest } from './families';
import { PtyPair, closePort, openPort, recorder, sleep, waitFor } from './helpers';

/**
 * The USB adapter is pulled and plugged back: here socat is killed (both ptys vanish; the kiosk side sees a close
 * or an EIO on its next write) and restarted on the same link paths. Nobody tells the driver: it must notice,
 * refuse unlocks meanwhile, and come back by itself.
 */
describe.each(FAMILIES)('$family', (F: FamilyUnderTest) => {
  const layout = F.layout;
  const driverOn = F.driverOn;
  const pty = new PtyPair();
  let boardPort: SerialPort | null = null;

  afterAll(async () => {
    await closePort(boardPort);
    await pty.dispose();
  });

  describe('port disappearing and coming back', () => {
    it('reports port-down, refuses unlocks without writing, reconnects with backoff, reports port-up', async () => {
      await pty.start();
      boardPort = await openPort(pty.board);
      const sim = F.sim(layout);
      sim.attach(boardPort);
      const driver = driverOn(pty, layout);
      const rec = recorder(driver);
      try {
        await waitFor(() => driver.boards().every((b) => b.online), 2000, 'boards online');
        expect(rec.of('port-up')).toHaveLength(1);

        // Pull the cable.
        sim.detach();
        await pty.stop();
        await closePort(boardPort).catch(() => undefined);
        boardPort = null;
        await waitFor(() => rec.of('port-down').length === 1, 3000, 'port-down');
        expect(['reconnecting', 'opening']).toContain(driver.health().port);
        expect(driver.boards().every((b) => !b.online)).toBe(true);
        expect(driver.compartment('A01').door).toBeNull();

        // While it is down: named error, nothing written.
        const sent = driver.health().framesSent;
        const err = await driver.unlock('A01').catch((e: unknown) => e);
        expect(err).toBeInstanceOf(HardwareError);
        expect((err as HardwareError).code).toBe('HARDWARE_OFFLINE');
        const readErr = await driver.readBoard(0).catch((e: unknown) => e);
        expect((readErr as HardwareError).code).toBe('HARDWARE_OFFLINE');
        await sleep(300); // several backoff attempts fail against the missing device
        expect(driver.health().framesSent).toBe(sent);
        expect(driver.health().reconnectAttempts).toBeGreaterThanOrEqual(2);
        expect(rec.of('port-down')).toHaveLength(1); // one outage, one event

        // Plug it back in (same paths, new ptys underneath).
        await pty.start();
        boardPort = await openPort(pty.board);
        sim.attach(boardPort);
        await waitFor(() => rec.of('port-up').length === 2, 3000, 'port-up');
        await waitFor(() => driver.boards().every((b) => b.online), 2000, 'boards online again');
        expect(driver.health().port).toBe('open');

        const before = sim.received.unlock;
        await driver.unlock('A01');
        await waitFor(() => sim.received.unlock === before + 1, 1000, 'unlock frame at the board');
        await waitFor(() => rec.of('opened', 'A01').length === 1, 1000, 'opened');
      } finally {
        await driver.close();
      }
    });

    it('starts without the device and picks it up when it appears', async () => {
      await pty.stop();
      await closePort(boardPort).catch(() => undefined);
      boardPort = null;
      const driver = driverOn(pty, layout);
      const rec = recorder(driver);
      try {
        await waitFor(() => rec.of('port-down').length === 1, 2000, 'port-down at start');
        await expect(driver.unlock('A02')).rejects.toMatchObject({ code: 'HARDWARE_OFFLINE' });
        await pty.start();
        boardPort = await openPort(pty.board);
        F.sim(layout).attach(boardPort);
        await waitFor(() => rec.of('port-up').length === 1, 3000, 'port-up');
        await driver.unlock('A02');
      } finally {
        await driver.close();
      }
    });
  });
});

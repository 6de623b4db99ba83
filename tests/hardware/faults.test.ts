import type { SerialPort } from 'serialport';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HardwareError } from '../../src-main/hardware/errors';
import type { BoardSimulator } from '../../src-main/hardware/sim/board-sim';
import { FAMILIES, type FamilyUnderTest } from './families';
import { FAST, PtyPair, closePort, openPort, recorder, sleep, waitFor } from './helpers';

/** Every injectable fault of the simulator, seen by each family's real driver through a real pty. */
describe.each(FAMILIES)('$family', (F: FamilyUnderTest) => {
  const layout = F.layout;
  const driverOn = F.driverOn;
  let pty: PtyPair;
  let boardPort: SerialPort;
  let sim: BoardSimulator;
  let driver: ReturnType<FamilyUnderTest['driverOn']>;
  let rec: ReturnType<typeof recorder>;

  beforeAll(async () => {
    pty = await new PtyPair().start();
  });
  afterAll(async () => {
    await pty.dispose();
  });
  beforeEach(async () => {
    boardPort = await openPort(pty.board);
    sim = F.sim(layout);
    sim.attach(boardPort);
    driver = driverOn(pty, layout);
    rec = recorder(driver);
    await waitFor(() => driver.boards().every((b) => b.online), 2000, 'both boards online');
  });
  afterEach(async () => {
    await driver.close();
    sim.detach();
    await closePort(boardPort);
  });

  const jamMs = FAST.jamMs!;
  const timeoutMs = FAST.commandTimeoutMs!;

  describe('jammed lock', () => {
    it('an unlock the door never answers with "open" is reported as jammed, once', async () => {
      sim.jam('A02');
      const t0 = Date.now();
      await driver.unlock('A02');
      await waitFor(() => rec.of('jammed', 'A02').length === 1, jamMs + 1000, 'jammed');
      expect(Date.now() - t0).toBeGreaterThanOrEqual(jamMs - 5);
      expect(rec.of('opened', 'A02')).toEqual([]);
      await sleep(jamMs);
      expect(rec.of('jammed', 'A02')).toHaveLength(1);
    });

    it('a working lock next to it is not reported', async () => {
      sim.jam('A02');
      await driver.unlock('A03');
      await sleep(jamMs + 200);
      expect(rec.of('opened', 'A03')).toHaveLength(1);
      expect(rec.of('jammed')).toEqual([]);
    });

    it('an already-open door (or a lying sensor) still gets the unlock frame, and is not a jam', async () => {
      sim.openDoor('A04');
      await waitFor(() => driver.compartment('A04').door === 'open', 1000, 'A04 reads open');
      const sent = sim.received.unlock;
      await driver.unlock('A04');
      await waitFor(() => sim.received.unlock === sent + 1, 1000, 'unlock frame at the board');
      await sleep(jamMs + 150);
      expect(rec.of('jammed')).toEqual([]);
    });
  });

  describe('jam check while the board cannot be read', () => {
    /** Unlock a door whose latch is slow (it stays shut for now), then cut its board off before the jam deadline. */
    async function unlockThenSilence(id: string) {
      sim.jam(id);
      const t0 = Date.now();
      await driver.unlock(id);
      sim.setFaults(1, { silent: true });
      await waitFor(() => rec.of('board-offline').some((e) => 'board' in e && e.board === 1), 2000, 'board 1 offline');
      await sleep(t0 + jamMs + 100 - Date.now()); // the deadline passes while nothing can be read
      expect(rec.of('jammed')).toEqual([]);
    }

    it('a door that opened while its board was silent is opened, not jammed, once the board answers', async () => {
      await unlockThenSilence('A18');
      sim.unjam('A18');
      sim.openDoor('A18'); // the customer pulls it while we cannot see
      sim.setFaults(1, { silent: false });
      await waitFor(() => rec.of('opened', 'A18').length === 1, 2000, 'opened');
      await sleep(100);
      expect(rec.of('jammed')).toEqual([]);
      expect(rec.of('forced-open')).toEqual([]);
    });

    it('a door still closed when its board answers again is a blind verdict decided by that read (it may have opened and closed unseen), and not before', async () => {
      await unlockThenSilence('A19');
      sim.setFaults(1, { silent: false });
      await waitFor(() => rec.of('jammed', 'A19').length === 1, 2000, 'jammed');
      const back = rec.events.findLastIndex((e) => e.type === 'board-online' && e.board === 1);
      expect(rec.events.findIndex((e) => e.type === 'jammed')).toBeGreaterThan(back);
      // Red-team finding 1: not a sighted jam (that would take the door out of service), but the read decides it now.
      expect(rec.of('jammed', 'A19')[0]).toMatchObject({ blind: true, read: true });
      expect(rec.of('opened', 'A19')).toEqual([]);
      await sleep(100);
      expect(rec.of('jammed')).toHaveLength(1);
    });

    it('a board silent past the ceiling gets its jam anyway; the door found open later counts as ours, not forced', async () => {
      const ceilingMs = 600;
      await driver.close();
      driver = driverOn(pty, layout, { timing: { ...FAST, jamCeilingMs: ceilingMs, forcedOpenWindowMs: ceilingMs + 100 } });
      rec = recorder(driver);
      await waitFor(() => driver.boards().every((b) => b.online), 2000, 'both boards online');
      sim.jam('A20');
      const t0 = Date.now();
      await driver.unlock('A20');
      sim.setFaults(1, { silent: true });
      await waitFor(() => rec.of('jammed', 'A20').length === 1, ceilingMs + 1000, 'jammed at the ceiling');
      expect(Date.now() - t0).toBeGreaterThanOrEqual(ceilingMs - 5);
      expect(driver.compartment('A20').door).toBeNull(); // a blind verdict: the board is still silent
      await sleep(200); // past the forced-open window too
      sim.unjam('A20');
      sim.openDoor('A20');
      sim.setFaults(1, { silent: false });
      await waitFor(() => rec.of('opened', 'A20').length === 1, 2000, 'opened');
      expect(rec.of('forced-open')).toEqual([]);
      expect(rec.of('jammed')).toHaveLength(1);
    });
  });

  describe('forced door', () => {
    it('a door that opens with no unlock from us is forced-open (and opened)', async () => {
      sim.openDoor('A07');
      await waitFor(() => rec.of('forced-open', 'A07').length === 1, 1000, 'forced-open');
      expect(rec.of('opened', 'A07')).toHaveLength(1);
    });

    it('a door opened again after its unlock\'s opening has closed is forced, however soon (the window ends at the close)', async () => {
      await driver.unlock('A09');
      await waitFor(() => rec.of('opened', 'A09').length === 1, 1000, 'opened by the unlock');
      sim.closeDoor('A09');
      await waitFor(() => rec.of('closed', 'A09').length === 1, 1000, 'closed');
      sim.openDoor('A09'); // well inside forcedOpenWindowMs of the unlock, with no new unlock
      await waitFor(() => rec.of('opened', 'A09').length === 2, 1000, 'opened again');
      expect(rec.of('forced-open', 'A09')).toHaveLength(1);
      // A new unlock is ours again.
      sim.closeDoor('A09');
      await waitFor(() => rec.of('closed', 'A09').length === 2, 1000, 'closed again');
      await driver.unlock('A09');
      await waitFor(() => rec.of('opened', 'A09').length === 3, 1000, 'opened by the second unlock');
      expect(rec.of('forced-open', 'A09')).toHaveLength(1);
    });

    it('a door opened long after its unlock is forced too', async () => {
      sim.jam('A08');
      await driver.unlock('A08');
      await sleep(FAST.forcedOpenWindowMs! + 100);
      sim.unjam('A08');
      sim.openDoor('A08');
      await waitFor(() => rec.of('forced-open', 'A08').length === 1, 1000, 'forced-open');
    });
  });

  describe('board not answering', () => {
    it('goes offline after the retries, is polled slowly, and comes back online by itself', async () => {
      sim.setFaults(1, { silent: true });
      await waitFor(() => rec.of('board-offline').length === 1, 2000, 'board-offline');
      expect(rec.of('board-offline')[0]).toMatchObject({ board: 1 });
      const h = driver.health();
      expect(h.boards).toEqual([
        { board: 0, online: true },
        { board: 1, online: false },
      ]);
      expect(h.timeouts).toBeGreaterThanOrEqual(1 + FAST.retries!);
      expect(h.retries).toBeGreaterThanOrEqual(FAST.retries!);
      expect(h.lastError).toMatch(/board 1/);
      expect(driver.compartment('A17').door).toBeNull(); // what we cannot read we do not claim
      expect(driver.compartment('A01').door).toBe('closed');
      // Offline boards are polled at offlinePollMs, one attempt each: few requests, board 0 keeps its pace.
      const before = sim.received.state;
      await sleep(600);
      expect(sim.received.state - before).toBeLessThan(600 / FAST.fastPollMs!);
      const err = await driver.readBoard(1).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(HardwareError);
      expect((err as HardwareError).code).toBe('HARDWARE_OFFLINE');

      const onlineBefore = rec.of('board-online').length; // includes the start-up "online" of both boards
      sim.setFaults(1, { silent: false });
      await waitFor(() => rec.of('board-online').length === onlineBefore + 1, 2000, 'board-online');
      expect(rec.of('board-online').at(-1)).toMatchObject({ board: 1 });
      expect(driver.health().boards[1]).toEqual({ board: 1, online: true });
      expect(driver.compartment('A17').door).toBe('closed');
    });
  });

  describe('corrupted replies', () => {
    it('bad checksums are counted in health and never taken for a state', async () => {
      sim.openDoor('A01');
      sim.setFaults(0, { corruptChecksum: true });
      await waitFor(() => driver.health().framesBad >= 3, 2000, 'bad frames counted');
      expect(driver.compartment('A01').door).not.toBe('open');
      expect(rec.of('opened', 'A01')).toEqual([]);
      await waitFor(() => rec.of('board-offline').length === 1, 2000, 'board 0 offline');
      sim.setFaults(0, { corruptChecksum: false });
      await waitFor(() => driver.compartment('A01').door === 'open', 2000, 'good replies again');
    });

    it('noise before every reply is skipped: no timeout, right state', async () => {
      sim.putItem('A09');
      for (const n of [1, 3, 4, 7, 11, 23]) {
        sim.setFaults(0, { garbageBytes: n });
        const dropped = driver.health().bytesDropped!;
        const timeouts = driver.health().timeouts;
        const s = await driver.readBoard(0);
        expect(s.online).toBe(true);
        // A CU12 has no item sensors: unknown, never "empty" (ADR 0022).
        expect(driver.compartment('A09').item).toBe(F.itemSensors ? true : null);
        expect(driver.health().timeouts).toBe(timeouts);
        expect(driver.health().bytesDropped!).toBeGreaterThanOrEqual(dropped + n);
      }
      expect(rec.of('board-offline')).toEqual([]);
    });
  });

  describe('slow replies', () => {
    it('a reply within the timeout is taken as is', async () => {
      sim.setFaults(0, { delayMs: timeoutMs / 2 });
      const timeouts = driver.health().timeouts;
      await driver.readBoard(0);
      expect(driver.health().timeouts).toBe(timeouts);
    });

    it('a reply later than the timeout costs a timeout and a retry, and the read still succeeds', async () => {
      sim.setFaults(0, { delayMs: timeoutMs * 1.5 });
      const h0 = driver.health();
      const s = await driver.readBoard(0);
      expect(s.online).toBe(true);
      const h1 = driver.health();
      expect(h1.timeouts).toBeGreaterThan(h0.timeouts);
      expect(h1.retries).toBeGreaterThan(h0.retries);
    });

    it('a reply later than every retry means offline', async () => {
      sim.setFaults(0, { delayMs: timeoutMs * (FAST.retries! + 2) });
      const err = await driver.readBoard(0).catch((e: unknown) => e);
      expect((err as HardwareError).code).toBe('HARDWARE_OFFLINE');
      expect(rec.of('board-offline').some((e) => 'board' in e && e.board === 0)).toBe(true);
    });
  });
});

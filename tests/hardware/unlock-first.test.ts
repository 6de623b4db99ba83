import type { SerialPort } from 'serialport';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CU12_CMD } from '../../src-main/hardware/cu12/frame';
import type { HardwareError } from '../../src-main/hardware/errors';
import { CMD } from '../../src-main/hardware/kerong/frame';
import type { BoardSimulator } from '../../src-main/hardware/sim/board-sim';
import { FAMILIES, type FamilyUnderTest } from './families';
import { FAST, PtyPair, closePort, openPort, recorder, waitFor } from './helpers';

/**
 * The order asserted here needs the read's try still on the wire when the simulator parses it and the test queues the
 * unlock: with FAST's 80 ms, one stall of a busy machine let the timer fire first (red team). Nothing here waits for a
 * timeout on purpose except a silent board's, so a long one costs a few seconds and removes the race.
 */
const TIMING = { ...FAST, commandTimeoutMs: 1000 };

/**
 * Issue 14, "the unlock goes first": a read of a silent board is up to 1 + retries timeouts long (3 × 200 ms in the
 * field). An unlock asked for while that read is on its first try must reach the board after that one exchange, not
 * after the read's remaining retries. Asserted on the order of frames the simulator parsed, never on time; the real
 * driver of each family on a socat pty through the real serialport binding.
 */
describe.each(FAMILIES)('$family', (F: FamilyUnderTest) => {
  const layout = F.layout;
  const unlockCmd: number = F.family === 'cu16' ? CMD.unlock : CU12_CMD.unlock;
  let pty: PtyPair;
  let boardPort: SerialPort;
  let sim: BoardSimulator;
  /** Every command frame the board side parsed, as "unlock@<board>" / "read@<board>". */
  let frames: string[];

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
    frames = [];
    sim.observe((f) => {
      if (f.kind === 'command') frames.push(`${f.cmd === unlockCmd ? 'unlock' : 'read'}@${f.board}`);
    });
  });
  afterEach(async () => {
    sim.detach();
    await closePort(boardPort);
  });

  /**
   * Calls `unlock` from the simulator's observer at the first read of board 1 parsed after `armed()` says so: the read
   * job's first try is then on the wire with its whole timeout ahead, whatever the machine's load.
   */
  function unlockAtFirstSilentRead(unlock: () => Promise<void>, armed: () => boolean): { index: () => number; done: Promise<void> } {
    let at = -1;
    let resolve!: (p: Promise<void>) => void;
    const started = new Promise<Promise<void>>((r) => (resolve = r));
    const off = sim.observe((f) => {
      if (at >= 0 || f.kind !== 'command' || f.cmd === unlockCmd || f.board !== 1 || !armed()) return;
      at = frames.length; // this observer runs after the recorder: the read is already at frames[at - 1]
      off();
      resolve(unlock());
    });
    return { index: () => at, done: started.then((p) => p) };
  }

  it('an unlock asked for during a background poll of a silent board reaches the board before the poll\'s retries', async () => {
    const driver = F.driverOn(pty, layout, { timing: TIMING });
    const rec = recorder(driver);
    try {
      await waitFor(() => driver.boards().every((b) => b.online), 2000, 'both boards online');
      // Silent from now on: the next read of board 1 the board parses is the first try of a poll that will time out.
      sim.setFaults(1, { silent: true });
      const trigger = unlockAtFirstSilentRead(() => driver.unlock('A01'), () => true);
      await trigger.done;
      await waitFor(() => rec.of('board-offline').length === 1, 20_000, 'board 1 offline after its retries');
      const at = trigger.index();
      // The read on the wire, then the unlock, then the poll's remaining tries (one per retry).
      expect(frames.slice(at - 1, at + 1 + FAST.retries!)).toEqual(['read@1', 'unlock@0', ...Array(FAST.retries!).fill('read@1')]);
      // The unlock still did its job: board 0's door reads open.
      await waitFor(() => driver.compartment('A01').door === 'open', 2000, 'A01 reads open');
    } finally {
      await driver.close();
    }
  });

  it('an unlock asked for during an explicit read of a silent board goes between the read\'s tries; the read still fails as offline', async () => {
    const driver = F.driverOn(pty, layout, { poll: false, timing: TIMING });
    try {
      await driver.waitForPort();
      await driver.readBoard(1); // online, so the read below gets its retries
      sim.setFaults(1, { silent: true });
      let reading = false;
      const trigger = unlockAtFirstSilentRead(() => driver.unlock('A02'), () => reading);
      reading = true;
      const read = driver.readBoard(1).catch((e: unknown) => e as HardwareError);
      await trigger.done;
      const err = await read;
      expect(err).toMatchObject({ code: 'HARDWARE_OFFLINE' });
      expect(frames.slice(-(2 + FAST.retries!))).toEqual(['read@1', 'unlock@0', ...Array(FAST.retries!).fill('read@1')]);
      expect(driver.health().retries).toBe(FAST.retries);
    } finally {
      await driver.close();
    }
  });

  it('an unlock overtakes explicit reads already waiting, not only the polls (red team 14: it joined the back of their lane)', async () => {
    const driver = F.driverOn(pty, layout, { poll: false, timing: TIMING });
    try {
      await driver.waitForPort();
      await driver.readBoard(1); // online, so the read below gets its retries
      sim.setFaults(1, { silent: true });
      let reading = false;
      let other: Promise<unknown> = Promise.resolve();
      // While the silent read's first try is on the wire: an explicit read of board 0 queues, then the unlock.
      const trigger = unlockAtFirstSilentRead(() => {
        other = driver.readBoard(0);
        return driver.unlock('A02');
      }, () => reading);
      reading = true;
      const read = driver.readBoard(1).catch((e: unknown) => e as HardwareError);
      await trigger.done;
      await other;
      expect(await read).toMatchObject({ code: 'HARDWARE_OFFLINE' });
      const at = trigger.index();
      expect(frames.slice(at - 1, at + 2)).toEqual(['read@1', 'unlock@0', 'read@0']);
    } finally {
      await driver.close();
    }
  });
});

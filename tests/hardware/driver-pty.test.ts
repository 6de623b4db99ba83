import type { SerialPort } from 'serialport';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HardwareError } from '../../src-main/hardware/errors';
import type { KerongDriver } from '../../src-main/hardware/kerong/driver';
import { BoardSimulator } from '../../src-main/hardware/sim/board-sim';
import { PtyPair, bytes, closePort, demoLayout, driverOn, openPort, recorder, sleep, waitFor } from './helpers';

/** The driver and the simulator on the two ends of a real socat pty pair, through the real serialport binding. */
const layout = demoLayout();
let pty: PtyPair;
let boardPort: SerialPort | null = null;
let driver: KerongDriver | null = null;

beforeAll(async () => {
  pty = await new PtyPair().start();
});
afterAll(async () => {
  await pty.dispose();
});
afterEach(async () => {
  await driver?.close();
  driver = null;
  await closePort(boardPort);
  boardPort = null;
});

/** Opens the board end, attaches a simulator and records every byte that reaches it. */
async function boardEnd(opts: { lockBitMeansClosed?: boolean } = {}) {
  boardPort = await openPort(pty.board);
  const sim = new BoardSimulator({ layout, ...opts });
  sim.attach(boardPort);
  const wire: Buffer[] = [];
  boardPort.on('data', (b: Buffer) => wire.push(b));
  return { sim, wire: () => Buffer.concat(wire) };
}

describe('Kerong driver on a pty: bytes on the wire', () => {
  it('unlock puts exactly the documented frame on the wire, and nothing else', async () => {
    const { sim, wire } = await boardEnd();
    driver = driverOn(pty, layout, { poll: false });
    await driver.waitForPort();
    await driver.unlock('A01'); // board 0 lock 0
    await driver.unlock('A16'); // board 0 lock 15
    await driver.unlock('A17'); // board 1 lock 0
    await waitFor(() => wire().length >= 15, 2000, 'three frames at the board end');
    await sleep(30); // anything extra would have arrived by now
    expect(wire()).toEqual(bytes('02 00 31 03 36' + '02 0F 31 03 45' + '02 10 31 03 46'));
    expect(driver.health().framesSent).toBe(3);
    expect(sim.door('A01').open && sim.door('A16').open && sim.door('A17').open).toBe(true);
    expect(sim.door('A02').open).toBe(false);
  });

  it('readBoard sends the state request and decodes the reply', async () => {
    const { sim, wire } = await boardEnd();
    sim.openDoor('A18');
    sim.putItem('A20');
    driver = driverOn(pty, layout, { poll: false });
    await driver.waitForPort();
    const state = await driver.readBoard(1);
    expect(wire()).toEqual(bytes('02 10 30 03 45'));
    expect(state.online).toBe(true);
    // A18 = board 1 lock 1 open → bit 1 clear; A20 = lock 3 has an item.
    expect(state.raw).toEqual({ locks: [0xfd, 0xff], ir: [0x08, 0x00] });
    expect(driver.compartment('A18')).toEqual({ compartmentId: 'A18', door: 'open', item: false });
    expect(driver.compartment('A20')).toEqual({ compartmentId: 'A20', door: 'closed', item: true });
    expect(driver.compartment('A01').door).toBeNull(); // board 0 never read
  });

  it('an unknown compartment is refused by name and nothing is written', async () => {
    const { wire } = await boardEnd();
    driver = driverOn(pty, layout, { poll: false });
    await driver.waitForPort();
    const err = await driver.unlock('Z99').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HardwareError);
    expect((err as HardwareError).code).toBe('UNKNOWN_COMPARTMENT');
    await sleep(30);
    expect(wire().length).toBe(0);
    expect(driver.health().framesSent).toBe(0);
  });
});

describe('state replies: the worked example, both polarities', () => {
  const WORKED = bytes('02 00 35 FE FD 04 00 03 39');

  /** A bare responder that answers every state request for board 0 with the worked example's exact bytes. */
  async function workedExampleBoard() {
    boardPort = await openPort(pty.board);
    const port = boardPort;
    port.on('data', (b: Buffer) => {
      if (b.includes(bytes('02 00 30 03 35'))) port.write(WORKED);
    });
  }

  it('lockBitMeansClosed = true: A01 and A10 open, item in A03', async () => {
    await workedExampleBoard();
    driver = driverOn(pty, layout, { poll: false, lockBitMeansClosed: true });
    await driver.waitForPort();
    const s = await driver.readBoard(0);
    expect(s.raw).toEqual({ locks: [0xfe, 0xfd], ir: [0x04, 0x00] });
    const open = layout.compartments.filter((c) => c.board === 0 && driver!.compartment(c.id).door === 'open').map((c) => c.id);
    expect(open).toEqual(['A01', 'A10']);
    expect(driver.compartment('A03').item).toBe(true);
    expect(driver.compartment('A04').item).toBe(false);
  });

  it('lockBitMeansClosed = false: the same bytes mean A01 and A10 are the only closed doors', async () => {
    await workedExampleBoard();
    driver = driverOn(pty, layout, { poll: false, lockBitMeansClosed: false });
    await driver.waitForPort();
    await driver.readBoard(0);
    const closed = layout.compartments.filter((c) => c.board === 0 && driver!.compartment(c.id).door === 'closed').map((c) => c.id);
    expect(closed).toEqual(['A01', 'A10']);
  });

  it('itemSensors = false: item presence is unknown, not "empty"', async () => {
    await workedExampleBoard();
    driver = driverOn(pty, layout, { poll: false, itemSensors: false });
    await driver.waitForPort();
    await driver.readBoard(0);
    expect(driver.compartment('A03').item).toBeNull();
  });
});

describe('door events from polling', () => {
  it('unlock → opened; person closes → closed; item in and out', async () => {
    const { sim } = await boardEnd();
    driver = driverOn(pty, layout);
    const rec = recorder(driver);
    await waitFor(() => driver!.boards().every((b) => b.online), 2000, 'both boards read');
    await driver.unlock('A05');
    await waitFor(() => rec.of('opened', 'A05').length === 1, 2000, 'opened');
    expect(driver.compartment('A05').door).toBe('open');
    sim.putItem('A05');
    await waitFor(() => rec.of('item-present', 'A05').length === 1, 2000, 'item-present');
    sim.closeDoor('A05');
    await waitFor(() => rec.of('closed', 'A05').length === 1, 2000, 'closed');
    sim.removeItem('A05');
    await waitFor(() => rec.of('item-absent', 'A05').length === 1, 2000, 'item-absent');
    // An unlocked door that opened is neither forced nor jammed.
    await sleep(450);
    expect(rec.of('forced-open')).toEqual([]);
    expect(rec.of('jammed')).toEqual([]);
  });

  it('polls fast while attentive and slowly at rest', async () => {
    const { sim } = await boardEnd();
    driver = driverOn(pty, layout, { timing: { fastPollMs: 10, slowPollMs: 500 } });
    await waitFor(() => driver!.boards().every((b) => b.online), 2000, 'both boards read');
    const before = sim.received.state;
    await sleep(1000);
    const atRest = sim.received.state - before;
    driver.setAttentive(true);
    const start = sim.received.state;
    await sleep(1000);
    const attentive = sim.received.state - start;
    // Wide margins: CI shares two cores with other test files. At rest: ~2 cycles × 2 boards; attentive: up to ~100.
    expect(atRest).toBeLessThanOrEqual(8);
    expect(attentive).toBeGreaterThanOrEqual(24);
  });
});

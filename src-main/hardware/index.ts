import type { Layout } from '../../src-shared/layout';
import { ConfigError } from '../config-error';
import type { Logger } from '../log';
import { Cu12Driver } from './cu12/driver';
import { Cu12Simulator } from './cu12/sim';
import type { DoorController } from './door-controller';
import { FAMILY_TRAITS, type BoardFamily } from './family';
import { KerongDriver, type TimingOverrides } from './kerong/driver';
import { BoardSimulator } from './sim/board-sim';
import { simulatorTransport } from './sim/in-process';
import { restoreSimulatedBank } from './sim/persisted-bank';
import { serialTransport } from './transport';

export type { BoardState, CompartmentState, DoorController, DoorEvent, DoorHealth } from './door-controller';
export { HardwareError, type HardwareErrorCode } from './errors';
export { KerongDriver, DEFAULT_TIMING, type KerongTiming, type TimingOverrides } from './kerong/driver';
export { BoardSimulator, type BoardSimulatorHandle, type BoardFaults, type SimLock } from './sim/board-sim';
export { loadLayout, parseLayout, bundledLayouts } from './layouts';
export { BOARD_FAMILIES, FAMILY_TRAITS, assertLayoutFits, type BoardFamily } from './family';

export interface DoorControllerOptions {
  /** Which bytes go on the line (default cu16). */
  family?: BoardFamily;
  /** Where the line goes: 'simulator' (in-process) or a serial device path. Default: from `protocol`. */
  transport?: string;
  /** The old spelling, kept for callers that predate `family`: `simulator`, or a cu16 on `serialPath`. */
  protocol?: 'kerong-cu16' | 'simulator';
  /** The in-process simulator's physical state across restarts (see sim/persisted-bank.ts); unset in tests. */
  simulatedBankFile?: string;
  /** The device for `protocol: 'kerong-cu16'`, e.g. /dev/ttyUSB0 (with `transport`, give the path there). */
  serialPath?: string;
  baud?: number;
  layout: Layout;
  lockBitMeansClosed?: boolean;
  itemSensors?: boolean;
  timing?: TimingOverrides;
  /** How long to wait for the port to open before returning (default 2000 ms). Never throws for a missing port. */
  startupWaitMs?: number;
  log?: Logger;
}

export interface DoorHardware {
  doors: DoorController;
  /** The in-process simulator (protocol `simulator`), for the demo's "close the door" buttons; null on real boards. */
  simulator: BoardSimulator | null;
}

/**
 * Builds the doors for the kiosk core: the family's driver (CU16 or CU12, ADR 0022) on the chosen transport. With
 * `simulator` the driver's serial line is an in-process pair to that family's simulator, so the demo exercises the
 * same queue, parser and timers as the field. Resolves once the port is open and every board has been read once (or
 * the wait has run out: a kiosk whose USB adapter is missing still starts, reports HARDWARE_OFFLINE, and picks the
 * port up when it appears). Throws ConfigError for a missing serial path, an unknown family or a layout using locks
 * the family does not have.
 */
export async function createDoorController(opts: DoorControllerOptions): Promise<DoorHardware> {
  const family = opts.family ?? 'cu16';
  if (!FAMILY_TRAITS[family]) throw new ConfigError(`unknown board family ${String(family as unknown)}`);
  const where = opts.transport ?? (opts.protocol === 'kerong-cu16' ? opts.serialPath : opts.protocol === undefined || opts.protocol === 'simulator' ? 'simulator' : null);
  if (opts.protocol !== undefined && opts.protocol !== 'simulator' && opts.protocol !== 'kerong-cu16') throw new ConfigError(`unknown serial protocol ${String(opts.protocol as unknown)}`);
  if (!where) throw new ConfigError('serial.path is required when serial.protocol is kerong-cu16');
  // A CU12 has no IR inputs: whatever the setting says, item presence is unknown there.
  const polarity = { lockBitMeansClosed: opts.lockBitMeansClosed ?? true, itemSensors: FAMILY_TRAITS[family].itemSensors && (opts.itemSensors ?? true) };
  let simulator: BoardSimulator | null = null;
  let transport;
  if (where === 'simulator') {
    simulator = family === 'cu12' ? new Cu12Simulator({ layout: opts.layout, ...polarity }) : new BoardSimulator({ layout: opts.layout, ...polarity });
    if (opts.simulatedBankFile) restoreSimulatedBank(simulator, opts.simulatedBankFile, opts.layout.compartments.map((c) => c.id));
    transport = simulatorTransport(simulator);
  } else {
    transport = serialTransport({ path: where, baudRate: opts.baud ?? 19200 });
  }
  const common = { transport, layout: opts.layout, lockBitMeansClosed: polarity.lockBitMeansClosed, timing: opts.timing ?? {}, ...(opts.log ? { log: opts.log } : {}) };
  const driver = family === 'cu12' ? new Cu12Driver(common) : new KerongDriver({ ...common, itemSensors: polarity.itemSensors });
  try {
    await driver.waitForPort(opts.startupWaitMs ?? 2000);
    const boards = [...new Set(opts.layout.compartments.map((c) => c.board))];
    await Promise.allSettled(boards.map((b) => driver.readBoard(b)));
  } catch {
    // Port not there yet: the driver keeps trying with backoff and emits port-up when it succeeds.
  }
  return { doors: driver, simulator };
}

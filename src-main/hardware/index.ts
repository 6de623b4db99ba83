import type { Layout } from '../../src-shared/layout';
import { ConfigError } from '../config-error';
import type { Logger } from '../log';
import type { DoorController } from './door-controller';
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

export interface DoorControllerOptions {
  protocol: 'kerong-cu16' | 'simulator';
  /** The in-process simulator's physical state across restarts (see sim/persisted-bank.ts); unset in tests. */
  simulatedBankFile?: string;
  /** Required for kerong-cu16, e.g. /dev/ttyUSB0. Ignored for the simulator. */
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
 * Builds the doors for the kiosk core. Both protocols run the real KerongDriver: for `simulator` its serial line is
 * an in-process pair to a BoardSimulator, so the demo exercises the same queue, parser and timers as the field.
 * Resolves once the port is open and every board has been read once (or the wait has run out: a kiosk whose USB
 * adapter is missing still starts, reports HARDWARE_OFFLINE, and picks the port up when it appears).
 */
export async function createDoorController(opts: DoorControllerOptions): Promise<DoorHardware> {
  const polarity = { lockBitMeansClosed: opts.lockBitMeansClosed ?? true, itemSensors: opts.itemSensors ?? true };
  let simulator: BoardSimulator | null = null;
  let transport;
  switch (opts.protocol) {
    case 'simulator':
      simulator = new BoardSimulator({ layout: opts.layout, ...polarity });
      if (opts.simulatedBankFile) restoreSimulatedBank(simulator, opts.simulatedBankFile, opts.layout.compartments.map((c) => c.id));
      transport = simulatorTransport(simulator);
      break;
    case 'kerong-cu16':
      if (!opts.serialPath) throw new ConfigError('serial.path is required when serial.protocol is kerong-cu16');
      transport = serialTransport({ path: opts.serialPath, baudRate: opts.baud ?? 19200 });
      break;
    default:
      throw new ConfigError(`unknown serial protocol ${String(opts.protocol as unknown)}`);
  }
  const driver = new KerongDriver({ transport, layout: opts.layout, ...polarity, timing: opts.timing ?? {}, ...(opts.log ? { log: opts.log } : {}) });
  try {
    await driver.waitForPort(opts.startupWaitMs ?? 2000);
    const boards = [...new Set(opts.layout.compartments.map((c) => c.board))];
    await Promise.allSettled(boards.map((b) => driver.readBoard(b)));
  } catch {
    // Port not there yet: the driver keeps trying with backoff and emits port-up when it succeeds.
  }
  return { doors: driver, simulator };
}

import fc from 'fast-check';
import type { Layout } from '../../src-shared/layout';
import { Cu12Driver } from '../../src-main/hardware/cu12/driver';
import { ALL_LOCKS, CU12_CMD, Cu12Parser, HEADER_LENGTH, encodeAck, encodeFrame, encodeStatusReply } from '../../src-main/hardware/cu12/frame';
import { Cu12Simulator } from '../../src-main/hardware/cu12/sim';
import type { DoorController } from '../../src-main/hardware/door-controller';
import type { BoardFamily } from '../../src-main/hardware/family';
import { KerongDriver, type TimingOverrides } from '../../src-main/hardware/kerong/driver';
import { FrameParser, encodeCommand, encodeStateReply, type CommandCode } from '../../src-main/hardware/kerong/frame';
import { loadLayout } from '../../src-main/hardware/layouts';
import { BoardSimulator } from '../../src-main/hardware/sim/board-sim';
import { serialTransport } from '../../src-main/hardware/transport';
import { FAST, quietLog, type PtyPair } from './helpers';

/** What the shared hardware suites (faults, reconnect, parser properties) need from a board family. */
export interface FamilyUnderTest {
  family: BoardFamily;
  /** A bundled layout the family's boards can drive; the suites' compartment ids (A01-A24, A17-A20 on board 1) hold in both. */
  layout: Layout;
  /** false: item presence must read null (unknown), never false, whatever is put in. */
  itemSensors: boolean;
  sim(layout: Layout): BoardSimulator;
  /** The family's real driver on the kiosk end of a socat pty, through the real serialport binding. */
  driverOn(pty: PtyPair, layout: Layout, extra?: DriverExtra): DoorController & { waitForPort(ms?: number): Promise<void> };
  parser: ParserUnderTest;
}

export interface DriverExtra {
  timing?: TimingOverrides;
  poll?: boolean;
  lockBitMeansClosed?: boolean;
}

export interface ParserUnderTest {
  make(): { push(chunk: Uint8Array): Array<{ bytes: Buffer }>; readonly pending: number; readonly counters: { droppedBytes: number } };
  /** Any frame the family defines (commands and replies), as bytes. */
  validFrame: fc.Arbitrary<Buffer>;
  /** Index of the ETX byte: a truncated frame is cut before it. */
  etxIndex: number;
  /** Index of the SUM byte, the one a corrupted frame has wrong. */
  sumIndex: (frame: Buffer) => number;
  /** Whether these bytes pass every check of the family's framing (for frames the parser returned). */
  selfCheck(bytes: Buffer): boolean;
  /** The longest frame a candidate can claim (how much noise must follow a truncated one). */
  maxLength: number;
}

const lowSum = (b: Uint8Array) => b.reduce((s, x) => s + x, 0) & 0xff;
const boardArb = fc.integer({ min: 0, max: 15 });
const byteArb = fc.integer({ min: 0, max: 255 });

const cu16: FamilyUnderTest = {
  family: 'cu16',
  layout: loadLayout('demo-24'),
  itemSensors: true,
  sim: (layout) => new BoardSimulator({ layout }),
  driverOn: (pty, layout, extra = {}) =>
    new KerongDriver({ transport: serialTransport({ path: pty.kiosk, baudRate: 19200 }), layout, timing: FAST, log: quietLog, ...extra }),
  parser: {
    make: () => new FrameParser(),
    validFrame: fc.oneof(
      fc
        .tuple(fc.constantFrom<CommandCode>(0x30, 0x31, 0x32, 0x33), boardArb, fc.integer({ min: 0, max: 15 }))
        .map(([cmd, board, lock]) => encodeCommand(cmd, board, lock)),
      fc.tuple(boardArb, byteArb, byteArb, byteArb, byteArb).map(([board, a, b, c, d]) => encodeStateReply(board, { locks: [a, b], ir: [c, d] })),
    ),
    etxIndex: 3,
    sumIndex: (f) => f.length - 1,
    selfCheck: (b) => b[0] === 0x02 && b[b.length - 2] === 0x03 && [5, 9].includes(b.length) && b[b.length - 1] === lowSum(b.subarray(0, b.length - 1)),
    maxLength: 9,
  },
};

const cu12: FamilyUnderTest = {
  family: 'cu12',
  layout: loadLayout('cu12-24'),
  itemSensors: false,
  sim: (layout) => new Cu12Simulator({ layout }),
  driverOn: (pty, layout, extra = {}) =>
    new Cu12Driver({ transport: serialTransport({ path: pty.kiosk, baudRate: 19200 }), layout, timing: FAST, log: quietLog, ...extra }),
  parser: {
    make: () => new Cu12Parser(),
    validFrame: fc.oneof(
      // Commands as the kiosk sends them, any command byte of the family.
      fc
        .tuple(boardArb, fc.integer({ min: 0, max: ALL_LOCKS }), fc.constantFrom(0x80, 0x81, 0x82, 0x83, 0x8f))
        .map(([board, lock, cmd]) => encodeFrame({ board, lock, cmd })),
      // Acknowledgements with every ASK a board may send.
      fc
        .tuple(boardArb, fc.integer({ min: 0, max: ALL_LOCKS }), fc.constantFrom(0x10, 0x11, 0x12, 0x13, 0x14))
        .map(([board, lock, ask]) => encodeAck(board, lock, CU12_CMD.unlock, ask)),
      fc.tuple(boardArb, byteArb, byteArb).map(([board, a, b]) => encodeStatusReply(board, [a, b])),
      // Replies with a longer data tail (version, or a firmware that says more).
      fc
        .tuple(boardArb, fc.uint8Array({ minLength: 0, maxLength: 12 }))
        .map(([board, data]) => encodeFrame({ board, cmd: CU12_CMD.version, ask: 0x10, data: [...data] })),
    ),
    etxIndex: 6,
    sumIndex: () => 7,
    selfCheck: (b) =>
      b[0] === 0x02 && b[6] === 0x03 && b.length === HEADER_LENGTH + b[5]! && b[7] === ((lowSum(b.subarray(0, 7)) + lowSum(b.subarray(HEADER_LENGTH))) & 0xff),
    maxLength: HEADER_LENGTH + 40,
  },
};

/** Every family the kiosk drives: the shared suites run once per entry (`describe.each(FAMILIES)`). */
export const FAMILIES: FamilyUnderTest[] = [cu16, cu12];

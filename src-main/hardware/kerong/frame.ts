/**
 * Kerong CU16 framing: encoding of commands, the 9-byte state reply, and an incremental parser that survives noise.
 * See ../shared/docs/protocols/kerong-cu16.md. Pure functions and one small class: no I/O, no timers, so the
 * same code serves the driver (which parses replies) and the simulator (which parses commands).
 */

export const STX = 0x02;
export const ETX = 0x03;

export const CMD = {
  state: 0x30,
  unlock: 0x31,
  queryAll: 0x32,
  unlockAll: 0x33,
  /** Command byte of a state reply. */
  stateReply: 0x35,
} as const;
export type CommandCode = (typeof CMD)[Exclude<keyof typeof CMD, 'stateReply'>];

export const COMMAND_FRAME_LENGTH = 5;
export const STATE_FRAME_LENGTH = 9;

/** Low byte of the sum of every byte given (the SUM of a frame is taken over STX through ETX). */
export function checksum(bytes: ArrayLike<number>, end = bytes.length): number {
  let sum = 0;
  for (let i = 0; i < end; i++) sum += bytes[i]!;
  return sum & 0xff;
}

function address(board: number, lock: number): number {
  if (!Number.isInteger(board) || board < 0 || board > 15) throw new RangeError(`board ${board} is not 0-15`);
  if (!Number.isInteger(lock) || lock < 0 || lock > 15) throw new RangeError(`lock ${lock} is not 0-15`);
  return (board << 4) | lock;
}

/** A 5-byte command frame. Whole-board commands (state, query-all, unlock-all) use lock 0. */
export function encodeCommand(cmd: CommandCode, board: number, lock = 0): Buffer {
  const f = Buffer.from([STX, address(board, lock), cmd, ETX, 0]);
  f[4] = checksum(f, 4);
  return f;
}

export const encodeUnlock = (board: number, lock: number): Buffer => encodeCommand(CMD.unlock, board, lock);
export const encodeStateRequest = (board: number): Buffer => encodeCommand(CMD.state, board, 0);
export const encodeQueryAll = (): Buffer => encodeCommand(CMD.queryAll, 0, 0);
export const encodeUnlockAll = (board: number): Buffer => encodeCommand(CMD.unlockAll, board, 0);

/** Raw bytes of a state reply, before any polarity is applied. */
export interface RawBoardBits {
  locks: [number, number];
  ir: [number, number];
}

/** The 9-byte reply a board sends to 0x30 / 0x32 (used by the simulator, and by tests to build expectations). */
export function encodeStateReply(board: number, bits: RawBoardBits): Buffer {
  const f = Buffer.from([STX, address(board, 0), CMD.stateReply, bits.locks[0] & 0xff, bits.locks[1] & 0xff, bits.ir[0] & 0xff, bits.ir[1] & 0xff, ETX, 0]);
  f[8] = checksum(f, 8);
  return f;
}

export type Frame =
  | { kind: 'command'; cmd: number; board: number; lock: number; bytes: Buffer }
  | { kind: 'state'; board: number; bits: RawBoardBits; bytes: Buffer };

/** Expected length of a frame from its command byte; null if the byte is no command we know (so this is no frame). */
function frameLength(cmd: number): number | null {
  if (cmd === CMD.stateReply) return STATE_FRAME_LENGTH;
  if (cmd === CMD.state || cmd === CMD.unlock || cmd === CMD.queryAll || cmd === CMD.unlockAll) return COMMAND_FRAME_LENGTH;
  return null;
}

export interface ParserCounters {
  /** Bytes discarded: noise before an STX, and the bytes of frames that failed their checks. */
  droppedBytes: number;
  /** Candidate frames (STX + known command + full length) rejected for a wrong ETX or SUM. */
  badFrames: number;
  frames: number;
}

/**
 * Incremental parser. Bytes arrive in arbitrary chunks (a pty delivers whatever the kernel has); a frame may be split
 * across chunks, preceded by noise, or corrupted. On any failed check we drop only the leading STX and rescan from the
 * next byte, so a good frame that starts inside a bad one is still found. A candidate that is still incomplete is
 * kept until more bytes arrive; the driver never needs a timeout inside the parser because a later, complete frame
 * makes the stale prefix fail its ETX/SUM check and be dropped.
 */
export class FrameParser {
  private buf: Buffer = Buffer.alloc(0);
  readonly counters: ParserCounters = { droppedBytes: 0, badFrames: 0, frames: 0 };

  push(chunk: Uint8Array): Frame[] {
    this.buf = this.buf.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.buf, chunk]);
    const out: Frame[] = [];
    let i = 0;
    const buf = this.buf;
    while (i < buf.length) {
      if (buf[i] !== STX) {
        this.counters.droppedBytes++;
        i++;
        continue;
      }
      if (i + 3 > buf.length) break; // need the command byte to know the length
      const len = frameLength(buf[i + 2]!);
      if (len === null) {
        this.counters.droppedBytes++;
        i++;
        continue;
      }
      if (i + len > buf.length) break; // partial: wait for more
      const sumOk = buf[i + len - 1] === checksum(buf.subarray(i, i + len - 1));
      if (buf[i + len - 2] !== ETX || !sumOk) {
        this.counters.badFrames++;
        this.counters.droppedBytes++;
        i++;
        continue;
      }
      out.push(toFrame(Buffer.from(buf.subarray(i, i + len))));
      this.counters.frames++;
      i += len;
    }
    this.buf = Buffer.from(buf.subarray(i));
    return out;
  }

  /** Bytes held back as a possible partial frame. */
  get pending(): number {
    return this.buf.length;
  }

  reset(): void {
    this.counters.droppedBytes += this.buf.length;
    this.buf = Buffer.alloc(0);
  }
}

function toFrame(bytes: Buffer): Frame {
  const addr = bytes[1]!;
  const board = addr >> 4;
  if (bytes[2] === CMD.stateReply) {
    return { kind: 'state', board, bits: { locks: [bytes[3]!, bytes[4]!], ir: [bytes[5]!, bytes[6]!] }, bytes };
  }
  return { kind: 'command', cmd: bytes[2]!, board, lock: addr & 0x0f, bytes };
}

export interface PolarityOptions {
  /** true: a set lock bit means the door is closed (the default; two of three drivers agree). */
  lockBitMeansClosed: boolean;
  /** false: the installation has no IR sensors, so item presence is unknown (null), whatever the bits say. */
  itemSensors: boolean;
}

export interface LockReading {
  lock: number;
  door: 'open' | 'closed';
  item: boolean | null;
}

/** The 16 locks of a state reply, lock 0 first, with the installation's polarity applied. */
export function decodeLocks(bits: RawBoardBits, opts: PolarityOptions): LockReading[] {
  const out: LockReading[] = [];
  for (let lock = 0; lock < 16; lock++) {
    const byte = lock < 8 ? 0 : 1;
    const mask = 1 << (lock % 8);
    const set = (bits.locks[byte] & mask) !== 0;
    const closed = opts.lockBitMeansClosed ? set : !set;
    out.push({ lock, door: closed ? 'closed' : 'open', item: opts.itemSensors ? (bits.ir[byte] & mask) !== 0 : null });
  }
  return out;
}

/** Inverse of decodeLocks, for the simulator: door and item per lock → raw bits. */
export function encodeLocks(doors: ReadonlyArray<{ open: boolean; item: boolean }>, opts: PolarityOptions): RawBoardBits {
  const bits: RawBoardBits = { locks: [0, 0], ir: [0, 0] };
  doors.forEach((d, lock) => {
    if (lock > 15) return;
    const byte = lock < 8 ? 0 : 1;
    const mask = 1 << (lock % 8);
    const setLock = opts.lockBitMeansClosed ? !d.open : d.open;
    if (setLock) bits.locks[byte] |= mask;
    if (opts.itemSensors && d.item) bits.ir[byte] |= mask;
  });
  return bits;
}

export const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex').replace(/(..)(?=.)/g, '$1 ').toUpperCase();

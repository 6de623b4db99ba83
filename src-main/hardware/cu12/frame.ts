/**
 * Kerong CU12 framing: commands, replies (which carry an ASK code and a variable data tail) and an incremental
 * parser that survives noise. See ../shared/docs/protocols/second-boards.md and ADR 0022. Pure functions and one
 * small class, no I/O: the driver parses replies with it, the simulator parses commands with it.
 *
 * Frame: `STX ADDR LOCK CMD ASK DLEN ETX SUM [DATA × DLEN]`. SUM is the low byte of the sum of STX…ETX and the
 * data bytes (the data follow the SUM on the wire but are summed: checked against the public driver's bytes).
 */
import { ETX, STX, checksum, type RawBoardBits } from '../kerong/frame';

export { ETX, STX };

export const CU12_CMD = {
  status: 0x80,
  unlock: 0x81,
  /** Unlock pulse time, in units of 10 ms. Not used by the kiosk (the board's default pulse is kept). */
  pulseTime: 0x82,
  baud: 0x83,
  version: 0x8f,
} as const;

/** The ASK byte: 0x00 in a command, one of the others in a board's reply. */
export const ASK = {
  request: 0x00,
  ok: 0x10,
  failed: 0x11,
  timeout: 0x12,
  unknownCommand: 0x13,
  badChecksum: 0x14,
} as const;

/** Locks per board (0-11). Lock number 12 (0x0C) in an unlock means "every lock of the board". */
export const CU12_LOCKS = 12;
export const ALL_LOCKS = 0x0c;
/** STX … SUM; the data follow. */
export const HEADER_LENGTH = 8;
/** The public driver caps a packet at 48 bytes, so at most 40 data bytes; a longer DLEN is noise, not a frame. */
export const MAX_DATA = 40;
/** Board addresses the kiosk drives (the layout's 0-15; the board's DIP switches allow 0x00-0x10). */
const MAX_BOARD = 15;

export interface Cu12Frame {
  /** A command (ASK 0x00: ours, echoed by an adapter, or for the simulator) or a board's reply (ASK 0x10-0x14). */
  kind: 'command' | 'reply';
  board: number;
  lock: number;
  cmd: number;
  ask: number;
  data: Buffer;
  bytes: Buffer;
}

export interface EncodeOptions {
  board: number;
  lock?: number;
  cmd: number;
  ask?: number;
  data?: ArrayLike<number>;
}

/** Any CU12 frame. Throws RangeError for an address outside 0-15 or a lock outside 0-12. */
export function encodeFrame(o: EncodeOptions): Buffer {
  const lock = o.lock ?? 0;
  if (!Number.isInteger(o.board) || o.board < 0 || o.board > MAX_BOARD) throw new RangeError(`board ${o.board} is not 0-${MAX_BOARD}`);
  if (!Number.isInteger(lock) || lock < 0 || lock > ALL_LOCKS) throw new RangeError(`lock ${lock} is not 0-${ALL_LOCKS}`);
  const data = Buffer.from(Array.from(o.data ?? []));
  if (data.length > MAX_DATA) throw new RangeError(`${data.length} data bytes: at most ${MAX_DATA}`);
  const head = Buffer.from([STX, o.board, lock, o.cmd & 0xff, o.ask ?? ASK.request, data.length, ETX, 0]);
  head[7] = (checksum(head, 7) + checksum(data)) & 0xff;
  return Buffer.concat([head, data]);
}

export const encodeUnlock = (board: number, lock: number): Buffer => {
  if (lock >= CU12_LOCKS) throw new RangeError(`lock ${lock} is not 0-${CU12_LOCKS - 1}`);
  return encodeFrame({ board, lock, cmd: CU12_CMD.unlock });
};
export const encodeStatusRequest = (board: number): Buffer => encodeFrame({ board, cmd: CU12_CMD.status });

/** A board's status reply: ASK ok, two data bytes of hook bits (locks 1-8, then 9-12 in the low nibble). */
export const encodeStatusReply = (board: number, hooks: readonly [number, number]): Buffer =>
  encodeFrame({ board, cmd: CU12_CMD.status, ask: ASK.ok, data: [hooks[0] & 0xff, hooks[1] & 0xff] });

/** A board's answer to any other command: its ASK and no data. */
export const encodeAck = (board: number, lock: number, cmd: number, ask: number): Buffer => encodeFrame({ board, lock, cmd, ask });

/**
 * The status data as the tracker's raw bits: the two hook bytes stand where the CU16's lock bytes do (same bit order,
 * lock 0 = bit 0 of the first byte), and there are no IR bytes on a CU12. Bytes are kept as received (raw).
 */
export function statusBits(data: Uint8Array): RawBoardBits {
  return { locks: [data[0] ?? 0, data[1] ?? 0], ir: [0, 0] };
}

const ASKS = new Set<number>(Object.values(ASK));
const isCommandByte = (b: number) => b >= 0x80 && b <= 0x8f;

export interface Cu12ParserCounters {
  /** Bytes discarded: noise before an STX, and the bytes of candidates that failed their checks. */
  droppedBytes: number;
  /** Candidates (STX + plausible header) rejected for a wrong ETX or SUM. */
  badFrames: number;
  frames: number;
}

/**
 * Incremental parser, the same policy as the CU16's: scan for STX, check the header's shape (address, lock, command
 * byte, ASK, DLEN), then ETX at byte 6 and the SUM over header and data. On any failed check drop only the STX and
 * rescan from the next byte, so a good frame starting inside a bad one is still found. An incomplete candidate is
 * kept until more bytes arrive; a later complete frame makes a stale prefix fail its checks.
 */
export class Cu12Parser {
  private buf: Buffer = Buffer.alloc(0);
  readonly counters: Cu12ParserCounters = { droppedBytes: 0, badFrames: 0, frames: 0 };

  push(chunk: Uint8Array): Cu12Frame[] {
    this.buf = this.buf.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.buf, chunk]);
    const buf = this.buf;
    const out: Cu12Frame[] = [];
    let i = 0;
    const drop = (bad: boolean) => {
      if (bad) this.counters.badFrames++;
      this.counters.droppedBytes++;
      i++;
    };
    while (i < buf.length) {
      if (buf[i] !== STX) {
        drop(false);
        continue;
      }
      if (i + 6 > buf.length) break; // need the header up to DLEN to judge it
      const plausible = buf[i + 1]! <= MAX_BOARD && buf[i + 2]! <= ALL_LOCKS && isCommandByte(buf[i + 3]!) && ASKS.has(buf[i + 4]!) && buf[i + 5]! <= MAX_DATA;
      if (!plausible) {
        drop(false);
        continue;
      }
      const len = HEADER_LENGTH + buf[i + 5]!;
      if (i + len > buf.length) {
        // Partial, unless the ETX is already there to be seen wrong: do not sit on a dead candidate for 40 bytes.
        if (i + 7 <= buf.length && buf[i + 6] !== ETX) drop(true);
        else break;
        continue;
      }
      const sum = (checksum(buf.subarray(i, i + 7)) + checksum(buf.subarray(i + HEADER_LENGTH, i + len))) & 0xff;
      if (buf[i + 6] !== ETX || buf[i + 7] !== sum) {
        drop(true);
        continue;
      }
      const bytes = Buffer.from(buf.subarray(i, i + len));
      out.push({
        kind: bytes[4] === ASK.request ? 'command' : 'reply',
        board: bytes[1]!,
        lock: bytes[2]!,
        cmd: bytes[3]!,
        ask: bytes[4]!,
        data: bytes.subarray(HEADER_LENGTH),
        bytes,
      });
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

import { describe, expect, it } from 'vitest';
import {
  FrameParser,
  checksum,
  decodeLocks,
  encodeLocks,
  encodeQueryAll,
  encodeStateReply,
  encodeStateRequest,
  encodeUnlock,
  encodeUnlockAll,
} from '../../src-main/hardware/kerong/frame';
import { bytes } from './helpers';

const WORKED = bytes('02 00 35 FE FD 04 00 03 39');

describe('Kerong CU16 frames: the documented bytes', () => {
  it('encodes every command exactly as the protocol note shows', () => {
    expect(encodeUnlock(0, 0)).toEqual(bytes('02 00 31 03 36'));
    expect(encodeUnlock(0, 15)).toEqual(bytes('02 0F 31 03 45'));
    expect(encodeStateRequest(0)).toEqual(bytes('02 00 30 03 35'));
    expect(encodeStateRequest(1)).toEqual(bytes('02 10 30 03 45'));
    expect(encodeQueryAll()).toEqual(bytes('02 00 32 03 37'));
    expect(encodeUnlockAll(0)).toEqual(bytes('02 00 33 03 38'));
  });

  it('checksum is the low byte of the sum (worked example: 0x239 → 0x39)', () => {
    expect(checksum(WORKED, 8)).toBe(0x39);
    expect(encodeStateReply(0, { locks: [0xfe, 0xfd], ir: [0x04, 0x00] })).toEqual(WORKED);
  });

  it('rejects addresses outside 0-15', () => {
    expect(() => encodeUnlock(16, 0)).toThrow(RangeError);
    expect(() => encodeUnlock(0, 16)).toThrow(RangeError);
    expect(() => encodeUnlock(-1, 0)).toThrow(RangeError);
  });
});

describe('state decoding and polarity', () => {
  const [frame] = new FrameParser().push(WORKED);

  it('parses the worked example into raw bits', () => {
    expect(frame).toMatchObject({ kind: 'state', board: 0, bits: { locks: [0xfe, 0xfd], ir: [0x04, 0x00] } });
  });

  it('lockBitMeansClosed = true: locks 1 and 10 open, item in compartment 3', () => {
    if (frame?.kind !== 'state') throw new Error('expected a state frame');
    const r = decodeLocks(frame.bits, { lockBitMeansClosed: true, itemSensors: true });
    expect(r.filter((x) => x.door === 'open').map((x) => x.lock)).toEqual([0, 9]);
    expect(r.filter((x) => x.item).map((x) => x.lock)).toEqual([2]);
  });

  it('lockBitMeansClosed = false: the same bytes mean only locks 1 and 10 are closed', () => {
    if (frame?.kind !== 'state') throw new Error('expected a state frame');
    const r = decodeLocks(frame.bits, { lockBitMeansClosed: false, itemSensors: true });
    expect(r.filter((x) => x.door === 'closed').map((x) => x.lock)).toEqual([0, 9]);
  });

  it('without item sensors the IR bits are ignored (null, not false)', () => {
    if (frame?.kind !== 'state') throw new Error('expected a state frame');
    expect(decodeLocks(frame.bits, { lockBitMeansClosed: true, itemSensors: false }).every((x) => x.item === null)).toBe(true);
  });

  it('encodeLocks is the inverse of decodeLocks for both polarities', () => {
    const doors = Array.from({ length: 16 }, (_, i) => ({ open: i % 3 === 0, item: i % 5 === 0 }));
    for (const lockBitMeansClosed of [true, false]) {
      const opts = { lockBitMeansClosed, itemSensors: true };
      const back = decodeLocks(encodeLocks(doors, opts), opts);
      expect(back.map((x) => x.door === 'open')).toEqual(doors.map((d) => d.open));
      expect(back.map((x) => x.item)).toEqual(doors.map((d) => d.item));
    }
  });
});

describe('FrameParser', () => {
  it('reassembles a frame split byte by byte', () => {
    const p = new FrameParser();
    const found = [...WORKED].flatMap((b) => p.push(Buffer.from([b])));
    expect(found).toHaveLength(1);
    expect(found[0]!.bytes).toEqual(WORKED);
    expect(p.counters).toEqual({ droppedBytes: 0, badFrames: 0, frames: 1 });
  });

  it('skips noise (including stray STX/ETX) and still finds the frame', () => {
    const p = new FrameParser();
    const found = p.push(Buffer.concat([bytes('FF 02 00 35 13 03 02 7E'), WORKED]));
    expect(found.map((f) => f.bytes)).toEqual([WORKED]);
    expect(p.counters.droppedBytes).toBe(8);
  });

  it('counts a bad checksum and recovers on the next frame', () => {
    const p = new FrameParser();
    const bad = Buffer.from(WORKED);
    bad[8] = 0x3a;
    expect(p.push(bad)).toEqual([]);
    expect(p.counters.badFrames).toBe(1);
    expect(p.push(WORKED)).toHaveLength(1);
  });

  it('a stale partial frame is dropped when a complete one follows', () => {
    const p = new FrameParser();
    expect(p.push(WORKED.subarray(0, 4))).toEqual([]);
    expect(p.pending).toBe(4);
    const found = p.push(WORKED);
    expect(found.map((f) => f.bytes)).toEqual([WORKED]);
    expect(p.counters.badFrames).toBe(1);
  });

  it('parses command frames too (what the simulator reads)', () => {
    const found = new FrameParser().push(Buffer.concat([encodeUnlock(3, 7), encodeStateRequest(2)]));
    expect(found).toMatchObject([
      { kind: 'command', cmd: 0x31, board: 3, lock: 7 },
      { kind: 'command', cmd: 0x30, board: 2, lock: 0 },
    ]);
  });
});

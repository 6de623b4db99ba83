import { describe, expect, it } from 'vitest';
import {
  ASK,
  CU12_CMD,
  Cu12Parser,
  encodeAck,
  encodeFrame,
  encodeStatusReply,
  encodeStatusRequest,
  encodeUnlock,
  statusBits,
} from '../../src-main/hardware/cu12/frame';
import { decodeLocks } from '../../src-main/hardware/kerong/frame';
import { bytes } from './helpers';

/** The example frames of ../shared/docs/protocols/second-boards.md, byte for byte. */
const UNLOCK_LOCK3_BOARD0 = bytes('02 00 02 81 00 00 03 88');
const UNLOCK_ACK = bytes('02 00 02 81 10 00 03 98');

describe('Kerong CU12 frames: the documented bytes', () => {
  it('encodes the protocol note\'s unlock of lock 3 (index 2) on board 0, and parses the board\'s acknowledgement', () => {
    expect(encodeUnlock(0, 2)).toEqual(UNLOCK_LOCK3_BOARD0);
    expect(encodeAck(0, 2, CU12_CMD.unlock, ASK.ok)).toEqual(UNLOCK_ACK);
    const [ack] = new Cu12Parser().push(UNLOCK_ACK);
    expect(ack).toMatchObject({ kind: 'reply', board: 0, lock: 2, cmd: 0x81, ask: 0x10 });
    expect(ack!.data.length).toBe(0);
  });

  it('a status request carries lock 0 and no data; the SUM is the low byte of STX…ETX', () => {
    expect(encodeStatusRequest(0)).toEqual(bytes('02 00 00 80 00 00 03 85'));
    expect(encodeStatusRequest(3)).toEqual(bytes('02 03 00 80 00 00 03 88'));
  });

  it('a status reply sums its data too, though the data follow the SUM on the wire', () => {
    // 02+00+00+80+10+02+03 = 0x97; + FE + 0D = 0x1A2 → A2.
    const reply = encodeStatusReply(0, [0xfe, 0x0d]);
    expect(reply).toEqual(bytes('02 00 00 80 10 02 03 A2 FE 0D'));
    const [f] = new Cu12Parser().push(reply);
    expect(f).toMatchObject({ kind: 'reply', cmd: 0x80, ask: ASK.ok });
    expect([...f!.data]).toEqual([0xfe, 0x0d]);
  });

  it('hook bits decode like the CU16\'s lock bits: lock 0 = bit 0 of the first byte, no item sensors', () => {
    const readings = decodeLocks(statusBits(Buffer.from([0xfe, 0x0d])), { lockBitMeansClosed: true, itemSensors: false });
    const open = readings.filter((r) => r.lock < 12 && r.door === 'open').map((r) => r.lock);
    expect(open).toEqual([0, 9]); // bit 0 of FE clear; 0D = 1101: bit 1 (lock 9) clear
    expect(readings.every((r) => r.item === null)).toBe(true);
  });

  it('refuses addresses the board cannot have', () => {
    expect(() => encodeUnlock(16, 0)).toThrow(RangeError);
    expect(() => encodeUnlock(0, 12)).toThrow(RangeError); // 12 (0x0C) is "all locks", never one compartment
    expect(() => encodeFrame({ board: 0, cmd: 0x80, data: new Array(41).fill(0) })).toThrow(RangeError);
  });
});

describe('Cu12Parser on the documented bytes', () => {
  it('finds the acknowledgement split byte by byte behind noise that includes STX', () => {
    const p = new Cu12Parser();
    const stream = Buffer.concat([bytes('FF 02 00 13 02'), UNLOCK_ACK]);
    const found = [...stream].flatMap((b) => p.push(Buffer.from([b])));
    expect(found.map((f) => f.bytes)).toEqual([UNLOCK_ACK]);
    expect(p.counters.droppedBytes).toBe(5);
  });

  it('a wrong SUM is counted bad and not taken; an echo of our own command is a command, not a reply', () => {
    const p = new Cu12Parser();
    const bad = Buffer.from(UNLOCK_ACK);
    bad[7] = 0x99;
    expect(p.push(bad)).toEqual([]);
    expect(p.counters.badFrames).toBe(1);
    const [echo] = p.push(UNLOCK_LOCK3_BOARD0);
    expect(echo!.kind).toBe('command');
  });
});

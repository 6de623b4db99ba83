import type { Duplex } from 'node:stream';
import { encodeLocks } from '../kerong/frame';
import { BoardSimulator, type BoardSimulatorOptions } from '../sim/board-sim';
import { ALL_LOCKS, ASK, CU12_CMD, CU12_LOCKS, Cu12Parser, encodeAck, encodeFrame, encodeStatusReply, type Cu12Frame } from './frame';

/** The version a simulated CU12 reports to 0x8F (two data bytes, major.minor). */
const SIM_VERSION = [0x01, 0x00];

/**
 * An emulated RS485 bus of Kerong CU12 boards. The bank (doors, items, jams), the faults and the person-side handle are
 * the CU16 simulator's; only the bytes differ: it parses CU12 commands and answers every one of them, as the real
 * board does (status → two hook bytes; unlock → ASK ok, the lock opening unless jammed; unknown command → ASK 0x13).
 * A CU12 has no IR inputs, so items put in are never reported. Faults apply to acknowledgements too.
 */
export class Cu12Simulator extends BoardSimulator {
  private readonly cu12Parser = new Cu12Parser();

  /** `itemSensors` is ignored: the board has none. */
  constructor(opts: BoardSimulatorOptions) {
    super({ ...opts, itemSensors: false });
  }

  override attach(stream: Duplex): void {
    super.attach(stream);
    this.cu12Parser.reset();
  }

  override get parserCounters() {
    return this.cu12Parser.counters;
  }

  protected override receive(chunk: Buffer): void {
    if (this.busCut) return;
    for (const frame of this.cu12Parser.push(chunk)) {
      if (frame.kind !== 'command') continue; // another board's reply on the shared bus
      const at = process.hrtime.bigint();
      for (const o of this.observers) o({ kind: 'command', cmd: frame.cmd, board: frame.board, lock: frame.lock, bytes: frame.bytes }, at);
      this.handleCommand(frame);
    }
  }

  private handleCommand(frame: Cu12Frame): void {
    const locks = this.boards.get(frame.board);
    if (!locks) return; // no board at that address: nobody answers
    switch (frame.cmd) {
      case CU12_CMD.unlock: {
        this.received.unlock++;
        if (this.cutOnUnlock) {
          this.cutOnUnlock = false;
          this.busCut = true;
          return;
        }
        const targets = frame.lock === ALL_LOCKS ? locks.slice(0, CU12_LOCKS) : [locks[frame.lock]!];
        for (const l of targets) if (!l.jammed) l.open = true;
        this.answer(frame, ASK.ok);
        return;
      }
      case CU12_CMD.status:
        this.received.state++;
        this.reply(frame.board, 0, (corrupt) => sum(encodeStatusReply(frame.board, this.hooks(frame.board)), corrupt));
        return;
      case CU12_CMD.version:
        this.reply(frame.board, 0, (corrupt) => sum(encodeFrame({ board: frame.board, cmd: frame.cmd, ask: ASK.ok, data: SIM_VERSION }), corrupt));
        return;
      case CU12_CMD.pulseTime:
      case CU12_CMD.baud:
        this.answer(frame, ASK.ok); // taken, and changes nothing in the simulation
        return;
      default:
        this.answer(frame, ASK.unknownCommand);
    }
  }

  private answer(frame: Cu12Frame, ask: number): void {
    this.reply(frame.board, 0, (corrupt) => sum(encodeAck(frame.board, frame.lock, frame.cmd, ask), corrupt));
  }

  /** Hook bits of locks 0-11 with the installation's polarity (the bits of locks 12-15 do not exist: 0). */
  private hooks(board: number): [number, number] {
    const bits = encodeLocks(this.boards.get(board)!.slice(0, CU12_LOCKS), { ...this.polarity, itemSensors: false });
    return [bits.locks[0], bits.locks[1] & 0x0f];
  }
}

/** A CU12 frame's SUM is byte 7 (the data follow it). */
function sum(bytes: Buffer, corrupt: boolean): Buffer {
  if (corrupt) bytes[7] = (bytes[7]! + 1) & 0xff;
  return bytes;
}

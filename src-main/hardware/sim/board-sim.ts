import type { Duplex } from 'node:stream';
import type { Layout } from '../../../src-shared/layout';
import { CMD, FrameParser, encodeLocks, encodeStateReply, type Frame } from '../kerong/frame';

/** What a person standing at the simulated locker (or a test) can do, by compartment id. */
export interface BoardSimulatorHandle {
  openDoor(compartmentId: string): void;
  closeDoor(compartmentId: string): void;
  putItem(compartmentId: string): void;
  removeItem(compartmentId: string): void;
  jam(compartmentId: string): void;
  unjam(compartmentId: string): void;
  door(compartmentId: string): SimLock;
  /** Same as putItem/removeItem, jam/unjam and door, in the shape the API's simDoor handler uses. */
  setItem(compartmentId: string, present: boolean): void;
  setJammed(compartmentId: string, jammed: boolean): void;
  compartment(compartmentId: string): SimLock;
  /** The bus cable cut (true) or mended (false): see BoardSimulator.cutBus. */
  cutBus(cut: boolean): void;
  /** The next unlock frame is lost and the bus stays cut after it: see BoardSimulator.cutBusOnNextUnlock. */
  cutBusOnNextUnlock(): void;
}

export interface SimLock {
  open: boolean;
  item: boolean;
  /** The lock ignores unlock commands (a broken solenoid, a parcel pressing on the latch). */
  jammed: boolean;
}

/** Faults of one board's side of the bus. */
export interface BoardFaults {
  /** Never answers (dead board, wrong DIP switch, cut bus). It still obeys unlocks: it might only have lost TX. */
  silent: boolean;
  /** Answers with a wrong SUM byte. */
  corruptChecksum: boolean;
  /** Noise bytes written before each reply (a floating RS485 line at turnaround). */
  garbageBytes: number;
  /** Reply this long after the request. */
  delayMs: number;
}

export interface BoardSimulatorOptions {
  layout: Layout;
  /** Must match the driver's setting: it is how the board wires its sensor bits. */
  lockBitMeansClosed?: boolean;
  /** false: a board with no IR sensors fitted, which reports 0 whatever is inside. */
  itemSensors?: boolean;
}

export type SimObserver = (frame: Frame, at: bigint) => void;

const NO_FAULTS: BoardFaults = { silent: false, corruptChecksum: false, garbageBytes: 0, delayMs: 0 };

/**
 * An emulated RS485 bus of CU16 boards, speaking bytes over whatever stream it is attached to (one end of an
 * in-process pair, or a pty). It parses commands with the same FrameParser the driver uses and answers like the real
 * board: state replies to 0x30 / 0x32, silence to unlocks. Doors open on unlock and stay open until closed.
 */
export class BoardSimulator implements BoardSimulatorHandle {
  protected readonly boards = new Map<number, SimLock[]>();
  protected readonly faults = new Map<number, BoardFaults>();
  private readonly ids = new Map<string, { board: number; lock: number }>();
  private readonly parser = new FrameParser();
  protected readonly observers = new Set<SimObserver>();
  private readonly pending = new Set<ReturnType<typeof setTimeout>>();
  protected readonly polarity: { lockBitMeansClosed: boolean; itemSensors: boolean };
  private stream: Duplex | null = null;
  private readonly onData = (chunk: Buffer) => this.receive(chunk);
  /** A board does not care whether anyone hears it: a reply into a line the kiosk closed must not crash the process. */
  private readonly onError = (err: Error) => {
    this.lastError = err.message;
  };
  lastError: string | null = null;
  /** false after unplug(): the in-process transport refuses to open until plug(). */
  plugged = true;
  protected busCut = false;
  protected cutOnUnlock = false;
  readonly received = { unlock: 0, state: 0, queryAll: 0, unlockAll: 0 };

  constructor(opts: BoardSimulatorOptions) {
    this.polarity = { lockBitMeansClosed: opts.lockBitMeansClosed ?? true, itemSensors: opts.itemSensors ?? true };
    for (const c of opts.layout.compartments) {
      this.ids.set(c.id, { board: c.board, lock: c.lock });
      if (!this.boards.has(c.board)) {
        this.boards.set(c.board, Array.from({ length: 16 }, () => ({ open: false, item: false, jammed: false })));
        this.faults.set(c.board, { ...NO_FAULTS });
      }
    }
  }

  /** Speak on this stream from now on (a previous one is let go, not closed: its owner closes it). */
  attach(stream: Duplex): void {
    this.detach();
    this.stream = stream;
    this.parser.reset();
    stream.on('data', this.onData);
    stream.on('error', this.onError);
  }

  detach(): void {
    this.stream?.off('data', this.onData);
    // The error listener stays: a write still completing on the old stream may yet fail.
    this.stream = null;
    for (const t of this.pending) clearTimeout(t);
    this.pending.clear();
  }

  /** Pulls the cable: the attached stream is destroyed, and the in-process transport fails to open until plug(). */
  unplug(): void {
    this.plugged = false;
    const s = this.stream;
    this.detach();
    s?.destroy();
  }

  plug(): void {
    this.plugged = true;
  }

  /**
   * The bus cable cut between the adapter and the boards: the kiosk's port stays open but nothing is heard and
   * nothing answers (every board goes offline). On a pty this is the board side's "unplug"; reopening a socat pty
   * end does not bring the link back, so the CLI uses this instead of closing its port.
   */
  cutBus(cut: boolean): void {
    this.busCut = cut;
    if (!cut) this.cutOnUnlock = false;
  }

  /**
   * The bus is cut at the worst moment: the next unlock frame is lost on the wire and nothing is heard after it
   * (until cutBus(false)). Lets a test or a demo show the screen while the kiosk cannot know what the door did.
   */
  cutBusOnNextUnlock(): void {
    this.cutOnUnlock = true;
  }

  /** Called with every good command frame and the time its last byte was parsed (process.hrtime.bigint()). */
  observe(fn: SimObserver): () => void {
    this.observers.add(fn);
    return () => this.observers.delete(fn);
  }

  get parserCounters() {
    return this.parser.counters;
  }

  // --- the person at the locker -------------------------------------------------------------------------------
  openDoor(id: string): void {
    this.lock(id).open = true;
  }
  closeDoor(id: string): void {
    this.lock(id).open = false;
  }
  putItem(id: string): void {
    this.lock(id).item = true;
  }
  removeItem(id: string): void {
    this.lock(id).item = false;
  }
  jam(id: string): void {
    this.lock(id).jammed = true;
  }
  unjam(id: string): void {
    this.lock(id).jammed = false;
  }
  door(id: string): SimLock {
    return { ...this.lock(id) };
  }
  setItem(id: string, present: boolean): void {
    this.lock(id).item = present;
  }
  setJammed(id: string, jammed: boolean): void {
    this.lock(id).jammed = jammed;
  }
  compartment(id: string): SimLock {
    return this.door(id);
  }

  // --- faults ----------------------------------------------------------------------------------------------------
  setFaults(board: number, faults: Partial<BoardFaults>): void {
    const f = this.faults.get(board);
    if (!f) throw new RangeError(`no board ${board} in the simulated layout`);
    Object.assign(f, faults);
  }
  clearFaults(): void {
    for (const b of this.faults.keys()) this.faults.set(b, { ...NO_FAULTS });
    for (const locks of this.boards.values()) for (const l of locks) l.jammed = false;
  }
  boardIds(): number[] {
    return [...this.boards.keys()].sort((a, b) => a - b);
  }

  private lock(id: string): SimLock {
    const where = this.ids.get(id);
    if (!where) throw new RangeError(`no compartment ${id} in the simulated layout`);
    return this.boards.get(where.board)![where.lock]!;
  }

  /** Bytes from the line (protected: another board family's simulator parses its own frames, cu12/sim.ts). */
  protected receive(chunk: Buffer): void {
    if (this.busCut) return;
    for (const frame of this.parser.push(chunk)) {
      if (frame.kind !== 'command') continue; // another board's reply on the shared bus
      const at = process.hrtime.bigint();
      for (const o of this.observers) o(frame, at);
      this.handle(frame);
    }
  }

  private handle(frame: Extract<Frame, { kind: 'command' }>): void {
    const locks = this.boards.get(frame.board);
    switch (frame.cmd) {
      case CMD.unlock:
        this.received.unlock++;
        if (this.cutOnUnlock) {
          this.cutOnUnlock = false;
          this.busCut = true;
          return;
        }
        if (locks && !locks[frame.lock]!.jammed) locks[frame.lock]!.open = true;
        return;
      case CMD.unlockAll:
        this.received.unlockAll++;
        for (const l of locks ?? []) if (!l.jammed) l.open = true;
        return;
      case CMD.state:
        this.received.state++;
        if (locks) this.reply(frame.board);
        return;
      case CMD.queryAll: {
        this.received.queryAll++;
        // Boards answer in address order, each after the previous one (as they would on a shared bus).
        let t = 0;
        for (const b of this.boardIds()) t = this.reply(b, t);
        return;
      }
      default:
        return; // unknown command: a real board stays silent
    }
  }

  /**
   * Queues board's state reply (or the frame `encode` makes, told whether to corrupt its SUM) after `after` ms plus the
   * board's own delay, under the board's faults; returns when it will have been sent.
   */
  protected reply(board: number, after = 0, encode?: (corruptSum: boolean) => Buffer): number {
    const f = this.faults.get(board)!;
    if (f.silent) return after;
    const when = after + f.delayMs;
    const send = () => {
      if (this.busCut) return;
      const bytes = encode ? encode(f.corruptChecksum) : encodeStateReply(board, encodeLocks(this.boards.get(board)!, this.polarity));
      if (!encode && f.corruptChecksum) bytes[8] = (bytes[8]! + 1) & 0xff;
      const noise = Buffer.alloc(f.garbageBytes, 0);
      for (let i = 0; i < noise.length; i++) noise[i] = GARBAGE[i % GARBAGE.length]!;
      const s = this.stream;
      if (s && !s.destroyed) s.write(Buffer.concat([noise, bytes]), () => undefined);
    };
    if (when <= 0) send();
    else {
      const t = setTimeout(() => {
        this.pending.delete(t);
        send();
      }, when);
      this.pending.add(t);
    }
    return when;
  }
}

/** Noise that includes STX and ETX, so the driver's resync is really exercised (not just skipping non-STX bytes). */
const GARBAGE = [0xff, 0x02, 0x00, 0x35, 0x13, 0x03, 0x02, 0x7e, 0x00, 0x02, 0x31];

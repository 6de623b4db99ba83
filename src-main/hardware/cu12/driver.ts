import type { Layout } from '../../../src-shared/layout';
import { createLogger, type Logger } from '../../log';
import type { BoardState, CompartmentState, DoorController, DoorEvent, DoorHealth } from '../door-controller';
import { HardwareError } from '../errors';
import { assertLayoutFits } from '../family';
import { Connection } from '../kerong/connection';
import { DoorTracker } from '../kerong/door-tracker';
import { resolveTiming, type KerongTiming, type TimingOverrides } from '../kerong/driver';
import { Poller } from '../kerong/poller';
import { CommandQueue, type Lane } from '../kerong/queue';
import type { RawBoardBits } from '../kerong/frame';
import type { Transport } from '../transport';
import { ASK, CU12_CMD, Cu12Parser, encodeStatusRequest, encodeUnlock, statusBits, type Cu12Frame } from './frame';

export interface Cu12DriverOptions {
  transport: Transport;
  layout: Layout;
  /** true (default): a set hook bit means the lock is latched, i.e. the door is shut (the public driver's reading). */
  lockBitMeansClosed?: boolean;
  /** The CU16's timings apply as they are (ADR 0001); the unlock's acknowledgement waits up to commandTimeoutMs. */
  timing?: TimingOverrides;
  /** Start the background poller (default true). */
  poll?: boolean;
  now?: () => number;
  log?: Logger;
}

interface Waiter {
  board: number;
  cmd: number;
  /** An unlock's acknowledgement names its lock: a late one for another lock of the board is not this one's. */
  lock?: number;
  settle(frame: Cu12Frame | null): void;
}

const offline = (message: string) => new HardwareError('HARDWARE_OFFLINE', message);

/**
 * The Kerong CU12 bus master, built from the same parts as the CU16's (ADR 0022): one Connection (reconnect with
 * backoff), one CommandQueue (one exchange in flight, unlocks first), one Poller (cadence on the monotonic clock) and
 * one DoorTracker (edges, jams, forced doors, blind verdicts). What differs is the bytes, and that a CU12 answers
 * every command: the bus is held for an unlock's acknowledgement (up to the command timeout) so the next frame cannot
 * collide with it, while `unlock()` itself resolves once the frame is on the wire. The acknowledgement only says
 * the board took the command; the door is believed open when a status read says so (ADR 0009).
 */
export class Cu12Driver implements DoorController {
  readonly timing: KerongTiming;
  private readonly parser = new Cu12Parser();
  private readonly queue = new CommandQueue();
  private readonly tracker: DoorTracker;
  private readonly connection: Connection;
  private readonly poller: Poller;
  private readonly listeners = new Set<(e: DoorEvent) => void>();
  private readonly log: Logger;
  private readonly now: () => number;
  private waiter: Waiter | null = null;
  private attentive = false;
  private closed = false;
  private readonly counters = { framesSent: 0, timeouts: 0, retries: 0, unsolicited: 0, refused: 0 };
  private lastError: string | null = null;

  /** Throws ConfigError if the layout uses a lock a CU12 does not have (12-15). */
  constructor(opts: Cu12DriverOptions) {
    assertLayoutFits(opts.layout, 'cu12');
    this.timing = resolveTiming(opts.timing);
    this.now = opts.now ?? Date.now;
    this.log = opts.log ?? createLogger('hardware.cu12');
    this.tracker = new DoorTracker(
      opts.layout.compartments,
      { lockBitMeansClosed: opts.lockBitMeansClosed ?? true, itemSensors: false },
      this.timing,
      (e) => this.emit(e),
      this.now,
      (board) => this.poller.poke(board),
    );
    this.connection = new Connection(opts.transport, this.timing.backoff, {
      data: (bytes) => this.onData(bytes),
      up: () => this.onPortUp(),
      down: (error) => this.onPortDown(error),
    });
    this.poller = new Poller({
      boards: () => this.tracker.boardIds,
      intervalFor: (board) => this.pollInterval(board),
      read: (board) => this.read(board, 'background'),
    });
    this.connection.start();
    if (opts.poll ?? true) this.poller.start();
  }

  /** See DoorController.unlock. Resolves when the frame is written; the acknowledgement is awaited on the queue. */
  async unlock(compartmentId: string): Promise<void> {
    const c = this.tracker.lookup(compartmentId);
    if (!c) throw new HardwareError('UNKNOWN_COMPARTMENT', `no compartment ${compartmentId} in the layout`);
    if (!this.connection.isOpen) throw offline(`serial port ${this.connection.path} is ${this.connection.state}`);
    let written!: () => void;
    const onWire = new Promise<void>((resolve) => (written = resolve));
    // A board that says it got a bad checksum did nothing: send once more, as its own job at the back of the unlock
    // lane (another customer's unlock waiting there goes first: one exchange each). Any other answer, or none, stands.
    const exchange = this.queue.attempts('unlock', () => 2, async (_attempt, last) => {
      if (!this.connection.isOpen) throw offline(`serial port ${this.connection.path} is ${this.connection.state}`);
      const ack = this.expect(c.board, CU12_CMD.unlock, c.lock);
      await this.send(encodeUnlock(c.board, c.lock));
      this.tracker.unlockSent(compartmentId);
      written();
      const f = await ack;
      if (!f || f.ask === ASK.ok) return true;
      this.counters.refused++;
      this.lastError = `board ${c.board} lock ${c.lock}: unlock answered 0x${f.ask.toString(16)}`;
      this.log.warn('unlock not acknowledged', { compartmentId, ask: f.ask });
      return f.ask === ASK.badChecksum && !last ? null : true;
    });
    exchange.catch(() => undefined); // a failure after the write is not the caller's: the jam check decides
    // Fails the call only if nothing was written (port gone, closed); a missing acknowledgement is the jam check's.
    await Promise.race([onWire, exchange]);
    // Read the state now and keep reading it fast until the door opens.
    this.poller.poke(c.board);
  }

  readBoard(board: number): Promise<BoardState> {
    return this.read(board, 'urgent');
  }

  compartment(compartmentId: string): CompartmentState {
    const s = this.tracker.compartment(compartmentId, this.connection.isOpen);
    if (!s) throw new HardwareError('UNKNOWN_COMPARTMENT', `no compartment ${compartmentId} in the layout`);
    return s;
  }

  boards(): BoardState[] {
    return this.tracker.boards(this.connection.isOpen);
  }

  health(): DoorHealth {
    const open = this.connection.isOpen;
    return {
      port: this.connection.state,
      path: this.connection.path,
      boards: this.tracker.boardIds.map((board) => ({ board, online: open && this.tracker.isOnline(board) === true })),
      framesSent: this.counters.framesSent,
      framesBad: this.parser.counters.badFrames,
      timeouts: this.counters.timeouts,
      retries: this.counters.retries,
      lastError: this.lastError ?? this.connection.lastError,
      bytesDropped: this.parser.counters.droppedBytes,
      framesReceived: this.parser.counters.frames,
      reconnectAttempts: this.connection.reconnectAttempts,
    };
  }

  setAttentive(attentive: boolean): void {
    if (this.attentive === attentive) return;
    this.attentive = attentive;
    if (attentive) this.poller.poke();
  }

  on(listener: (event: DoorEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves once the port is open (at once if it already is); rejects with HARDWARE_OFFLINE after `timeoutMs`. */
  waitForPort(timeoutMs = 2000): Promise<void> {
    if (this.connection.isOpen) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(offline(`serial port ${this.connection.path} did not open within ${timeoutMs} ms (${this.connection.lastError ?? 'no error'})`));
      }, timeoutMs);
      const off = this.on((e) => {
        if (e.type !== 'port-up') return;
        clearTimeout(timer);
        off();
        resolve();
      });
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.waiter?.settle(null);
    this.queue.clear(offline('door controller closed'));
    await this.poller.stop();
    this.tracker.stop();
    await this.connection.close();
  }

  private async read(board: number, lane: Lane): Promise<BoardState> {
    if (!this.tracker.hasBoard(board)) throw new HardwareError('BAD_INPUT', `board ${board} is not in the layout`);
    if (!this.connection.isOpen) throw offline(`serial port ${this.connection.path} is ${this.connection.state}`);
    // Each try is its own queue job, so an unlock waits behind at most one exchange, never a read's retries (ADR 0026).
    // A board already known to be dead gets one try per poll, so it cannot hold the bus for (1 + retries) timeouts.
    const attempts = () => (this.tracker.isOnline(board) === false ? 1 : 1 + this.timing.retries);
    const state = await this.queue.attempts(lane, attempts, async (attempt, last) => {
      if (!this.connection.isOpen) throw offline(`serial port ${this.connection.path} is ${this.connection.state}`);
      if (attempt > 0) this.counters.retries++;
      const bits = await this.exchangeStatus(board);
      if (bits) {
        // Applied inside the job: no frame (an unlock) can go out between this reading and its being taken in.
        this.tracker.applyRead(board, bits);
        return this.tracker.boardState(board, true);
      }
      if (!last) return null;
      this.lastError = `board ${board}: no status after ${attempt + 1} attempt(s) of ${this.timing.commandTimeoutMs} ms`;
      this.tracker.markOnline(board, false);
      throw offline(this.lastError);
    });
    return state!; // the last try returns a state or throws
  }

  /** One status request and its reply: the hook bits, or null (no answer in time, or an answer with no state). */
  private async exchangeStatus(board: number): Promise<RawBoardBits | null> {
    const reply = this.expect(board, CU12_CMD.status);
    // A reply proves the request has left: the exchange is over with it, not also after the write's drain (ADR 0026).
    // A failed write settles the reply (send) and rejects the race.
    const sent = this.send(encodeStatusRequest(board));
    const f = await Promise.race([reply, sent.then(() => reply)]);
    if (f && f.ask === ASK.ok && f.data.length >= 2) return statusBits(f.data);
    if (!this.connection.isOpen) throw offline(`serial port ${this.connection.path} went away`);
    if (f) {
      // The board answered but not with a state (bad checksum heard, failed): no door fact, try again.
      this.counters.refused++;
      this.lastError = `board ${board}: status answered 0x${f.ask.toString(16)} with ${f.data.length} data byte(s)`;
    } else this.counters.timeouts++;
    return null;
  }

  /**
   * Listens for the board's reply to `cmd` (for an unlock, to `lock`'s: red team found a late acknowledgement of one
   * lock taken for the next unlock's) before the command is written (on a fast line the reply can beat the write's
   * completion). Resolves with the reply, or null after commandTimeoutMs, a port loss or close.
   */
  private expect(board: number, cmd: number, lock?: number): Promise<Cu12Frame | null> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => w.settle(null), this.timing.commandTimeoutMs);
      const w: Waiter = {
        board,
        cmd,
        ...(lock === undefined ? {} : { lock }),
        settle: (frame) => {
          clearTimeout(timer);
          if (this.waiter === w) this.waiter = null;
          resolve(frame);
        },
      };
      this.waiter = w;
    });
  }

  private async send(frame: Buffer): Promise<void> {
    try {
      await this.connection.write(frame);
    } catch (err) {
      this.waiter?.settle(null);
      this.lastError = `write failed: ${(err as Error).message}`;
      throw offline(this.lastError);
    }
    this.counters.framesSent++;
  }

  private onData(bytes: Buffer): void {
    for (const f of this.parser.push(bytes)) {
      // Commands are our own echo (some RS485 adapters loop the transmitter back): not for us.
      if (f.kind !== 'reply') continue;
      const w = this.waiter;
      if (w && w.board === f.board && w.cmd === f.cmd && (w.lock === undefined || w.lock === f.lock)) w.settle(f);
      else this.counters.unsolicited++; // a late reply to a timed-out request: its moment has passed
    }
  }

  private pollInterval(board: number): number | null {
    if (!this.connection.isOpen || this.closed) return null;
    const online = this.tracker.isOnline(board);
    if (online === false) return this.timing.offlinePollMs;
    if (online === null || this.attentive || this.tracker.awaitingOpen(board)) return this.timing.fastPollMs;
    return this.timing.slowPollMs;
  }

  private onPortUp(): void {
    this.parser.reset(); // bytes from the old line cannot complete a frame on the new one
    this.log.info('port up', { path: this.connection.path });
    this.emit({ type: 'port-up', at: this.now() });
    this.poller.poke();
  }

  private onPortDown(error: string): void {
    this.lastError = `port: ${error}`;
    this.log.warn('port down', { path: this.connection.path, error });
    this.waiter?.settle(null);
    this.queue.clear(offline(`serial port ${this.connection.path} went away: ${error}`));
    this.emit({ type: 'port-down', at: this.now(), error });
  }

  private emit(e: DoorEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch (err) {
        this.log.error('door event listener threw', { event: e.type, error: (err as Error).message });
      }
    }
  }
}

import type { Layout } from '../../../src-shared/layout';
import { createLogger, type Logger } from '../../log';
import type { BoardState, CompartmentState, DoorController, DoorEvent, DoorHealth } from '../door-controller';
import { HardwareError } from '../errors';
import type { Transport } from '../transport';
import { Connection, type BackoffOptions } from './connection';
import { DoorTracker } from './door-tracker';
import { FrameParser, encodeStateRequest, encodeUnlock, type RawBoardBits } from './frame';
import { Poller } from './poller';
import { CommandQueue, type Lane } from './queue';

export interface KerongTiming {
  /** Wait this long for a state reply. A 9-byte reply takes 4.7 ms on the wire at 19200; the rest is board latency. */
  commandTimeoutMs: number;
  /** Extra attempts after a timeout before a board is declared offline (offline boards get one attempt per poll). */
  retries: number;
  /** Poll period while a flow waits for a door (setAttentive) or an unlocked door has not yet read open. */
  fastPollMs: number;
  /** Poll period at rest: still catches forced doors within a second. */
  slowPollMs: number;
  /** Poll period for a board that stopped answering, so a dead board does not eat the bus. */
  offlinePollMs: number;
  /** Unlock to jam verdict; the verdict itself comes from a read taken after it. */
  jamMs: number;
  /** Board unreadable this long after an unlock: the jam is declared without a read (the customer cannot wait). */
  jamCeilingMs: number;
  forcedOpenWindowMs: number;
  backoff: BackoffOptions;
}

export const DEFAULT_TIMING: KerongTiming = {
  commandTimeoutMs: 200,
  retries: 2,
  fastPollMs: 150,
  slowPollMs: 1000,
  offlinePollMs: 3000,
  jamMs: 4000,
  jamCeilingMs: 30_000,
  forcedOpenWindowMs: 30_000,
  backoff: { initialMs: 250, factor: 2, maxMs: 5000 },
};

export type TimingOverrides = Partial<Omit<KerongTiming, 'backoff'>> & { backoff?: Partial<BackoffOptions> };

export function resolveTiming(o: TimingOverrides = {}): KerongTiming {
  return { ...DEFAULT_TIMING, ...o, backoff: { ...DEFAULT_TIMING.backoff, ...o.backoff } };
}

export interface KerongDriverOptions {
  transport: Transport;
  layout: Layout;
  lockBitMeansClosed?: boolean;
  itemSensors?: boolean;
  timing?: TimingOverrides;
  /** Start the background poller (default true). Tests and the bench turn it off to drive reads by hand. */
  poll?: boolean;
  now?: () => number;
  log?: Logger;
}

interface Waiter {
  board: number;
  settle(bits: RawBoardBits | null): void;
}

const offline = (message: string) => new HardwareError('HARDWARE_OFFLINE', message);

/**
 * The Kerong CU16 bus master. Every exchange goes through one queue (one frame in flight); replies are matched to
 * the board asked; silence is retried, then the board is reported offline and polled more slowly until it answers.
 * The line itself is owned by Connection (reconnect with backoff); door facts by DoorTracker (edges, jams, forced).
 */
export class KerongDriver implements DoorController {
  readonly timing: KerongTiming;
  private readonly parser = new FrameParser();
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
  private readonly counters = { framesSent: 0, timeouts: 0, retries: 0, unsolicited: 0 };
  private lastError: string | null = null;

  constructor(opts: KerongDriverOptions) {
    this.timing = resolveTiming(opts.timing);
    this.now = opts.now ?? Date.now;
    this.log = opts.log ?? createLogger('hardware.kerong');
    this.tracker = new DoorTracker(
      opts.layout.compartments,
      { lockBitMeansClosed: opts.lockBitMeansClosed ?? true, itemSensors: opts.itemSensors ?? true },
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

  async unlock(compartmentId: string): Promise<void> {
    const c = this.tracker.lookup(compartmentId);
    if (!c) throw new HardwareError('UNKNOWN_COMPARTMENT', `no compartment ${compartmentId} in the layout`);
    if (!this.connection.isOpen) throw offline(`serial port ${this.connection.path} is ${this.connection.state}`);
    await this.queue.enqueue(async () => {
      // The port may have gone while we queued: refuse rather than write into a dead line.
      if (!this.connection.isOpen) throw offline(`serial port ${this.connection.path} is ${this.connection.state}`);
      await this.send(encodeUnlock(c.board, c.lock));
      this.tracker.unlockSent(compartmentId);
    }, 'unlock');
    // Most boards do not acknowledge an unlock: read the state now and keep reading it fast until the door opens.
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

  /** Resolves once the port is open (at once if it already is); rejects after `timeoutMs`. */
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
      const bits = await this.exchangeState(board);
      if (bits) {
        // Applied inside the job: no frame (an unlock) can go out between this reading and its being taken in.
        this.tracker.applyRead(board, bits);
        return this.tracker.boardState(board, true);
      }
      if (!last) return null;
      this.lastError = `board ${board}: no reply after ${attempt + 1} attempt(s) of ${this.timing.commandTimeoutMs} ms`;
      this.tracker.markOnline(board, false);
      throw offline(this.lastError);
    });
    return state!; // the last try returns a state or throws
  }

  /** One state request and its reply: the bits, or null after commandTimeoutMs. Throws when the port goes. */
  private async exchangeState(board: number): Promise<RawBoardBits | null> {
    // Listen before writing: on a fast line the reply can beat the write's completion callback.
    const reply = new Promise<RawBoardBits | null>((resolve) => {
      const timer = setTimeout(() => w.settle(null), this.timing.commandTimeoutMs);
      const w: Waiter = {
        board,
        settle: (bits) => {
          clearTimeout(timer);
          if (this.waiter === w) this.waiter = null;
          resolve(bits);
        },
      };
      this.waiter = w;
    });
    const sent = this.send(encodeStateRequest(board)).catch((err: unknown) => {
      this.waiter?.settle(null);
      throw err;
    });
    // A reply proves the request has left, so the exchange (and the line) is over with it: not also after the write's
    // drain, one more thread-pool round trip an unlock queued behind this read would wait for. A failed write ends it.
    const bits = await Promise.race([reply, sent.then(() => reply)]);
    if (bits) return bits;
    if (!this.connection.isOpen) throw offline(`serial port ${this.connection.path} went away`);
    this.counters.timeouts++;
    return null;
  }

  private async send(frame: Buffer): Promise<void> {
    try {
      await this.connection.write(frame);
    } catch (err) {
      this.lastError = `write failed: ${(err as Error).message}`;
      throw offline(this.lastError);
    }
    this.counters.framesSent++;
  }

  private onData(bytes: Buffer): void {
    for (const f of this.parser.push(bytes)) {
      // Command frames are our own echo (some RS485 adapters loop the transmitter back): not for us.
      if (f.kind !== 'state') continue;
      if (this.waiter && this.waiter.board === f.board) this.waiter.settle(f.bits);
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

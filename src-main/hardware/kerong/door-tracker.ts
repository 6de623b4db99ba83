import type { LayoutCompartment } from '../../../src-shared/layout';
import type { BoardState, CompartmentState, DoorEvent } from '../door-controller';
import { decodeLocks, type LockReading, type PolarityOptions, type RawBoardBits } from './frame';

export interface TrackerTiming {
  /** An unlock not followed by a read of "open" within this time is a jam, decided by a read taken after it. */
  jamMs: number;
  /** If the board cannot be read at all this long after the unlock, the jam is declared blind (ADR 0001). */
  jamCeilingMs: number;
  /**
   * A door read open with no unlock from us in this window was forced. The window only covers the unlock's own
   * opening (the spring-open, a slow first read): once the door has been read closed after it, the unlock is spent and
   * any later opening without a new unlock is forced, however soon (ADR 0009, red-team finding 4d).
   */
  forcedOpenWindowMs: number;
}

interface BoardRecord {
  board: number;
  /** null: not yet known (never answered, never given up on). */
  online: boolean | null;
  raw: RawBoardBits | null;
  readings: LockReading[] | null;
  readAt: number | null;
}

/** An unlock whose door has not yet read open. */
interface JamCheck {
  deadline: ReturnType<typeof setTimeout> | null;
  ceiling: ReturnType<typeof setTimeout>;
  /** The deadline has passed: the next read of the board gives the verdict (still closed: jammed). */
  verdictDue: boolean;
  /** A good read of the board landed between the unlock and the deadline. */
  seen: boolean;
  /** mono-ish `now()` of the last good read of the board since the unlock (the unlock itself to begin with). */
  lastSeenAt: number;
  /**
   * Somewhere between the unlock and now the board went unread for longer than `jamMs` (offline, port down, a
   * garbled line): the door may have opened and closed unseen, so a "still shut" read proves nothing.
   */
  gap: boolean;
}

interface LockRecord {
  compartment: LayoutCompartment;
  /** The last unlock not yet spent by a close of its door (see TrackerTiming.forcedOpenWindowMs). */
  lastUnlockAt: number | null;
  jam: JamCheck | null;
}

/**
 * Turns successive board reads into door facts: edges (opened / closed / item), jams and forced doors. It holds no
 * I/O: the driver feeds it reads and unlocks, it calls `emit`. Events only ever come from a read, never from a
 * command having been sent (the board can ignore a command; only the sensor says the door moved).
 */
export class DoorTracker {
  private readonly boardsById = new Map<number, BoardRecord>();
  private readonly locks = new Map<string, LockRecord>();
  private readonly byAddress = new Map<string, LockRecord>();

  constructor(
    compartments: readonly LayoutCompartment[],
    private readonly polarity: PolarityOptions,
    private readonly timing: TrackerTiming,
    private readonly emit: (e: DoorEvent) => void,
    private readonly now: () => number,
    /** Asks for a read of this board as soon as possible (a jam verdict is waiting for it). */
    private readonly wantRead: (board: number) => void = () => undefined,
  ) {
    for (const c of compartments) {
      const rec: LockRecord = { compartment: c, lastUnlockAt: null, jam: null };
      this.locks.set(c.id, rec);
      this.byAddress.set(`${c.board}/${c.lock}`, rec);
      if (!this.boardsById.has(c.board)) this.boardsById.set(c.board, { board: c.board, online: null, raw: null, readings: null, readAt: null });
    }
  }

  get boardIds(): number[] {
    return [...this.boardsById.keys()].sort((a, b) => a - b);
  }

  lookup(compartmentId: string): LayoutCompartment | undefined {
    return this.locks.get(compartmentId)?.compartment;
  }

  hasBoard(board: number): boolean {
    return this.boardsById.has(board);
  }

  isOnline(board: number): boolean | null {
    return this.boardsById.get(board)?.online ?? null;
  }

  /** Boards with an unlock whose door has not yet read open: the poller reads these fast. */
  awaitingOpen(board: number): boolean {
    for (const rec of this.locks.values()) if (rec.compartment.board === board && rec.jam) return true;
    return false;
  }

  /**
   * Called when the unlock frame has been written. Starts the jam clock. Passing the deadline is not yet a jam: only
   * a read taken after it can say the door is still shut. While the board cannot be read (offline, port down) the
   * verdict waits for its first answer, up to the ceiling, where the customer must be told something (ADR 0001).
   */
  unlockSent(compartmentId: string): void {
    const rec = this.locks.get(compartmentId);
    if (!rec) return;
    rec.lastUnlockAt = this.now();
    this.clearJam(rec);
    const check: JamCheck = {
      verdictDue: false,
      seen: false,
      lastSeenAt: rec.lastUnlockAt,
      gap: false,
      deadline: setTimeout(() => {
        check.deadline = null;
        check.verdictDue = true;
        this.wantRead(rec.compartment.board);
      }, this.timing.jamMs),
      ceiling: setTimeout(() => {
        // Blind: the board never answered after the deadline. The next read may still show the door open (opened).
        this.clearJam(rec);
        this.emit({ type: 'jammed', compartmentId, at: this.now(), blind: true });
      }, Math.max(this.timing.jamCeilingMs, this.timing.jamMs)),
    };
    rec.jam = check;
  }

  /** A good state reply from `board`. */
  applyRead(board: number, raw: RawBoardBits): void {
    const b = this.boardsById.get(board);
    if (!b) return;
    const at = this.now();
    this.markOnline(board, true);
    const readings = decodeLocks(raw, this.polarity);
    const prev = b.readings;
    for (const r of readings) {
      const rec = this.byAddress.get(`${board}/${r.lock}`);
      if (!rec) continue; // a lock the layout does not use
      const id = rec.compartment.id;
      const before = prev?.[r.lock];
      // Level, not edge: a door already open when unlocked (left ajar, or a lying sensor) counts as "opened after
      // unlock". With no edge to come, the first read after the unlock says so itself.
      if (r.door === 'open' && rec.jam) {
        this.clearJam(rec);
        if (!before || before.door === 'open') this.emit({ type: 'opened', compartmentId: id, at });
      }
      if (before && before.door !== r.door) {
        if (r.door === 'open') {
          this.emit({ type: 'opened', compartmentId: id, at });
          // It opened somewhere since the previous read. Forced only if even that read was past the window: after an
          // outage (board offline, port down) an unlock's door first seen open is given the benefit of the doubt.
          const ours = rec.lastUnlockAt !== null && (b.readAt ?? at) - rec.lastUnlockAt <= this.timing.forcedOpenWindowMs;
          if (!ours) this.emit({ type: 'forced-open', compartmentId: id, at });
        } else {
          // Closed after the unlock's opening (no jam check pending: it has read open since the unlock, or its
          // verdict is in): the unlock is spent. Counting the window from the unlock let a door pulled open a few
          // seconds after a drop-off closed pass as "ours".
          if (!rec.jam) rec.lastUnlockAt = null;
          this.emit({ type: 'closed', compartmentId: id, at });
        }
      }
      if (before && before.item !== r.item && r.item !== null) {
        this.emit({ type: r.item ? 'item-present' : 'item-absent', compartmentId: id, at });
      }
      if (rec.jam && r.door !== 'open') {
        const check = rec.jam;
        if (at - check.lastSeenAt > this.timing.jamMs) check.gap = true;
        check.lastSeenAt = at;
        if (!check.verdictDue) {
          check.seen = true;
        } else {
          this.clearJam(rec);
          // Watched shut the whole time: a jam. Not watched (no read before the deadline, or a gap since the
          // unlock): nobody saw whether it opened, so the verdict is blind, and the read just taken decides it
          // (ADR door-truth: the physical fact, e.g. closed and empty after a pickup = picked up).
          const blind = !check.seen || check.gap;
          this.emit(blind ? { type: 'jammed', compartmentId: id, at, blind: true, read: true } : { type: 'jammed', compartmentId: id, at });
        }
      }
    }
    b.raw = { locks: [...raw.locks], ir: [...raw.ir] };
    b.readings = readings;
    b.readAt = at;
  }

  /** Emits board-online / board-offline on a change only. Readings are kept, so changes while offline show as edges. */
  markOnline(board: number, online: boolean): void {
    const b = this.boardsById.get(board);
    if (!b || b.online === online) return;
    // A board lost while an unlock awaits its verdict leaves a hole in what we saw of that door.
    if (!online) for (const rec of this.locks.values()) if (rec.jam && rec.compartment.board === board) rec.jam.gap = true;
    b.online = online;
    this.emit({ type: online ? 'board-online' : 'board-offline', board, at: this.now() });
  }

  compartment(compartmentId: string, portOpen: boolean): CompartmentState | undefined {
    const rec = this.locks.get(compartmentId);
    if (!rec) return undefined;
    const b = this.boardsById.get(rec.compartment.board)!;
    // What we cannot currently read, we do not claim to know.
    const r = portOpen && b.online ? b.readings?.[rec.compartment.lock] : undefined;
    return { compartmentId, door: r?.door ?? null, item: r?.item ?? null };
  }

  boards(portOpen: boolean): BoardState[] {
    return this.boardIds.map((id) => this.boardState(id, portOpen));
  }

  boardState(board: number, portOpen: boolean): BoardState {
    const b = this.boardsById.get(board)!;
    return {
      board,
      online: portOpen && b.online === true,
      raw: b.raw ? { locks: [...b.raw.locks], ir: [...b.raw.ir] } : null,
      readAt: b.readAt,
      silent: b.online === false,
    };
  }

  stop(): void {
    for (const rec of this.locks.values()) this.clearJam(rec);
  }

  private clearJam(rec: LockRecord): void {
    if (!rec.jam) return;
    if (rec.jam.deadline) clearTimeout(rec.jam.deadline);
    clearTimeout(rec.jam.ceiling);
    rec.jam = null;
  }
}

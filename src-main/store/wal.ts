import fs from 'node:fs';
import type { Db } from './sqlite';
import { WAL_CAP_BYTES } from './sqlite';

/**
 * How often the kiosk checkpoints its WAL on its own (ADR disk-bounds), in ms of the injected monotonic clock. SQLite's
 * automatic checkpoint (every 1000 pages) already runs during writes; this one also catches a kiosk that stopped
 * writing with a big WAL left behind (after a long reader let go), and truncates the file, which auto-checkpoints never do.
 */
export const CHECKPOINT_INTERVAL_MS = 5 * 60_000;

/** What one checkpoint did. Sizes are of the `-wal` file in bytes (0 when there is none). */
export interface CheckpointResult {
  /** `passive` only, or `truncate` after it (the WAL was above the cap and fully copied back). */
  mode: 'passive' | 'truncate';
  /** A reader still holds frames the checkpoint could not copy or reset: the file stays until the next one. */
  busy: boolean;
  walBytesBefore: number;
  walBytesAfter: number;
}

/**
 * Keeps the `-wal` file of one database bounded (issue 14: it grew from 4 MB to 46 MB while another reader held a
 * transaction, and never shrank). Two mechanisms:
 * - `journal_size_limit` (set by openDatabase to WAL_CAP_BYTES): whenever SQLite restarts the WAL after a complete
 *   checkpoint, it truncates the file down to the cap;
 * - `tick(mono)`: every CHECKPOINT_INTERVAL_MS (or at once when the file is over the cap) a PASSIVE checkpoint, which
 *   never waits for anyone; when it copied every frame and the file is still over the cap, a TRUNCATE checkpoint with
 *   the busy timeout at 0, so it fails at once instead of waiting if a reader still uses the WAL. An unlock therefore
 *   never waits behind a checkpoint for a lock, only for the copy itself (bounded by the cap between two ticks).
 * Never throws for a busy database (the next tick tries again); other SQLite errors propagate to the caller.
 */
export class WalKeeper {
  private last: number | null = null;
  private readonly walFile: string | null;

  constructor(
    private readonly db: Db,
    private readonly intervalMs = CHECKPOINT_INTERVAL_MS,
    private readonly capBytes = WAL_CAP_BYTES,
  ) {
    this.walFile = db.memory ? null : `${db.name}-wal`;
  }

  /** The `-wal` file's size in bytes (0: none, or an in-memory database). */
  walBytes(): number {
    if (!this.walFile) return 0;
    try {
      return fs.statSync(this.walFile).size;
    } catch {
      return 0;
    }
  }

  /** Checkpoints when due (`mono`: the injected monotonic clock, ms); null when not due. */
  tick(mono: number): CheckpointResult | null {
    const before = this.walBytes();
    // The first tick only starts the interval (unless the file is already over the cap): SQLite's own automatic
    // checkpoint is the baseline, and a checkpoint at every start would only move the moment a lost WAL loses data.
    if (this.last === null && before <= this.capBytes) {
      this.last = mono;
      return null;
    }
    if (this.last !== null && mono - this.last < this.intervalMs && before <= this.capBytes) return null;
    this.last = mono;
    return this.checkpoint(before);
  }

  /** A checkpoint now (see the class comment). */
  checkpoint(before = this.walBytes()): CheckpointResult {
    const passive = this.run('PASSIVE');
    if (passive.busy || passive.log !== passive.checkpointed || this.walBytes() <= this.capBytes) {
      return { mode: 'passive', busy: passive.busy || passive.log !== passive.checkpointed, walBytesBefore: before, walBytesAfter: this.walBytes() };
    }
    const timeout = this.db.pragma('busy_timeout', { simple: true }) as number;
    this.db.pragma('busy_timeout = 0');
    try {
      const t = this.run('TRUNCATE');
      return { mode: 'truncate', busy: t.busy, walBytesBefore: before, walBytesAfter: this.walBytes() };
    } finally {
      this.db.pragma(`busy_timeout = ${timeout}`);
    }
  }

  /** `PRAGMA wal_checkpoint(MODE)`: busy = 1 when it could not finish; log / checkpointed in frames (-1: not WAL). */
  private run(mode: 'PASSIVE' | 'TRUNCATE'): { busy: boolean; log: number; checkpointed: number } {
    if (this.db.inTransaction) return { busy: true, log: 0, checkpointed: 0 };
    const row = (this.db.pragma(`wal_checkpoint(${mode})`) as Array<{ busy: number; log: number; checkpointed: number }>)[0]!;
    return { busy: row.busy !== 0, log: row.log, checkpointed: row.checkpointed };
  }
}

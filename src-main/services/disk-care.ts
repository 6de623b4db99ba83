import fs from 'node:fs';
import path from 'node:path';
import { Retention, type PruneCounts } from '../store/retention';
import { storeHealth } from '../store/store-health';
import { WalKeeper, type CheckpointResult } from '../store/wal';
import type { Kit } from './kit';

/**
 * The disk as the kiosk reports it (heartbeat `disk`, ADR disk-bounds). Bytes. `dataDirBytes`: every file under the data
 * dir (database, WAL, audit archive, keys); `freeBytes`: what the data dir's file system still gives an unprivileged
 * process (statfs `bavail`); `low`: `freeBytes` under `reserveBytes`, the state in which the store refuses new operations.
 */
export interface DiskStatus {
  dataDirBytes: number;
  dbBytes: number;
  walBytes: number;
  freeBytes: number;
  totalBytes: number;
  reserveBytes: number;
  low: boolean;
}

/** What one tick did: the disk as measured, rows pruned, the checkpoint when one was due. */
export interface DiskCareReport {
  disk: DiskStatus;
  pruned: PruneCounts | null;
  checkpoint: CheckpointResult | null;
}

/**
 * Keeps the kiosk's disk bounded and watched (issue 14, ADR disk-bounds). On the sweep's timer (services/index.ts):
 * 1. measures free space and the data dir; under the reserve (`config.disk.reserveMiB`) the store turns `full`, the same
 *    state and `store` event a SQLITE_FULL write causes (ADR 0007): new pickups, drop-offs and collections are refused,
 *    door tracking and open operations go on; the probe brings it back only once space is above the reserve again.
 *    The first tick of a low spell records a `disk_low` alarm for the technician (audited, `disk.low`), unless one is
 *    still unacknowledged; the heartbeat carries `disk.low` to the fleet, which raises its `disk.low` alert;
 * 2. prunes what is past its window (store/retention.ts), in small transactions, yielding to the event loop between
 *    them so a customer's call goes first;
 * 3. checkpoints the WAL when due (store/wal.ts).
 * Never throws: a failing step is logged and tried again at the next tick.
 */
export class DiskCare {
  private readonly retention: Retention;
  readonly wal: WalKeeper;
  private last: DiskStatus | null = null;
  private running: Promise<DiskCareReport> | null = null;

  constructor(private readonly kit: Kit) {
    this.retention = new Retention(kit.repos.db);
    this.wal = new WalKeeper(kit.repos.db);
    storeHealth(kit.repos.db).diskLow = () => this.freeBytes() < this.reserveBytes();
  }

  /** The reserve in bytes (config `disk.reserveMiB`). */
  reserveBytes(): number {
    return this.kit.ctx.config.disk.reserveMiB * 1024 * 1024;
  }

  /** The last measure (one is taken now when there is none yet). */
  status(): DiskStatus {
    return this.last ?? this.measure();
  }

  /** Measures the disk now (no side effects beyond remembering the figures). */
  measure(): DiskStatus {
    const db = this.kit.repos.db;
    const st = statfs(this.kit.ctx.dataDir);
    const reserveBytes = this.reserveBytes();
    this.last = {
      dataDirBytes: dirBytes(this.kit.ctx.dataDir),
      dbBytes: db.memory ? 0 : fileBytes(db.name),
      walBytes: this.wal.walBytes(),
      freeBytes: st.free,
      totalBytes: st.total,
      reserveBytes,
      low: st.free < reserveBytes,
    };
    return this.last;
  }

  /** One tick (see the class comment); a tick still running is joined, not doubled. */
  tick(): Promise<DiskCareReport> {
    this.running ??= this.run().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async run(): Promise<DiskCareReport> {
    const { kit } = this;
    const wasLow = this.last?.low ?? false;
    const disk = this.measure();
    if (disk.low) this.onLow(disk, !wasLow);
    else if (wasLow) kit.log.info('disk above its reserve again', { freeBytes: disk.freeBytes, reserveBytes: disk.reserveBytes });
    let pruned: PruneCounts | null = null;
    try {
      pruned = await this.retention.run(kit.now(), yieldToLoop);
      if (pruned.outbox_notes + pruned.outbox + pruned.door_operations + pruned.parcels > 0) kit.log.info('retention: rows past their window pruned', { ...pruned });
    } catch (err) {
      // The kiosk stopping mid-batch closes the store under us: nothing failed, nothing to say.
      if (!kit.repos.db.open) return { disk, pruned: null, checkpoint: null };
      kit.log.warn('retention failed; next tick tries again', { error: (err as Error).message });
    }
    if (!kit.repos.db.open) return { disk, pruned, checkpoint: null };
    let checkpoint: CheckpointResult | null = null;
    try {
      checkpoint = this.wal.tick(kit.mono());
    } catch (err) {
      kit.log.warn('WAL checkpoint failed; next tick tries again', { error: (err as Error).message });
    }
    return { disk: this.measure(), pruned, checkpoint };
  }

  private onLow(disk: DiskStatus, entering: boolean): void {
    const { kit } = this;
    const health = storeHealth(kit.repos.db);
    if (entering) kit.log.error('disk under its reserve: refusing new pickups and drop-offs', { freeBytes: disk.freeBytes, reserveBytes: disk.reserveBytes });
    if (health.status === 'ok') {
      health.report('STORE_FULL', { emit: kit.ctx.emit, log: kit.log, onRecovered: () => void kit.ctx.services.reconcile().catch(() => {}) });
    }
    if (!entering) return;
    try {
      kit.tx(() => {
        if (kit.repos.alarms.unacknowledged(-1).some((a) => a.kind === 'disk_low')) return;
        const auditId = kit.audit('system', 'disk.low', { freeBytes: disk.freeBytes, reserveBytes: disk.reserveBytes, dataDirBytes: disk.dataDirBytes });
        kit.repos.alarms.insert(kit.now(), 'disk_low', null, auditId);
      });
    } catch (err) {
      kit.log.warn('disk_low alarm could not be recorded', { error: (err as Error).message });
    }
  }

  private freeBytes(): number {
    return statfs(this.kit.ctx.dataDir).free;
  }
}

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

function statfs(dir: string): { free: number; total: number } {
  try {
    const st = fs.statfsSync(dir);
    return { free: st.bavail * st.bsize, total: st.blocks * st.bsize };
  } catch {
    // Unknown is not low: a statfs that fails must not stop a working kiosk (SQLITE_FULL still degrades it).
    return { free: Number.MAX_SAFE_INTEGER, total: 0 };
  }
}

function fileBytes(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}

/** Bytes of every regular file under `dir` (symbolic links not followed). */
function dirBytes(dir: string): number {
  let total = 0;
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) total += dirBytes(p);
    else if (e.isFile()) total += fileBytes(p);
  }
  return total;
}

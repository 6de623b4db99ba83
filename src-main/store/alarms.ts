import type { Db } from './sqlite';

/** `disk_low`: free space under the reserve (services/disk-care.ts, ADR disk-bounds); it names no compartment. */
export type AlarmKind = 'forced_open' | 'jammed' | 'door_left_open' | 'unexpected_item' | 'disk_low';

export interface AlarmRow {
  id: number;
  at: number;
  kind: AlarmKind;
  /** Null only for `disk_low`. */
  compartmentId: string | null;
  auditId: number;
}

/** Unacknowledged door alarms; written next to their audit entry, acknowledged by a technician. */
export class AlarmsRepo {
  private readonly insertStmt;
  private readonly openStmt;
  private readonly ackAllStmt;
  private readonly ackOneStmt;

  constructor(db: Db) {
    this.insertStmt = db.prepare('INSERT INTO alarms (at, kind, compartment_id, audit_id) VALUES (?, ?, ?, ?)');
    this.openStmt = db.prepare(
      'SELECT id, at, kind, compartment_id AS compartmentId, audit_id AS auditId FROM alarms WHERE acknowledged_at IS NULL ORDER BY id DESC LIMIT ?',
    );
    this.ackAllStmt = db.prepare('UPDATE alarms SET acknowledged_at = ?, acknowledged_by = ? WHERE acknowledged_at IS NULL');
    this.ackOneStmt = db.prepare('UPDATE alarms SET acknowledged_at = ?, acknowledged_by = ? WHERE id = ? AND acknowledged_at IS NULL');
  }

  insert(at: number, kind: AlarmKind, compartmentId: string | null, auditId: number): number {
    return Number(this.insertStmt.run(at, kind, compartmentId, auditId).lastInsertRowid);
  }

  /** Newest first; capped so an alarm storm cannot grow the technician's screen without bound. */
  unacknowledged(limit = 100): AlarmRow[] {
    return this.openStmt.all(limit) as AlarmRow[];
  }

  /** Acknowledges the given alarms (or all when `ids` is omitted); returns the ids that were still open. */
  acknowledge(ids: readonly number[] | undefined, at: number, by: string): number[] {
    if (ids === undefined) {
      const open = this.unacknowledged(-1).map((a) => a.id);
      this.ackAllStmt.run(at, by);
      return open;
    }
    return ids.filter((id) => this.ackOneStmt.run(at, by, id).changes > 0);
  }
}

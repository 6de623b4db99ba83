import type { Size } from '../../src-shared/api/common';
import type { Layout } from '../../src-shared/layout';
import type { Candidate } from '../domain/allocation';
import { emptyBySize } from '../domain/sizes';
import type { Db } from './sqlite';

export interface CompartmentRow {
  id: string;
  board: number;
  lock: number;
  size: Size;
  column: number;
  row: number;
  heightCm: number;
  inService: boolean;
  serviceNote: string | null;
  inLayout: boolean;
}

const COLS = `id, board, lock, size, col AS "column", row, height_cm AS heightCm, in_service AS inService, service_note AS serviceNote, in_layout AS inLayout`;

/**
 * The one definition of "free": in the layout, in service, no parcel that is expected-and-reserved, deposited or
 * expired in it, and no unfinished door operation on it. Both subqueries are index lookups
 * (parcels_compartment_active, door_ops_compartment).
 */
export const FREE_WHERE = `c.in_layout = 1 AND c.in_service = 1
  AND NOT EXISTS (SELECT 1 FROM parcels p WHERE p.compartment_id = c.id AND p.status IN ('expected','deposited','expired'))
  AND NOT EXISTS (SELECT 1 FROM door_operations d WHERE d.compartment_id = c.id AND d.state IN ('requested','unlocked','opened'))`;

function toRow(r: Record<string, unknown>): CompartmentRow {
  return { ...(r as unknown as CompartmentRow), inService: r.inService === 1, inLayout: r.inLayout === 1 };
}

export class CompartmentsRepo {
  private readonly getStmt;
  private readonly allStmt;
  private readonly freeStmt;
  private readonly freeCountStmt;
  private readonly inServiceStmt;
  private readonly serviceStmt;
  private readonly clampGraceStmts;
  private readonly shiftGraceStmts;

  constructor(private readonly db: Db) {
    this.getStmt = db.prepare(`SELECT ${COLS} FROM compartments WHERE id = ?`);
    this.allStmt = db.prepare(`SELECT ${COLS} FROM compartments WHERE in_layout = 1 ORDER BY id`);
    this.freeStmt = db.prepare(`SELECT c.id, c.size, c.height_cm AS heightCm, c.row, c.col AS "column" FROM compartments c WHERE ${FREE_WHERE}`);
    this.freeCountStmt = db.prepare(`SELECT c.size, count(*) AS n FROM compartments c WHERE ${FREE_WHERE} GROUP BY c.size`);
    this.inServiceStmt = db.prepare(`SELECT size, count(*) AS n FROM compartments WHERE in_layout = 1 AND in_service = 1 GROUP BY size`);
    this.serviceStmt = db.prepare('UPDATE compartments SET in_service = ?, service_note = ? WHERE id = ?');
    // Parcels through the partial index parcels_spent_code (a window only matters while the spent code is kept).
    this.clampGraceStmts = [
      db.prepare('UPDATE parcels SET grace_until = ? WHERE spent_digest IS NOT NULL AND grace_until > ?'),
      db.prepare(`UPDATE door_operations SET grace_until = ? WHERE state = 'closed' AND grace_until > ?`),
    ];
    this.shiftGraceStmts = [
      db.prepare('UPDATE parcels SET grace_until = grace_until + ? WHERE spent_digest IS NOT NULL AND grace_until > ?'),
      db.prepare(`UPDATE door_operations SET grace_until = grace_until + ? WHERE state = 'closed' AND grace_until > ?`),
    ];
  }

  /**
   * Brings the table in line with the layout file at start-up: new compartments are added in service, changed ones
   * take the layout's board/lock/size/position (keeping their service state), missing ones leave the layout.
   */
  syncFromLayout(layout: Layout): { added: number; removed: number } {
    const run = this.db.transaction(() => {
      const known = new Set((this.db.prepare('SELECT id FROM compartments').all() as Array<{ id: string }>).map((r) => r.id));
      const upsert = this.db.prepare(
        `INSERT INTO compartments (id, board, lock, size, col, row, height_cm, in_layout) VALUES (?, ?, ?, ?, ?, ?, ?, 1)
         ON CONFLICT(id) DO UPDATE SET board = excluded.board, lock = excluded.lock, size = excluded.size, col = excluded.col,
           row = excluded.row, height_cm = excluded.height_cm, in_layout = 1`,
      );
      let added = 0;
      const inLayout = new Set<string>();
      for (const c of layout.compartments) {
        if (!known.has(c.id)) added++;
        inLayout.add(c.id);
        upsert.run(c.id, c.board, c.lock, c.size, c.column, c.row, c.heightCm);
      }
      let removed = 0;
      const drop = this.db.prepare('UPDATE compartments SET in_layout = 0 WHERE id = ?');
      for (const id of known) if (!inLayout.has(id)) removed += drop.run(id).changes;
      return { added, removed };
    });
    return run();
  }

  get(id: string): CompartmentRow | null {
    const r = this.getStmt.get(id) as Record<string, unknown> | undefined;
    return r ? toRow(r) : null;
  }

  all(): CompartmentRow[] {
    return (this.allStmt.all() as Array<Record<string, unknown>>).map(toRow);
  }

  free(): Candidate[] {
    return this.freeStmt.all() as Candidate[];
  }

  freeBySize(): Record<Size, number> {
    const out = emptyBySize();
    for (const r of this.freeCountStmt.all() as Array<{ size: Size; n: number }>) out[r.size] = r.n;
    return out;
  }

  inServiceBySize(): Record<Size, number> {
    const out = emptyBySize();
    for (const r of this.inServiceStmt.all() as Array<{ size: Size; n: number }>) out[r.size] = r.n;
    return out;
  }

  setService(id: string, inService: boolean, note: string | null): boolean {
    return this.serviceStmt.run(inService ? 1 : 0, note, id).changes === 1;
  }

  /**
   * The reopen windows (`grace_until`, wall ms, on the picked-up parcel and on its door operation) keep a compartment
   * from being offered to a drop-off and let the customer reopen it. They survive a restart, so they are wall time;
   * none may end later than `now + capMs` (capMs = graceSeconds · 1000): one that does was written before the clock
   * went back, and is cut to the full window from now rather than held for as long as the clock was off (issue 9 §4).
   * Returns how many windows were cut.
   */
  clampReopenWindows(now: number, capMs: number): number {
    const until = now + capMs;
    return this.clampGraceStmts.reduce((n, stmt) => n + stmt.run(until, until).changes, 0);
  }

  /**
   * A wall-clock jump of `deltaMs` the clock watch saw at `fromMs` (the wall time just before it): windows still open
   * then move with it, so each lasts the rest of its length in real time, whichever way the clock went.
   */
  shiftReopenWindows(fromMs: number, deltaMs: number): number {
    return this.shiftGraceStmts.reduce((n, stmt) => n + stmt.run(deltaMs, fromMs).changes, 0);
  }
}

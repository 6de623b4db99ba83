import crypto from 'node:crypto';
import type { Db } from './sqlite';

/**
 * The append-only audit log. Each row stores the hash of the previous row and its own hash over
 * (prev_hash, id, at, actor, action, detail); the newest id and hash are also kept in `meta` (audit_head), so an
 * edited, deleted, reordered or truncated row breaks the chain. Triggers refuse UPDATE and DELETE through SQL.
 * Tamper-evident, not tamper-proof: someone with the file can rewrite it all; the events that matter also leave
 * through the outbox to the server.
 */
export interface AuditRow {
  id: number;
  at: number;
  actor: string;
  action: string;
  detail: string;
}

export interface ChainCheck {
  ok: boolean;
  checked: number;
  /** The id of the first row that does not verify (or of the recorded head when the tail is missing). */
  brokenAt: number | null;
}

export const GENESIS_HASH = '0'.repeat(64);
const HEAD_KEY = 'audit_head';

export function auditHash(prev: string, row: AuditRow): string {
  return crypto
    .createHash('sha256')
    .update(`${prev}\n${row.id}\n${row.at}\n${row.actor}\n${row.action}\n${row.detail}`, 'utf8')
    .digest('hex');
}

export class AuditRepo {
  private readonly last;
  private readonly insert;
  private readonly setHead;
  private readonly getHead;
  private readonly recentStmt;

  constructor(private readonly db: Db) {
    this.last = db.prepare('SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1');
    this.insert = db.prepare('INSERT INTO audit_log (id, at, actor, action, detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?)');
    this.setHead = db.prepare(`INSERT INTO meta (key, value) VALUES ('${HEAD_KEY}', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`);
    this.getHead = db.prepare(`SELECT value FROM meta WHERE key = '${HEAD_KEY}'`);
    this.recentStmt = db.prepare('SELECT id, at, actor, action, detail FROM audit_log ORDER BY id DESC LIMIT ?');
  }

  /** Appends one entry (inside the caller's transaction when there is one). `detail` must never hold a code or PIN. */
  append(at: number, actor: string, action: string, detail: Record<string, unknown> = {}): number {
    const run = this.db.transaction(() => {
      const prev = this.last.get() as { id: number; hash: string } | undefined;
      const row: AuditRow = { id: (prev?.id ?? 0) + 1, at, actor, action, detail: JSON.stringify(detail) };
      const prevHash = prev?.hash ?? GENESIS_HASH;
      const hash = auditHash(prevHash, row);
      this.insert.run(row.id, row.at, row.actor, row.action, row.detail, prevHash, hash);
      this.setHead.run(`${row.id}:${hash}`);
      return row.id;
    });
    return run();
  }

  recent(limit: number): AuditRow[] {
    return this.recentStmt.all(limit) as AuditRow[];
  }

  /** Walks the whole chain in id order (streamed, constant memory). */
  verify(): ChainCheck {
    let prevHash = GENESIS_HASH;
    let expectId = 1;
    let checked = 0;
    const rows = this.db.prepare('SELECT id, at, actor, action, detail, prev_hash, hash FROM audit_log ORDER BY id').iterate() as Iterable<
      AuditRow & { prev_hash: string; hash: string }
    >;
    for (const row of rows) {
      if (row.id !== expectId || row.prev_hash !== prevHash || auditHash(prevHash, row) !== row.hash) {
        return { ok: false, checked, brokenAt: row.id };
      }
      checked++;
      prevHash = row.hash;
      expectId++;
    }
    const head = (this.getHead.get() as { value: string } | undefined)?.value ?? null;
    const tail = checked === 0 ? null : `${expectId - 1}:${prevHash}`;
    if (head !== tail) {
      const headId = head ? Number(head.split(':')[0]) : expectId;
      return { ok: false, checked, brokenAt: Number.isFinite(headId) ? headId : expectId };
    }
    return { ok: true, checked, brokenAt: null };
  }
}

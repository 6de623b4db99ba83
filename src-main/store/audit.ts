import crypto from 'node:crypto';
import type { Db } from './sqlite';

/**
 * The append-only audit log. Each row stores the hash of the previous row and its own hash over
 * (prev_hash, id, at, actor, action, detail); the newest id and hash are also kept in `meta` (audit_head), so an
 * edited, deleted, reordered or truncated row breaks the chain. Triggers refuse UPDATE and DELETE through SQL (DELETE
 * only at or below the archived seal: store/audit-archive.ts). Tamper-evident, not tamper-proof: someone with the file
 * can rewrite it all; the events that matter also leave through the outbox to the server.
 *
 * Seals (ADR flat-history): a check walks only the entries after the `verified` seal (the head the previous check
 * reached), so its cost is what was appended since, not the kiosk's whole history. A seal holds an entry's id and hash
 * and an HMAC under a key derived from the kiosk secret: moving it past an edit needs the secret, and the sealed entry
 * itself is re-read on every check. An edit below the seal is found by the full check (`verify({ full: true })`).
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
  /** Live entries the result covers: every entry after the archived seal up to the head (all of them when ok). */
  checked: number;
  /** The id of the first row that does not verify (or of the recorded head when the tail is missing). */
  brokenAt: number | null;
  /** Rows this check read and hashed: those after the seal it started from (all live rows with `full`). */
  read: number;
}

/** A point of the chain vouched for: entry `id` had hash `hash` (see the class comment). `at`: wall ms it was sealed. */
export interface AuditSeal {
  kind: 'verified' | 'archived';
  id: number;
  hash: string;
  at: number;
  mac: string;
}

export const GENESIS_HASH = '0'.repeat(64);
const HEAD_KEY = 'audit_head';
/** Seals made before enrollment (no secret yet) are keyed with this: they catch damage, not a forger. */
const UNKEYED = Buffer.from('locker-kiosk audit seal, no kiosk secret yet');

export function auditHash(prev: string, row: AuditRow): string {
  return crypto
    .createHash('sha256')
    .update(`${prev}\n${row.id}\n${row.at}\n${row.actor}\n${row.action}\n${row.detail}`, 'utf8')
    .digest('hex');
}

type StoredRow = AuditRow & { prev_hash: string; hash: string };

export class AuditRepo {
  private readonly last;
  private readonly insert;
  private readonly setHead;
  private readonly getHead;
  private readonly recentStmt;
  private readonly sealStmt;
  private readonly putSealStmt;
  private readonly hashOfStmt;
  private readonly afterStmt;

  /** `sealKey`: the kiosk secret when there is one (enrollment.getKioskSecret); seals are keyed from it. */
  constructor(
    private readonly db: Db,
    private readonly sealKey: () => Uint8Array | null = () => null,
  ) {
    this.last = db.prepare('SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1');
    this.insert = db.prepare('INSERT INTO audit_log (id, at, actor, action, detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?)');
    this.setHead = db.prepare(`INSERT INTO meta (key, value) VALUES ('${HEAD_KEY}', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`);
    this.getHead = db.prepare(`SELECT value FROM meta WHERE key = '${HEAD_KEY}'`);
    this.recentStmt = db.prepare('SELECT id, at, actor, action, detail FROM audit_log ORDER BY id DESC LIMIT ?');
    this.sealStmt = db.prepare('SELECT kind, id, hash, at, mac FROM audit_seals WHERE kind = ?');
    this.putSealStmt = db.prepare(
      'INSERT INTO audit_seals (kind, id, hash, at, mac) VALUES (?, ?, ?, ?, ?) ON CONFLICT(kind) DO UPDATE SET id = excluded.id, hash = excluded.hash, at = excluded.at, mac = excluded.mac',
    );
    this.hashOfStmt = db.prepare('SELECT hash FROM audit_log WHERE id = ?');
    // A range of the primary key: reads only the rows after the seal, in order.
    this.afterStmt = db.prepare('SELECT id, at, actor, action, detail, prev_hash, hash FROM audit_log WHERE id > ? ORDER BY id');
  }

  /** Appends one entry (inside the caller's transaction when there is one). `detail` must never hold a code or PIN. */
  append(at: number, actor: string, action: string, detail: Record<string, unknown> = {}): number {
    const run = this.db.transaction(() => {
      const prev = (this.last.get() as { id: number; hash: string } | undefined) ?? this.seal('archived') ?? undefined;
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

  /** The stored seal of that kind, or null (no check has passed yet / nothing archived). The MAC is not checked here. */
  seal(kind: AuditSeal['kind']): AuditSeal | null {
    return (this.sealStmt.get(kind) as AuditSeal | undefined) ?? null;
  }

  /** The HMAC a genuine seal carries. */
  sealMac(kind: AuditSeal['kind'], id: number, hash: string, at: number): string {
    const secret = this.sealKey();
    const key = secret ? crypto.createHmac('sha256', secret).update('audit-seal').digest() : UNKEYED;
    return crypto.createHmac('sha256', key).update(`${kind}\n${id}\n${hash}\n${at}`).digest('hex');
  }

  /** Whether a seal's MAC is the one this kiosk's key gives (a seal from another secret, or forged, is not). */
  sealValid(s: AuditSeal): boolean {
    const want = Buffer.from(this.sealMac(s.kind, s.id, s.hash, s.at), 'hex');
    const got = Buffer.from(s.mac, 'hex');
    return got.length === want.length && crypto.timingSafeEqual(got, want);
  }

  /** Writes a seal (inside the caller's transaction when there is one). The archived seal never moves back (trigger). */
  putSeal(kind: AuditSeal['kind'], id: number, hash: string, at: number): void {
    this.putSealStmt.run(kind, id, hash, at, this.sealMac(kind, id, hash, at));
  }

  /**
   * Checks the chain. By default from the `verified` seal: only the rows appended since are read (plus the sealed row
   * itself, re-read by id), and a passing check moves the seal to the head (best effort: a full disk leaves the old
   * seal). `full`: every live row from the archived seal (or genesis), whatever the verified seal says. A seal whose
   * MAC does not verify, or whose row no longer has the sealed hash, is not trusted: the check starts further back.
   * `now`: wall ms, stamped on the new seal.
   */
  verify(opts: { full?: boolean; now?: number } = {}): ChainCheck {
    const archived = this.seal('archived');
    const base = archived ?? { id: 0, hash: GENESIS_HASH };
    const liveFrom = base.id;
    if (archived && !this.sealValid(archived)) return { ok: false, checked: 0, brokenAt: archived.id, read: 0 };
    let start = base;
    const verified = opts.full ? null : this.seal('verified');
    if (verified && verified.id > base.id && this.sealValid(verified)) {
      const row = this.hashOfStmt.get(verified.id) as { hash: string } | undefined;
      if (row?.hash === verified.hash) start = verified;
    }
    let prevHash = start.hash;
    let expectId = start.id + 1;
    let read = 0;
    for (const row of this.afterStmt.iterate(start.id) as Iterable<StoredRow>) {
      if (row.id !== expectId || row.prev_hash !== prevHash || auditHash(prevHash, row) !== row.hash) {
        return { ok: false, checked: Math.max(0, row.id - 1 - liveFrom), brokenAt: row.id, read: read + 1 };
      }
      read++;
      prevHash = row.hash;
      expectId++;
    }
    const headId = expectId - 1;
    const head = (this.getHead.get() as { value: string } | undefined)?.value ?? null;
    const tail = headId === 0 ? null : `${headId}:${prevHash}`;
    if (head !== tail) {
      const recorded = head ? Number(head.split(':')[0]) : expectId;
      return { ok: false, checked: headId - liveFrom, brokenAt: Number.isFinite(recorded) ? recorded : expectId, read };
    }
    if (headId > 0 && (read > 0 || start !== verified)) this.trySeal(headId, prevHash, opts.now ?? Date.now());
    return { ok: true, checked: headId - liveFrom, brokenAt: null, read };
  }

  private trySeal(id: number, hash: string, now: number): void {
    try {
      this.db.transaction(() => this.putSeal('verified', id, hash, now))();
    } catch {
      // The seal only saves work: without it the next check starts from the previous one.
    }
  }
}

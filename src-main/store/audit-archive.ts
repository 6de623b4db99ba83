import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { auditHash, GENESIS_HASH, type AuditRepo } from './audit';
import type { Db } from './sqlite';

/**
 * Keeps the audit table bounded (ADR flat-history): entries older than AUDIT_LIVE_DAYS move, oldest first, to gzip'd
 * JSON-lines files in `<data dir>/audit-archive/`, and the `archived` seal (store/audit.ts) records the last one moved:
 * the live chain then starts from that seal's hash, so it still verifies without them, and the files plus the seal
 * verify the archived part from genesis (`verifyAll`). The file is written and fsync'd before the one transaction that
 * moves the seal, deletes the rows and appends an `audit.archived` entry: a crash leaves either everything live (and a
 * stray file, rewritten next time) or everything archived.
 */
export const AUDIT_LIVE_DAYS = 90;
/** The archive step runs once the oldest live entry is this much past the window: files of about a week each. */
export const AUDIT_ARCHIVE_SLACK_DAYS = 7;
/** Most entries one step moves: one transaction stays short (~0.1 s) even when a years-old store catches up. */
export const AUDIT_ARCHIVE_BATCH = 10_000;

const DAY_MS = 86_400_000;

export interface ArchiveStep {
  /** Entries moved (0: nothing due, or refused). */
  archived: number;
  fromId: number | null;
  toId: number | null;
  file: string | null;
  /** Why nothing moved although entries were due: the chain does not verify (they stay, as evidence). */
  refused: 'chain_broken' | null;
}

export interface FullCheck {
  ok: boolean;
  /** Entries verified in the archive files, and in the live table. */
  archived: number;
  live: number;
  /** The first entry that does not verify, or the first one missing. */
  brokenAt: number | null;
}

type Row = { id: number; at: number; actor: string; action: string; detail: string; prev_hash: string; hash: string };

export class AuditArchive {
  private readonly oldestStmt;
  private readonly batchStmt;
  private readonly pinStmt;

  constructor(
    private readonly db: Db,
    private readonly audit: AuditRepo,
    /** `<data dir>/audit-archive`. */
    readonly dir: string,
  ) {
    this.oldestStmt = db.prepare('SELECT at FROM audit_log ORDER BY id LIMIT 1');
    this.batchStmt = db.prepare('SELECT id, at, actor, action, detail, prev_hash, hash FROM audit_log ORDER BY id LIMIT ?');
    // An alarm nobody has acknowledged keeps its audit entry (and everything after it) live.
    this.pinStmt = db.prepare('SELECT min(audit_id) AS id FROM alarms WHERE acknowledged_at IS NULL');
  }

  /** Whether the oldest live entry (one indexed read) is past the window plus the slack at `now` (wall ms). */
  due(now: number, liveDays = AUDIT_LIVE_DAYS): boolean {
    const oldest = this.oldestStmt.get() as { at: number } | undefined;
    return oldest !== undefined && oldest.at < now - (liveDays + AUDIT_ARCHIVE_SLACK_DAYS) * DAY_MS;
  }

  /**
   * Moves the oldest entries written before `now - liveDays` (a contiguous run from the start of the live chain, at most
   * `maxRows`, never the head nor an unacknowledged alarm's entry) to a new archive file. The chain is checked first;
   * a broken chain is not archived (`refused`). Acknowledged alarms whose entry leaves go with it. Throws the SQLite or
   * file-system error when the disk refuses (nothing moved then).
   */
  archive(now: number, opts: { liveDays?: number; maxRows?: number } = {}): ArchiveStep {
    const none: ArchiveStep = { archived: 0, fromId: null, toId: null, file: null, refused: null };
    const cutoff = now - (opts.liveDays ?? AUDIT_LIVE_DAYS) * DAY_MS;
    const check = this.audit.verify({ now });
    if (!check.ok) return { ...none, refused: 'chain_broken' };
    const pin = (this.pinStmt.get() as { id: number | null }).id ?? Number.POSITIVE_INFINITY;
    const rows: Row[] = [];
    for (const r of this.batchStmt.iterate((opts.maxRows ?? AUDIT_ARCHIVE_BATCH) + 1) as Iterable<Row>) {
      if (r.at >= cutoff || r.id >= pin) break;
      rows.push(r);
    }
    const headId = this.audit.recent(1)[0]?.id ?? 0;
    while (rows.length > 0 && rows[rows.length - 1]!.id >= headId) rows.pop(); // the head stays: append chains from it
    if (rows.length > (opts.maxRows ?? AUDIT_ARCHIVE_BATCH)) rows.length = opts.maxRows ?? AUDIT_ARCHIVE_BATCH;
    if (rows.length === 0) return none;
    const first = rows[0]!;
    const last = rows[rows.length - 1]!;
    const file = path.join(this.dir, `audit-${String(first.id).padStart(12, '0')}-${String(last.id).padStart(12, '0')}.jsonl.gz`);
    // A file left by an interrupted step starts here too: it goes, so the files stay one chain.
    for (const f of this.files()) if (f.from === first.id && f.file !== file) fs.rmSync(f.file, { force: true });
    writeDurably(file, zlib.gzipSync(rows.map((r) => JSON.stringify(r)).join('\n') + '\n'));
    this.db
      .transaction(() => {
        this.audit.putSeal('archived', last.id, last.hash, now);
        this.db.prepare('DELETE FROM alarms WHERE acknowledged_at IS NOT NULL AND audit_id <= ?').run(last.id);
        this.db.prepare('DELETE FROM audit_log WHERE id <= ?').run(last.id);
        this.audit.append(now, 'system', 'audit.archived', { fromId: first.id, toId: last.id, entries: rows.length, file: path.basename(file) });
      })
      .immediate();
    return { archived: rows.length, fromId: first.id, toId: last.id, file, refused: null };
  }

  /**
   * The full check, on demand: every archive file from genesis up to the archived seal, then every live entry. When
   * the files reach the seal exactly but its MAC is not this kiosk's (re-enrolled under a new secret), the seal is
   * re-made with the current key: the files vouch for it. Reads everything: seconds on a years-old kiosk.
   */
  verifyAll(now: number): FullCheck {
    const seal = this.audit.seal('archived');
    let prev = GENESIS_HASH;
    let expect = 1;
    let archived = 0;
    const files = this.files().filter((f) => seal !== null && f.to <= seal.id);
    for (const f of files) {
      if (f.from !== expect) continue; // a stray file from an interrupted step, or one already covered
      for (const line of zlib.gunzipSync(fs.readFileSync(f.file)).toString('utf8').split('\n')) {
        if (!line) continue;
        const r = JSON.parse(line) as Row;
        if (r.id !== expect || r.prev_hash !== prev || auditHash(prev, r) !== r.hash) return { ok: false, archived, live: 0, brokenAt: r.id };
        prev = r.hash;
        expect++;
        archived++;
      }
    }
    if (seal) {
      if (expect - 1 !== seal.id || prev !== seal.hash) return { ok: false, archived, live: 0, brokenAt: expect };
      if (!this.audit.sealValid(seal)) this.db.transaction(() => this.audit.putSeal('archived', seal.id, seal.hash, now)).immediate();
    }
    const live = this.audit.verify({ full: true, now });
    return { ok: live.ok, archived, live: live.read, brokenAt: live.brokenAt };
  }

  /** The archive files, in chain order. */
  files(): Array<{ file: string; from: number; to: number }> {
    let names: string[];
    try {
      names = fs.readdirSync(this.dir);
    } catch {
      return [];
    }
    return names
      .map((n) => /^audit-(\d{12})-(\d{12})\.jsonl\.gz$/.exec(n))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => ({ file: path.join(this.dir, m[0]), from: Number(m[1]), to: Number(m[2]) }))
      .sort((a, b) => a.from - b.from || b.to - a.to);
  }
}

/** Writes via a temporary file, fsync'd, renamed into place, the directory fsync'd: the file is whole or absent. */
function writeDurably(file: string, data: Buffer): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp`;
  const fd = fs.openSync(tmp, 'w', 0o600);
  try {
    fs.writeSync(fd, data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  const dirFd = fs.openSync(path.dirname(file), 'r');
  try {
    fs.fsyncSync(dirFd);
  } finally {
    fs.closeSync(dirFd);
  }
}

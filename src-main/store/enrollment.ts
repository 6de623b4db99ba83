import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { StoreError, type Db } from './sqlite';

/**
 * What enrollment gave this kiosk: its id, the badge public key (meta table), and the kiosk secret.
 *
 * The secret never enters the database: it lives alone in `<dataDir>/kiosk-secret` (mode 0600, written atomically),
 * and the database keeps only its fingerprint (sha256, first 16 hex) to notice a mismatched pair. So a copied or
 * backed-up database, a support dump or a log of SQL says nothing about codes or request signatures. On a kiosk
 * with a TPM or OS keyring the file is the place to swap for a sealed blob; see docs/adr/0002.
 */
export interface Enrollment {
  kioskId: string;
  /** Base64, 32 bytes, as received. */
  kioskSecret: string;
  /** SPKI PEM (or raw base64) Ed25519 key that verifies badges. */
  badgePublicKey: string;
}

export const SECRET_FILE = 'kiosk-secret';

/**
 * Meta key set at enrollment (with the identity, one transaction) and cleared once the first manifest has been read to
 * its end: until then the store cannot know what the locker holds (ADR return-reenroll, "Item sensors on a new PC").
 */
const CONTENTS_PENDING = 'contents_pending';

export function fingerprint(secret: Buffer): string {
  return crypto.createHash('sha256').update(secret).digest('hex').slice(0, 16);
}

export class EnrollmentRepo {
  private secret: Buffer | null | undefined;
  private readonly getMeta;
  private readonly putMeta;

  constructor(
    private readonly db: Db,
    private readonly dataDir: string,
  ) {
    this.getMeta = db.prepare('SELECT value FROM meta WHERE key = ?');
    this.putMeta = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value');
  }

  private meta(key: string): string | null {
    return (this.getMeta.get(key) as { value: string } | undefined)?.value ?? null;
  }

  kioskId(): string | null {
    return this.meta('kiosk_id');
  }

  getBadgePublicKey(): string | null {
    return this.meta('badge_public_key');
  }

  /** The secret's bytes, read once and cached; null before enrollment or when the file does not match the db. */
  getKioskSecret(): Buffer | null {
    if (this.secret !== undefined) return this.secret;
    let secret: Buffer | null;
    try {
      const text = fs.readFileSync(path.join(this.dataDir, SECRET_FILE), 'utf8').trim();
      secret = Buffer.from(text, 'base64');
      if (secret.length < 16) secret = null;
    } catch {
      secret = null;
    }
    if (secret && this.meta('kiosk_secret_fp') !== fingerprint(secret)) secret = null;
    this.secret = secret;
    return secret;
  }

  /**
   * Start-up check: a store that says enrolled (a kiosk id) must have its secret. Without it every pickup code and
   * every request signature is wrong, and enrolling again would make this a new kiosk (codes counted as failures,
   * toward the lockout). So refuse to start: StoreError SECRET_MISSING, one line naming the file and the way back
   * (restore the file from a backup, or re-enroll this PC under the same kiosk id from the fleet console).
   * A store that was never enrolled passes: enrollment runs as usual. So does `reenrolling` (a fleet server URL and
   * an enrollment token were given): the console's re-enrollment token for this kiosk id brings the identity back.
   */
  assertSecretPresent(opts: { reenrolling?: boolean } = {}): void {
    const kioskId = this.kioskId();
    if (kioskId === null) {
      this.assertNoOrphanSecret();
      return;
    }
    if (opts.reenrolling || this.getKioskSecret() !== null) return;
    const file = path.join(this.dataDir, SECRET_FILE);
    const what = fs.existsSync(file) ? 'does not match this database' : 'is missing';
    throw new StoreError(
      'SECRET_MISSING',
      `this kiosk is enrolled as ${kioskId} but its secret file ${file} ${what}; restore that file from a backup, or re-enroll this PC as ${kioskId} (fleet console: replace kiosk PC) and start with --server-url and --enrollment-token`,
    );
  }

  /**
   * A store that says "never enrolled" next to a `kiosk-secret` file has lost its database (deleted, or a new store
   * whose WAL was deleted before its first checkpoint): the parcels, the journal and the identity are gone, and the
   * secret is the one thing left of that kiosk. Enrolling now would make it a new kiosk and overwrite the secret
   * (red-team finding 5). StoreError STORE_LOST, one line naming both files and the two ways on; no bypass, a fleet
   * enrollment token included: moving the file aside is the deliberate act.
   */
  private assertNoOrphanSecret(): void {
    const file = path.join(this.dataDir, SECRET_FILE);
    if (!fs.existsSync(file)) return;
    const db = path.join(this.dataDir, 'kiosk.db');
    throw new StoreError(
      'STORE_LOST',
      `the store ${db} says this kiosk was never enrolled, but its secret file ${file} is there: the database was lost; restore ${db} from a backup, or, to enroll as a new kiosk on purpose, move ${file} aside and start again`,
    );
  }

  isEnrolled(): boolean {
    return this.kioskId() !== null && this.getKioskSecret() !== null;
  }

  /**
   * Stores a fresh enrollment: secret file first (atomic), then the meta rows in one transaction. Never overwrites a
   * secret file this store does not own (its fingerprint is not the store's): that file is what is left of another
   * enrollment (a lost store, see assertNoOrphanSecret) and cannot be got back. Throws StoreError STORE_LOST then.
   */
  setEnrollment(e: Enrollment, opts: { contentsPending?: boolean } = {}): void {
    const secret = Buffer.from(e.kioskSecret, 'base64');
    if (secret.length < 16) throw new Error('kiosk secret too short');
    const existing = readSecretFile(this.dataDir);
    if (existing && !existing.equals(secret) && this.meta('kiosk_secret_fp') !== fingerprint(existing)) this.assertNoOrphanSecret();
    writeSecretFile(this.dataDir, e.kioskSecret);
    this.db.transaction(() => {
      this.putMeta.run('kiosk_id', e.kioskId);
      this.putMeta.run('badge_public_key', e.badgePublicKey);
      this.putMeta.run('kiosk_secret_fp', fingerprint(secret));
      if (opts.contentsPending) this.putMeta.run(CONTENTS_PENDING, '1');
    })();
    this.secret = secret;
  }

  /**
   * Whether the store can account for what is in the compartments: false before enrollment, and after it until the
   * first manifest has been read to its end (a replaced PC learns its parcels from it). Until then an item where the
   * store says free is not evidence of anything (ADR return-reenroll).
   */
  contentsKnown(): boolean {
    return this.kioskId() !== null && this.meta(CONTENTS_PENDING) === null;
  }

  markContentsKnown(): void {
    this.db.prepare('DELETE FROM meta WHERE key = ?').run(CONTENTS_PENDING);
  }

  addRevokedBadges(list: ReadonlyArray<{ badgeId: string; revokedAt: number }>): number {
    const put = this.db.prepare('INSERT OR IGNORE INTO revoked_badges (badge_id, revoked_at) VALUES (?, ?)');
    return this.db.transaction(() => list.reduce((n, r) => n + put.run(r.badgeId, r.revokedAt).changes, 0))();
  }

  isRevoked(badgeId: string): boolean {
    return this.db.prepare('SELECT 1 FROM revoked_badges WHERE badge_id = ?').get(badgeId) !== undefined;
  }

  revokedIds(): Set<string> {
    return new Set((this.db.prepare('SELECT badge_id FROM revoked_badges').all() as Array<{ badge_id: string }>).map((r) => r.badge_id));
  }
}

/** The secret file's bytes, or null when there is none (any content at all counts as "there"). */
function readSecretFile(dir: string): Buffer | null {
  try {
    return Buffer.from(fs.readFileSync(path.join(dir, SECRET_FILE), 'utf8').trim(), 'base64');
  } catch {
    return null;
  }
}

function writeSecretFile(dir: string, base64: string): void {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, SECRET_FILE);
  const tmp = `${file}.tmp-${process.pid}`;
  const fd = fs.openSync(tmp, 'w', 0o600);
  try {
    fs.writeSync(fd, base64 + '\n');
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.chmodSync(tmp, 0o600);
  fs.renameSync(tmp, file);
  try {
    const dfd = fs.openSync(dir, 'r');
    fs.fsyncSync(dfd);
    fs.closeSync(dfd);
  } catch {
    // Directory fsync is not supported everywhere; the rename is still atomic.
  }
}

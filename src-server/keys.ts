import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync, createPrivateKey, createPublicKey, randomBytes, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { generateBadgeKeyPair } from './auth/badges';
import { FleetStoreError } from './store/errors';

/**
 * The server's own secrets, one file each in the keys directory (`--keys-dir`, default `<dataDir>/keys`; 0700, files
 * 0600). Every instance of a fleet is given the SAME directory (mounted secret material): they are configuration, never
 * generated per instance (issue 11):
 * - `data.key`: 32 random bytes; AES-256-GCM key for what must be kept but not in plaintext (kiosk secrets,
 *   pickup codes waiting for their deposit notification, notification bodies). A copied database alone reveals none.
 * - `badge-signing.pem`: the Ed25519 private key that signs badges.
 * - `admin.key`: the carrier/admin API key, unless one is configured.
 * An empty directory is filled on first use, but only while the database has no kiosks and no recorded fingerprint;
 * the database keeps a fingerprint of the keys it is sealed with and refuses a directory that does not match.
 */

export interface ServerKeys {
  vault: Vault;
  badgePrivateKey: KeyObject;
  badgePublicKey: KeyObject;
  adminKey: string;
  /** sha256 over the data key and the badge public key, hex (16 chars): which key set this is, safe to log. */
  fingerprint: string;
}

function readIfThere(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/**
 * Creates `file` with `value` unless it exists, atomically: the value is written whole to a private temp file, then
 * hard-linked into place (link fails if the name exists). Two processes racing each try; one link wins, and both
 * return what is in the file afterwards, so both end with the same key, never a half-written one.
 */
function createOnce(file: string, value: string): string {
  const tmp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  fs.writeFileSync(tmp, value, { mode: 0o600, flag: 'wx' });
  try {
    fs.linkSync(tmp, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    fs.rmSync(tmp, { force: true });
  }
  return fs.readFileSync(file, 'utf8');
}

export interface LoadKeysOptions {
  keysDir: string;
  configuredAdminKey?: string | undefined;
  /** May this call fill an empty directory? False when the database already has kiosks or a fingerprint. */
  mayCreate: boolean;
}

/** Reads the key set, creating the missing files when allowed. Throws FleetStoreError KEYS_MISSING when not. */
export function loadKeys(o: LoadKeysOptions): ServerKeys {
  const dir = o.keysDir;
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.chmodSync(dir, 0o700);
  const need = (name: string, make: () => string): string => {
    const file = path.join(dir, name);
    const have = readIfThere(file);
    if (have !== null) return have;
    if (!o.mayCreate) {
      throw new FleetStoreError(
        'KEYS_MISSING',
        `${file} is missing but the database already holds kiosks sealed with a key set: give this instance the same --keys-dir as the others`,
      );
    }
    return createOnce(file, make());
  };
  const dataKey = Buffer.from(need('data.key', () => randomBytes(32).toString('base64')).trim(), 'base64');
  if (dataKey.length !== 32) throw new Error(`${path.join(dir, 'data.key')} must hold 32 bytes as base64`);
  const pem = need('badge-signing.pem', () => generateBadgeKeyPair().privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
  const badgePrivateKey = createPrivateKey(pem);
  const badgePublicKey = createPublicKey(badgePrivateKey);
  // The admin key may be created late (it seals nothing): any instance may fill it in.
  const adminKey =
    o.configuredAdminKey ??
    (readIfThere(path.join(dir, 'admin.key')) ?? createOnce(path.join(dir, 'admin.key'), randomBytes(24).toString('base64url'))).trim();
  const fingerprint = createHash('sha256')
    .update(dataKey)
    .update(badgePublicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex')
    .slice(0, 16);
  return { vault: new Vault(dataKey), badgePrivateKey, badgePublicKey, adminKey, fingerprint };
}

/** AES-256-GCM; sealed form `v1.<iv>.<tag>.<ciphertext>` (base64url). `context` is bound as AAD (e.g. a parcel id). */
export class Vault {
  constructor(private readonly key: Buffer) {}

  /**
   * A secret for `label` that every instance re-derives and none stores: HMAC-SHA256 under an HKDF subkey of the data
   * key (not the AES key itself), 32 bytes. E.g. a kiosk's MQTT broker password (src-server/push).
   */
  derive(label: string): Buffer {
    const sub = Buffer.from(hkdfSync('sha256', this.key, Buffer.alloc(0), 'lk-derive-v1', 32));
    return createHmac('sha256', sub).update(label, 'utf8').digest();
  }

  seal(plaintext: string, context: string): string {
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', this.key, iv);
    c.setAAD(Buffer.from(context, 'utf8'));
    const ct = Buffer.concat([c.update(plaintext, 'utf8'), c.final()]);
    return `v1.${iv.toString('base64url')}.${c.getAuthTag().toString('base64url')}.${ct.toString('base64url')}`;
  }

  open(sealed: string, context: string): string {
    const [v, iv, tag, ct] = sealed.split('.');
    if (v !== 'v1' || !iv || !tag || ct === undefined) throw new Error('not a sealed value');
    const d = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
    d.setAAD(Buffer.from(context, 'utf8'));
    d.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([d.update(Buffer.from(ct, 'base64url')), d.final()]).toString('utf8');
  }
}

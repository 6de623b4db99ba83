import { createCipheriv, createDecipheriv, createPrivateKey, createPublicKey, randomBytes, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { generateBadgeKeyPair } from './auth/badges';

/**
 * The server's own secrets, one file each in `<dataDir>/keys/` (mode 0600), created on first start:
 * - `data.key`: 32 random bytes; AES-256-GCM key for what must be kept but not in plaintext (kiosk secrets,
 *   pickup codes waiting for their deposit notification, notification bodies). A copied database alone reveals none.
 * - `badge-signing.pem`: the Ed25519 private key that signs badges.
 * - `admin.key`: the carrier/admin API key, unless one is configured.
 */

export interface ServerKeys {
  vault: Vault;
  badgePrivateKey: KeyObject;
  badgePublicKey: KeyObject;
  adminKey: string;
}

function readOrCreate(file: string, create: () => string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const value = create();
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  // 'wx': two processes starting at once must not both write different keys.
  try {
    fs.writeFileSync(file, value, { mode: 0o600, flag: 'wx' });
    return value;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return fs.readFileSync(file, 'utf8');
    throw err;
  }
}

export function loadKeys(dataDir: string, configuredAdminKey?: string): ServerKeys {
  const dir = path.join(dataDir, 'keys');
  const dataKey = Buffer.from(readOrCreate(path.join(dir, 'data.key'), () => randomBytes(32).toString('base64')).trim(), 'base64');
  if (dataKey.length !== 32) throw new Error(`${path.join(dir, 'data.key')} must hold 32 bytes as base64`);
  const pem = readOrCreate(path.join(dir, 'badge-signing.pem'), () =>
    generateBadgeKeyPair().privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  );
  const badgePrivateKey = createPrivateKey(pem);
  const adminKey = configuredAdminKey ?? readOrCreate(path.join(dir, 'admin.key'), () => randomBytes(24).toString('base64url')).trim();
  return { vault: new Vault(dataKey), badgePrivateKey, badgePublicKey: createPublicKey(badgePrivateKey), adminKey };
}

/** AES-256-GCM; sealed form `v1.<iv>.<tag>.<ciphertext>` (base64url). `context` is bound as AAD (e.g. a parcel id). */
export class Vault {
  constructor(private readonly key: Buffer) {}

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

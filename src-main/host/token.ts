import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { createLogger } from '../log';

const log = createLogger('host');

/** The host-mode session token's file inside the data dir (ADR 0004): 0600, kept across restarts. */
export const TOKEN_FILE = 'host-token';

/** 24 random bytes as base64url: exactly 32 characters of [A-Za-z0-9_-]. */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{32}$/;

/** A fresh 24-byte token (base64url, 32 characters). */
export function newToken(): string {
  return crypto.randomBytes(24).toString('base64url');
}

/**
 * The host-mode session token, read from `<dataDir>/host-token` or created there once (mode 0600, written with
 * O_EXCL and fsynced) when the file is missing. Why a file and not a new token per start: the kiosk's own page must
 * reconnect by itself after the kiosk restarts (issue 10 §1), and only the kiosk's OS user (and root) can read a
 * 0600 file in its data dir, which keeps ADR 0004's guarantee that no other page or local user can drive the API.
 * Rotation: delete the file; the next start writes a new one (open pages then need the launcher to hand it over).
 * A file whose content is not a token (truncated, edited) is replaced; one readable by group/others is narrowed
 * to 0600 and logged, since anyone may already have read it: rotate it.
 * Throws the file system's error when the data dir cannot be written (the data-dir checks at start-up come first).
 */
export function loadOrCreateToken(dataDir: string): string {
  const file = path.join(dataDir, TOKEN_FILE);
  try {
    const st = fs.statSync(file);
    const text = fs.readFileSync(file, 'utf8').trim();
    if (TOKEN_SHAPE.test(text)) {
      if ((st.mode & 0o077) !== 0) {
        fs.chmodSync(file, 0o600);
        log.warn('host token file was readable by other users: narrowed to 0600; delete it to rotate the token', { file });
      }
      return text;
    }
    log.warn('host token file is not a token: writing a new one', { file });
    fs.rmSync(file, { force: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const token = newToken();
  const fd = fs.openSync(file, 'wx', 0o600);
  try {
    fs.writeSync(fd, `${token}\n`);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  return token;
}

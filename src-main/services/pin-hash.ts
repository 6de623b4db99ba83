import crypto from 'node:crypto';

/**
 * Technician PINs are short, so a fast hash of one is reversed by trying every PIN. The config keeps a salted scrypt
 * hash instead: `scrypt$<log2 N>$<salt base64>$<hash base64>`. At N = 2^15 one guess costs ~50 ms of CPU and 32 MiB,
 * so the million six-digit PINs take most of a day per core rather than a second; the lockout guards the keypad.
 */
export const PIN_HASH_FORMAT = /^scrypt\$(1[0-9]|20)\$[A-Za-z0-9+/]{22,}={0,2}\$[A-Za-z0-9+/]{43}=$/;
const KEY_LEN = 32;

function derive(pin: string, salt: Buffer, log2n: number): Buffer {
  const N = 2 ** log2n;
  return crypto.scryptSync(pin.normalize('NFKC'), salt, KEY_LEN, { N, r: 8, p: 1, maxmem: 256 * N * 8 });
}

export function hashPin(pin: string, salt: Buffer = crypto.randomBytes(16), log2n = 15): string {
  return `scrypt$${log2n}$${salt.toString('base64')}$${derive(pin, salt, log2n).toString('base64')}`;
}

/** Constant-time compare of a PIN against a stored hash; a malformed hash never matches. */
export function verifyPin(pin: string, stored: string): boolean {
  if (!PIN_HASH_FORMAT.test(stored)) return false;
  const [, n, salt, hash] = stored.split('$') as [string, string, string, string];
  const expected = Buffer.from(hash, 'base64');
  const given = derive(pin, Buffer.from(salt, 'base64'), Number(n));
  return given.length === expected.length && crypto.timingSafeEqual(given, expected);
}

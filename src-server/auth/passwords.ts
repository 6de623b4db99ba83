import { randomBytes } from 'node:crypto';
import type { Q } from '../store/db';

/**
 * Passwords set after an account exists (red-team finding A, ADR 0028 password-reset): an operator changing their own,
 * an admin resetting someone else's. Hashing and the length rule are accounts.ts's (argon2id, 12–200 characters), so a
 * changed password meets the same bar as create-admin's.
 */

/**
 * A password nobody chose: 15 random bytes as base64url, 20 characters (120 bits), the shape create-admin prints.
 * Used for an admin's reset, where a person would otherwise pick something guessable or reused.
 */
export function generatePassword(): string {
  return randomBytes(15).toString('base64url');
}

/**
 * Stores a new hash for `operatorId`. `resetAt` is the time of an admin's reset (the operator must then choose their
 * own before anything else), or null when the operator chose this password. Returns whether the operator exists.
 */
export async function storePasswordHash(q: Q, operatorId: string, passwordHash: string, resetAt: number | null): Promise<boolean> {
  const r = await q.updateTable('operators').set({ password_hash: passwordHash, password_reset_at: resetAt }).where('id', '=', operatorId).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}
